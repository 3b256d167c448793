/** The script API of the WebSocket module: `ctx.ws` (types only; see docs/scripting.md). */
import type { TlsMaterial } from '../../config/types.js';

/** A received message: text frames as a string, binary frames as bytes. */
export interface WsMessage {
  data: string | Uint8Array;
  binary: boolean;
}

export interface WsConnectParams {
  headers?: Record<string, string> | undefined;
  /** Offered in `Sec-WebSocket-Protocol`; the server's choice is `session.protocol`. */
  subprotocols?: string[] | undefined;
  /** Custom CA / client certificate as PEM text (default: the test's `http.tls`). */
  tls?: TlsMaterial | undefined;
  /** Opening handshake timeout, and the default timeout of receive / waitFor / roundTrip / ping (default 10000). */
  timeoutMs?: number | undefined;
  /** Extra tags on the session's samples; `name` replaces the endpoint name (default `WS /path`). */
  tags?: Record<string, string> | undefined;
}

export interface WsSessionApi {
  readonly url: string;
  /** The subprotocol the server chose ('' for none). */
  readonly protocol: string;
  /** Whether the session is open. */
  readonly open: boolean;
  /** Sends a text (string) or binary (bytes) message (ws_msgs_sent). */
  send(data: string | Uint8Array): void;
  /** The next message; rejects on timeout (the session then fails, class timeout) or close. */
  receive(opts?: { timeoutMs?: number }): Promise<WsMessage>;
  /** The first message `match` accepts; messages it rejects are consumed. */
  waitFor(match: (m: WsMessage) => boolean, opts?: { timeoutMs?: number }): Promise<WsMessage>;
  /** Sends `data`, waits for the reply `match` accepts (default: the next message), records ws_rtt. */
  roundTrip(
    data: string | Uint8Array,
    match?: (m: WsMessage) => boolean,
    opts?: { timeoutMs?: number },
  ): Promise<WsMessage>;
  /** Ping; resolves to the round trip in ms once the pong arrives. */
  ping(opts?: { timeoutMs?: number }): Promise<number>;
  /** Closes with `code` (default 1000); resolves once the socket closed. */
  close(code?: number, reason?: string): Promise<void>;
}

export interface WsApi {
  /**
   * Opens a session (one connection) and resolves once the handshake succeeded; rejects with the
   * classified failure (refused, timeout, tls, handshake status …), recorded in ws_session_failed.
   * A relative URL resolves against the test's baseUrl (http → ws, https → wss).
   */
  connect(url: string, params?: WsConnectParams): Promise<WsSessionApi>;
}
