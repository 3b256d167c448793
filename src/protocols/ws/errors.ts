/**
 * WebSocket failures, classified like HTTP's `error` tag: the socket-level classes come from the
 * HTTP classifier (refused, timeout, reset, dns, tls); WebSocket adds `handshake` (the server
 * answered the upgrade with another status) and `closed` (the session closed with a code other
 * than 1000/1001, or while a message was awaited).
 */
import { classifyHttpError, describeHttpError } from '../http/errors.js';

export type WsErrorClass = 'refused' | 'timeout' | 'reset' | 'dns' | 'tls' | 'handshake' | 'closed' | 'other';

/** A session failure volley raises itself: its class and, where one applies, the status or close code. */
export class WsError extends Error {
  constructor(
    message: string,
    readonly errorClass: WsErrorClass,
    /** The handshake's HTTP status (`handshake`) or the close code (`closed`). */
    readonly code?: number,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'WsError';
  }
}

/** A close code that ends a session normally: 1000 (normal), 1001 (going away), 1005 (no code given). */
export const isNormalClose = (code: number): boolean => code === 1000 || code === 1001 || code === 1005;

export function wsTimeout(what: string, timeoutMs: number): WsError {
  return new WsError(`${what} timed out after ${timeoutMs} ms`, 'timeout');
}

export function wsClosed(code: number, reason: string): WsError {
  return new WsError(`session closed with code ${code}${reason ? ` (${reason})` : ''}`, 'closed', code);
}

/** Any failure as a WsError (its class named), keeping the original as `cause`. */
export function asWsError(err: unknown): WsError {
  if (err instanceof WsError) return err;
  return new WsError(describeHttpError(err), classifyWsError(err), undefined, err);
}

/** The class of anything a WebSocket session threw. */
export function classifyWsError(err: unknown): WsErrorClass {
  if (err instanceof WsError) return err.errorClass;
  const msg = err instanceof Error ? err.message : '';
  if (msg.includes('Opening handshake has timed out')) return 'timeout';
  if (msg.startsWith('Unexpected server response')) return 'handshake';
  const c = classifyHttpError(err);
  return c === 'protocol' ? 'other' : (c as WsErrorClass);
}
