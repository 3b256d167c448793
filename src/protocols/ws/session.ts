/**
 * One WebSocket session on one connection (the `ws` package): a queue of received messages that
 * `receive` / `waitFor` read in order, sends, pings, round trips, and one recorded outcome per
 * session (ws_sessions and ws_connecting when the handshake ends, ws_session_duration and
 * ws_session_failed when the socket closes). Any failure ends the session: the socket is dropped
 * and later calls reject with the same error.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { TlsMaterial } from '../../config/types.js';
import type { WsMessage } from './api.js';
import { asWsError, isNormalClose, WsError, wsClosed, wsTimeout } from './errors.js';
import type { WsEndpoint } from './recorder.js';

export type { WsMessage };

export interface WsConnectOptions {
  headers?: Record<string, string> | undefined;
  subprotocols?: string[] | undefined;
  /** Custom CA / client certificate (PEM text). */
  tls?: TlsMaterial | undefined;
  insecureSkipTLSVerify?: boolean | undefined;
  /** Opening handshake timeout and the default for receive / waitFor / roundTrip (ms). */
  timeoutMs?: number | undefined;
}

/** Received messages kept while nobody reads them; older ones are dropped beyond this. */
const MAX_QUEUED = 10_000;
export const DEFAULT_WS_TIMEOUT_MS = 10_000;

const nowUs = (): number => performance.now() * 1000;
const byteLength = (d: string | Uint8Array): number =>
  typeof d === 'string' ? Buffer.byteLength(d) : d.byteLength;

interface Waiter {
  match: (m: WsMessage) => boolean;
  resolve: (m: WsMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

export class WsSession {
  private readonly socket: WebSocket;
  private readonly queue: WsMessage[] = [];
  private waiter: Waiter | undefined;
  private readonly startUs = nowUs();
  private failure: Error | undefined;
  private ended = false;
  private openedOk = false;
  /** Resolves once the handshake finished (rejects with its failure). */
  readonly ready: Promise<void>;
  readonly timeoutMs: number;
  /** The close code once closed. */
  closeCode: number | undefined;
  /** The subprotocol the server chose ('' for none). */
  get protocol(): string {
    return this.socket.protocol;
  }

  constructor(
    readonly url: string,
    opts: WsConnectOptions,
    private readonly endpoint: WsEndpoint,
    /** Whether results are still recorded (false once a hard stop cut the VU off). */
    private readonly recording: () => boolean,
    private readonly onEnd: (s: WsSession) => void,
  ) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_WS_TIMEOUT_MS;
    this.socket = new WebSocket(url, opts.subprotocols ?? [], {
      headers: opts.headers,
      handshakeTimeout: this.timeoutMs,
      rejectUnauthorized: opts.insecureSkipTLSVerify !== true,
      perMessageDeflate: false,
      ...opts.tls,
    });
    this.socket.binaryType = 'nodebuffer';
    this.ready = new Promise<void>((resolve, reject) => {
      this.socket.once('open', () => {
        this.openedOk = true;
        if (this.recording()) this.endpoint.opened(nowUs() - this.startUs);
        resolve();
      });
      this.socket.once('unexpected-response', (req: ClientRequest, res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        res.resume();
        req.destroy();
        this.fail(new WsError(`handshake answered with status ${status}, not 101`, 'handshake', status));
      });
      this.socket.on('error', (err: Error) => this.fail(err));
      this.socket.once('close', (code: number, reason: Buffer) => {
        this.closeCode = code;
        if (!this.openedOk) {
          this.fail(this.failure ?? wsClosed(code, reason.toString()));
          return;
        }
        if (this.failure === undefined && !isNormalClose(code) && !this.closingSelf)
          this.failure = wsClosed(code, reason.toString());
        this.finish();
      });
      this.rejectReady = reject;
    });
    // A session nobody awaits must not crash the worker with an unhandled rejection.
    this.ready.catch(() => undefined);
    this.socket.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
  }

  private rejectReady: ((e: Error) => void) | undefined;
  private closingSelf = false;

  private onMessage(data: Buffer, binary: boolean): void {
    const msg: WsMessage = binary
      ? { data: new Uint8Array(data), binary }
      : { data: data.toString(), binary };
    if (this.recording()) this.endpoint.received(data.byteLength);
    const w = this.waiter;
    if (w !== undefined) {
      // Messages read while waiting for a match are consumed: a session reads its stream in order.
      if (!w.match(msg)) return;
      this.waiter = undefined;
      if (w.timer) clearTimeout(w.timer);
      w.resolve(msg);
      return;
    }
    if (this.queue.length >= MAX_QUEUED) this.queue.shift();
    this.queue.push(msg);
  }

  /** Ends the session with `err`: drops the socket, rejects whoever waits, records the outcome. */
  private fail(err: Error): void {
    if (this.failure === undefined) this.failure = asWsError(err);
    if (!this.openedOk && !this.ended) {
      this.ended = true;
      if (this.recording()) this.endpoint.opened(nowUs() - this.startUs, this.failure);
      this.rejectReady?.(this.failure);
      this.rejectWaiter(this.failure);
      this.socket.terminate();
      this.onEnd(this);
      return;
    }
    this.socket.terminate();
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.recording()) this.endpoint.ended(nowUs() - this.startUs, this.failure);
    this.rejectWaiter(this.failure ?? wsClosed(this.closeCode ?? 1006, ''));
    this.onEnd(this);
  }

  private rejectWaiter(err: Error): void {
    const w = this.waiter;
    if (w === undefined) return;
    this.waiter = undefined;
    if (w.timer) clearTimeout(w.timer);
    w.reject(err);
  }

  /** Whether the session is open (false once it failed or closed). */
  get open(): boolean {
    return !this.ended && this.openedOk;
  }

  private usable(): void {
    if (this.ended) throw this.failure ?? wsClosed(this.closeCode ?? 1006, '');
    if (!this.openedOk) throw new Error('the session is not open yet: await its connect first');
  }

  /** Sends a text (string) or binary (bytes) message. */
  send(data: string | Uint8Array): void {
    this.usable();
    this.socket.send(data, { binary: typeof data !== 'string' });
    if (this.recording()) this.endpoint.sent(byteLength(data));
  }

  /** The next message (from the queue, or the next to arrive); rejects on timeout or close. */
  receive(opts?: { timeoutMs?: number }): Promise<WsMessage> {
    return this.waitFor(() => true, opts);
  }

  /**
   * The first message `match` accepts, reading the queue then new messages in order; messages it
   * rejects are consumed. A timeout ends the session as failed (class `timeout`).
   */
  waitFor(match: (m: WsMessage) => boolean, opts?: { timeoutMs?: number }): Promise<WsMessage> {
    while (this.queue.length > 0) {
      const m = this.queue.shift() as WsMessage;
      if (match(m)) return Promise.resolve(m);
    }
    if (this.ended) return Promise.reject(this.failure ?? wsClosed(this.closeCode ?? 1006, ''));
    if (this.waiter !== undefined)
      return Promise.reject(new Error('a receive is already waiting on this session'));
    const timeoutMs = opts?.timeoutMs ?? this.timeoutMs;
    return new Promise<WsMessage>((resolve, reject) => {
      const w: Waiter = { match, resolve, reject, timer: undefined };
      if (timeoutMs > 0 && Number.isFinite(timeoutMs))
        w.timer = setTimeout(() => this.fail(wsTimeout('waiting for a message', timeoutMs)), timeoutMs);
      this.waiter = w;
    });
  }

  /**
   * Sends `data` and waits for the reply `match` accepts (default: the next message); records
   * the time between them as ws_rtt and resolves to the reply.
   */
  async roundTrip(
    data: string | Uint8Array,
    match?: (m: WsMessage) => boolean,
    opts?: { timeoutMs?: number },
  ): Promise<WsMessage> {
    // Replies to earlier sends still queued are not this round trip's.
    this.queue.length = 0;
    const t0 = nowUs();
    this.send(data);
    const reply = await this.waitFor(match ?? (() => true), opts);
    if (this.recording()) this.endpoint.rtt(nowUs() - t0);
    return reply;
  }

  /** Sends a ping and resolves on its pong (the round trip in ms). */
  ping(opts?: { timeoutMs?: number }): Promise<number> {
    this.usable();
    const t0 = performance.now();
    const timeoutMs = opts?.timeoutMs ?? this.timeoutMs;
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.off('pong', onPong);
        const err = wsTimeout('ping', timeoutMs);
        this.fail(err);
        reject(err);
      }, timeoutMs);
      const onPong = (): void => {
        clearTimeout(timer);
        resolve(performance.now() - t0);
      };
      this.socket.once('pong', onPong);
      this.socket.ping();
    });
  }

  /** Closes the session (default code 1000) and resolves once the socket closed. */
  close(code = 1000, reason = ''): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.closingSelf = true;
    return new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      if (!this.openedOk) {
        this.socket.terminate();
        return;
      }
      this.socket.close(code, reason);
      // A server that never answers the close frame: drop the socket after a second.
      setTimeout(() => this.socket.terminate(), 1000).unref();
    });
  }

  /**
   * Ends the session now (VU retired or cut off): a normal end, recorded at once (the worker's
   * last flush may come before the close handshake would), then the socket closes with 1001.
   */
  terminate(): void {
    if (this.ended) return;
    this.closingSelf = true;
    if (!this.openedOk) {
      this.socket.terminate();
      return;
    }
    this.finish();
    this.socket.close(1001);
    setTimeout(() => this.socket.terminate(), 1000).unref();
  }
}
