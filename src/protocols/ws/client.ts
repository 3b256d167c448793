/**
 * A VU's WebSocket client: the sessions the VU has open (scripts may hold several; quick mode
 * holds one), each on its own connection. Closing the client (VU retired or cut off) closes them.
 */
import type { ProtocolClient } from '../module.js';
import type { WsEndpoint } from './recorder.js';
import { WsSession, type WsConnectOptions } from './session.js';

export class WsClient implements ProtocolClient {
  private readonly sessions = new Set<WsSession>();
  /** Quick mode's session, reused across the VU's iterations. */
  quickSession: WsSession | undefined;
  /** Messages the quick session has sent (quick mode reconnects after messagesPerSession). */
  quickSent = 0;
  connect(url: string, opts: WsConnectOptions, endpoint: WsEndpoint, recording: () => boolean): WsSession {
    const s = new WsSession(url, opts, endpoint, recording, (ended) => this.sessions.delete(ended));
    this.sessions.add(s);
    return s;
  }

  close(): void {
    for (const s of this.sessions) s.terminate();
    this.sessions.clear();
    this.quickSession = undefined;
    this.quickSent = 0;
  }
}
