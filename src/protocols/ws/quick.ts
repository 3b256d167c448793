/**
 * Quick mode over WebSocket (`volley run --url ws://…/echo --body MSG`): each iteration sends the
 * body and awaits the next message (ws_rtt). A VU keeps its session across iterations, like an
 * HTTP keep-alive connection, and reconnects when it closed or failed, or after
 * `messagesPerSession` messages when that is set. A failure is recorded, not thrown.
 */
import type { QuickRequest } from '../../config/types.js';
import { endpointName } from '../../metrics/tags.js';
import type { QuickIteration, VuState } from '../module.js';
import type { WsClient } from './client.js';
import type { WsOptions } from './options.js';
import type { WsRecorder } from './recorder.js';
import type { WsSession } from './session.js';

/** What a quick-mode WebSocket iteration sends. */
export interface WsQuickRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  thinkMs?: { min: number; max: number };
}

export function wsQuickRequest(req: QuickRequest): WsQuickRequest {
  const out: WsQuickRequest = {
    url: req.url,
    headers: req.headers,
    body: req.body ?? '',
    timeoutMs: req.timeoutMs,
  };
  if (req.thinkMs) out.thinkMs = req.thinkMs;
  return out;
}

export function wsQuickIteration(
  req: WsQuickRequest,
  options: WsOptions,
  recorder: WsRecorder,
  track: <T>(p: Promise<T>) => Promise<T>,
  tags: Readonly<Record<string, string>> & { scenario: string },
): QuickIteration<WsClient> {
  const url = new URL(req.url);
  const endpoint = recorder.endpoint({ ...tags, name: endpointName('WS', url) });
  const connectOptions = {
    headers: req.headers,
    timeoutMs: req.timeoutMs,
    tls: options.tls,
    insecureSkipTLSVerify: options.insecureSkipTLSVerify,
  };
  const perSession = options.messagesPerSession;
  const think = req.thinkMs;
  const pause = (): number => (think ? think.min + Math.random() * (think.max - think.min) : 0);
  return async (client: WsClient, vu: VuState) => {
    let s: WsSession | undefined = client.quickSession;
    if (s !== undefined && s.open && perSession > 0 && client.quickSent >= perSession) {
      await s.close();
      s = undefined;
    }
    if (s === undefined || !s.open) {
      s = client.connect(req.url, connectOptions, endpoint, () => !vu.interrupted);
      client.quickSession = s;
      client.quickSent = 0;
      try {
        await track(s.ready);
      } catch {
        client.quickSession = undefined;
        return pause();
      }
    }
    try {
      client.quickSent++;
      await track(s.roundTrip(req.body));
    } catch {
      // The session failed (recorded): the next iteration reconnects.
      client.quickSession = undefined;
    }
    return pause();
  };
}
