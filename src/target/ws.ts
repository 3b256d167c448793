/**
 * The demo target's WebSocket endpoints, on the HTTP server's `upgrade` event:
 * - `/ws/echo`: every message comes back as it was sent (text as text, binary as binary);
 * - `/ws/broadcast`: every message goes to every session connected to `/ws/broadcast`, the
 *   sender included.
 * The HTTP API's knobs apply per message: the latency delays each reply; the error rate closes
 * the session with code 1011 instead of replying; a stall blocks the whole process (it is one
 * event loop), so replies wait for it. `/ws/echo?close=CODE` closes with CODE after the first
 * message (a session that ends badly, on purpose). Any other path is refused with 404.
 * The counts are in `/__volley/stats` under `ws`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { mulberry32 } from './data.js';
import type { ResolvedKnobs } from './options.js';

export interface WsTargetStats {
  /** Sessions opened (handshakes that succeeded). */
  sessions: number;
  /** Gauge: sessions open now. */
  sessionsOpen: number;
  /** Handshakes refused (unknown path). */
  rejected: number;
  /** Messages received from clients / sent to clients. */
  messagesReceived: number;
  messagesSent: number;
  /** Sessions closed with 1011 by the error-rate knob. */
  injectedErrors: number;
}

type Totals = Omit<WsTargetStats, 'sessionsOpen'>;
const zero = (): Totals => ({
  sessions: 0,
  rejected: 0,
  messagesReceived: 0,
  messagesSent: 0,
  injectedErrors: 0,
});

export const WS_PATHS = ['/ws/echo', '/ws/broadcast'] as const;

export class WsTarget {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly broadcast = new Set<WebSocket>();
  private totals = zero();
  private baseline = zero();
  private open = 0;
  private readonly errorRand: () => number;
  private readonly latencyRand: () => number;

  constructor(private readonly knobs: ResolvedKnobs) {
    // Streams of their own: WebSocket traffic does not change which HTTP requests fail.
    this.errorRand = mulberry32(knobs.seed ^ 0x5753_0001);
    this.latencyRand = mulberry32(knobs.seed ^ 0x5753_0002);
  }

  /** The HTTP server's `upgrade` listener. */
  readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://target');
    if (!(WS_PATHS as readonly string[]).includes(url.pathname)) {
      this.totals.rejected++;
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.session(ws, url));
  };

  private session(ws: WebSocket, url: URL): void {
    this.totals.sessions++;
    this.open++;
    const isBroadcast = url.pathname === '/ws/broadcast';
    const closeWith = Number(url.searchParams.get('close') ?? 0);
    if (isBroadcast) this.broadcast.add(ws);
    ws.on('close', () => {
      this.open--;
      this.broadcast.delete(ws);
    });
    ws.on('error', () => ws.terminate());
    ws.on('message', (data: RawData, isBinary: boolean) => {
      this.totals.messagesReceived++;
      if (closeWith >= 1000) {
        ws.close(closeWith, 'closed on request');
        return;
      }
      const { errorRate, latencyMinMs, latencyMaxMs } = this.knobs;
      if (errorRate > 0 && this.errorRand() < errorRate) {
        this.totals.injectedErrors++;
        ws.close(1011, 'injected error');
        return;
      }
      const reply = (): void => {
        for (const to of isBroadcast ? this.broadcast : [ws]) {
          if (to.readyState !== to.OPEN) continue;
          to.send(data, { binary: isBinary });
          this.totals.messagesSent++;
        }
      };
      const delayMs =
        latencyMaxMs > 0 ? latencyMinMs + this.latencyRand() * (latencyMaxMs - latencyMinMs) : 0;
      if (delayMs > 0) setTimeout(reply, delayMs).unref();
      else reply();
    });
  }

  stats(): WsTargetStats {
    const t = this.totals;
    const b = this.baseline;
    return {
      sessions: t.sessions - b.sessions,
      sessionsOpen: this.open,
      rejected: t.rejected - b.rejected,
      messagesReceived: t.messagesReceived - b.messagesReceived,
      messagesSent: t.messagesSent - b.messagesSent,
      injectedErrors: t.injectedErrors - b.injectedErrors,
    };
  }

  resetStats(): void {
    this.baseline = { ...this.totals };
  }

  /** Drops every session (the server is closing). */
  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
