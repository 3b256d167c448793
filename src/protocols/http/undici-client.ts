/**
 * The general client: undici's `Client` (one connection, one origin) driven through
 * `dispatch(opts, handler)`. Used for https (and HTTP/2 when allowed) and whenever the raw fast
 * path is off.
 *
 * The handler uses undici's original hooks (onConnect/onHeaders/onData/onComplete/onError): in
 * undici 7 they are what `Client` calls natively, whereas the newer onResponse* hooks go through
 * an adapter that allocates a controller per request and parses headers eagerly.
 *
 * Phase timings: DNS/TCP/TLS come from events on the socket our wrapped connector opens (the
 * `undici:client:*` diagnostics channels are process-wide and cannot tell which VU's Client
 * connected); sending runs from onConnect (request handed to the socket) to onRequestSent,
 * waiting to onResponseStarted (first response byte), receiving to onComplete.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { Client } from 'undici';
import { HttpTimeoutError, classifyHttpError, describeHttpError } from './errors.js';
import {
  EMPTY_BODY,
  PROTO_H2,
  VolleyHttpResponse,
  exchangeTimings,
  failedResponse,
  nowUs,
} from './response.js';
import type { TlsMaterial } from '../../config/types.js';
import { proxyConnector, type ConnectFn } from './proxy.js';
import { SerialOriginClient } from './serial-queue.js';
import type { HttpErrorClass, HttpOriginClient, HttpRequestSpec, HttpTimings } from './types.js';

// undici loads with the first origin that needs it (https, --no-fast-path, unusual methods): a plain
// HTTP run through the raw fast path never does, and a worker starts ~100 ms sooner.
const requireCjs = createRequire(import.meta.url);
let undiciModule: typeof import('undici') | undefined;
/** undici, loaded on first use (the worker loads it up front when the run may need it). */
export const loadUndici = (): typeof import('undici') =>
  (undiciModule ??= requireCjs('undici') as typeof import('undici'));

export interface UndiciOriginClientOptions {
  /** `http://host:port` or `https://host:port`. */
  origin: string;
  insecureSkipTLSVerify: boolean;
  /** HTTP/2: offered via ALPN on https origins, h2c with prior knowledge on http origins. */
  allowH2: boolean;
  /** A custom CA and a client certificate (PEM text). */
  tls?: TlsMaterial | undefined;
  /** Forward proxy, `http://host:port` (proxy.ts). */
  proxy?: string | undefined;
}

interface DispatchSpec {
  method: string;
  url: URL;
  href: string;
  headers: Readonly<Record<string, string>>;
  body: Buffer | undefined;
  opts: { path: string; method: string; headers: Record<string, string>; body: Buffer | null };
  /** `opts` with the absolute-form target (`http://host/path`) a forward proxy needs, once asked for. */
  proxied?: DispatchSpec['opts'];
}

const dispatchCache = new WeakMap<HttpRequestSpec, DispatchSpec>();

function dispatchSpecOf(spec: HttpRequestSpec): DispatchSpec {
  const hit = dispatchCache.get(spec);
  if (
    hit !== undefined &&
    hit.method === spec.method &&
    hit.url === spec.url &&
    hit.headers === spec.headers &&
    hit.body === spec.body &&
    hit.href === spec.url.href
  ) {
    return hit;
  }
  const made: DispatchSpec = {
    method: spec.method,
    url: spec.url,
    href: spec.url.href,
    headers: spec.headers,
    body: spec.body,
    opts: {
      path: `${spec.url.pathname}${spec.url.search}`,
      method: spec.method,
      // undici frames the body itself and rejects a transfer-encoding header.
      headers: withoutFraming(spec.headers),
      body: spec.body ?? null,
    },
  };
  dispatchCache.set(spec, made);
  return made;
}

function withoutFraming(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'transfer-encoding') continue;
    out[name] = headers[name] as string;
  }
  return out;
}

/** One VU's connection to one origin through undici. */
export function createUndiciOriginClient(options: UndiciOriginClientOptions): HttpOriginClient {
  return new UndiciOriginClient(options);
}

/**
 * The handler object handed to `dispatch`: one per undici `Client`, because its hooks carry no
 * request identity. When a Client is destroyed (timeout), its handler is retired with it, so late
 * callbacks from the dead Client cannot touch the next request.
 */
class Exchange {
  retired = false;
  constructor(private readonly owner: UndiciOriginClient) {}

  onConnect(abort: (err?: Error) => void): void {
    if (!this.retired) this.owner.onConnect(abort);
  }
  onRequestSent(): void {
    if (!this.retired) this.owner.onRequestSent();
  }
  onResponseStarted(): void {
    if (!this.retired) this.owner.onResponseStarted();
  }
  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, _statusText: string): boolean {
    if (!this.retired) this.owner.onHeaders(statusCode, rawHeaders);
    return true;
  }
  onData(chunk: Buffer): boolean {
    if (!this.retired) this.owner.onData(chunk);
    return true;
  }
  onComplete(_trailers: string[] | null): void {
    if (!this.retired) this.owner.onComplete();
  }
  onError(err: Error): void {
    if (!this.retired) this.owner.onError(err);
  }
}

function noop(): void {}

// Members called by Exchange are public; the class itself is not exported.
class UndiciOriginClient extends SerialOriginClient {
  private readonly origin: string;
  private readonly isHttps: boolean;
  private readonly allowH2: boolean;
  /** Plain http:// through a forward proxy: requests go in absolute form. */
  private readonly absoluteForm: boolean;
  /** Shared by this origin's successive Clients, so TLS sessions survive a Client being replaced. */
  private readonly baseConnector: ConnectFn;
  private clientGeneration = 0;
  private client: Client | null = null;
  private exchange: Exchange | null = null;

  // --- the socket undici currently uses (set by our connector) ---
  private socket: Socket | null = null;
  /** Responses completed on `socket`; a failure on a used socket may be a stale keep-alive. */
  private socketResponses = 0;
  private connectStartUs = 0;
  private lookupDoneUs = 0;
  private tcpDoneUs = 0;
  private readyUs = 0;

  // --- the request in flight (`busy` and the body live in SerialOriginClient) ---
  private spec: HttpRequestSpec | null = null;
  private dispatchSpec: DispatchSpec | null = null;
  private retried = false;
  private wasReused = false;
  private queuedUs = 0;
  private dispatchUs = 0;
  private writeStartUs = 0;
  private sentUs = 0;
  private firstByteUs = 0;
  private dnsUs = 0;
  private connectingUs = 0;
  private tlsUs = 0;
  private baseWritten = 0;
  private baseRead = 0;
  private status = 0;
  private rawHeaders: Buffer[] = [];
  private bytesSentBefore = 0;
  private bytesReceivedBefore = 0;

  constructor(options: UndiciOriginClientOptions) {
    super();
    this.origin = options.origin;
    this.isHttps = options.origin.startsWith('https:');
    this.allowH2 = options.allowH2;
    const connectorOptions = {
      rejectUnauthorized: !options.insecureSkipTLSVerify,
      allowH2: options.allowH2,
      // Plain http:// has no ALPN: HTTP/2 there is h2c with prior knowledge (the connector marks
      // the socket as h2, and the Client speaks HTTP/2 from the first byte). undici 7 reads
      // `useH2c` but its BuildOptions type does not declare it, hence no literal here.
      useH2c: options.allowH2 && !this.isHttps,
      // Our own deadline covers connecting; undici's 10 s default would cut a longer timeoutMs short.
      timeout: 0,
      ...options.tls,
    };
    const direct = loadUndici().buildConnector(connectorOptions) as unknown as ConnectFn;
    this.absoluteForm = options.proxy !== undefined && !this.isHttps;
    this.baseConnector = options.proxy === undefined ? direct : proxyConnector(options.proxy, direct);
  }

  /**
   * The connector for one undici Client: it records DNS/TCP/TLS times on this object, unless that
   * Client has been retired meanwhile (a connect still finishing after a timeout must not count).
   */
  private connectorFor(generation: number): ConnectFn {
    const current = (): boolean => generation === this.clientGeneration;
    return (opts, callback) => {
      if (current()) {
        this.connectStartUs = nowUs();
        this.lookupDoneUs = 0;
        this.tcpDoneUs = 0;
        this.readyUs = 0;
      }
      const socket = this.baseConnector(opts, (err, connected) => {
        if (current() && err === null && connected !== null) {
          this.readyUs = nowUs();
          if (this.tcpDoneUs === 0) this.tcpDoneUs = this.readyUs;
          this.socket = connected;
          this.socketResponses = 0;
        }
        callback(err, connected);
      });
      socket.once('lookup', () => {
        if (current()) this.lookupDoneUs = nowUs();
      });
      socket.once('connect', () => {
        if (current()) this.tcpDoneUs = nowUs();
      });
      return socket;
    };
  }

  protected closeTransport(): void {
    this.retireClient(null);
  }

  private ensureClient(): { client: Client; exchange: Exchange } {
    if (this.client === null || this.exchange === null) {
      this.client = new (loadUndici().Client)(this.origin, {
        connect: this.connectorFor(++this.clientGeneration) as never,
        pipelining: 1,
        // The request deadline is ours (DeadlineTimer); undici's coarse timers would only interfere.
        headersTimeout: 0,
        bodyTimeout: 0,
        allowH2: this.allowH2,
      });
      this.exchange = new Exchange(this);
    }
    return { client: this.client, exchange: this.exchange };
  }

  /** Destroys the undici Client (and its socket); its handler is retired so late callbacks are ignored. */
  private retireClient(err: Error | null): void {
    const client = this.client;
    if (this.exchange !== null) this.exchange.retired = true;
    this.client = null;
    this.exchange = null;
    this.clientGeneration++;
    this.socket = null;
    this.socketResponses = 0;
    if (client !== null) client.destroy(err, noop);
  }

  protected start(spec: HttpRequestSpec, queuedUs: number): void {
    this.spec = spec;
    this.retried = false;
    this.queuedUs = queuedUs;
    this.dnsUs = 0;
    this.connectingUs = 0;
    this.tlsUs = 0;
    this.bytesSentBefore = 0;
    this.bytesReceivedBefore = 0;
    this.timer.arm(spec.timeoutMs);
    this.dispatchSpec = dispatchSpecOf(spec);
    this.attempt();
  }

  private attempt(): void {
    this.dispatchUs = nowUs();
    this.writeStartUs = 0;
    this.sentUs = 0;
    this.firstByteUs = 0;
    this.status = 0;
    this.rawHeaders = [];
    this.resetBody();
    this.wasReused = false;
    const { client, exchange } = this.ensureClient();
    const ds = this.dispatchSpec as DispatchSpec;
    // dispatch reports synchronous failures through exchange.onError.
    client.dispatch(this.absoluteForm ? (ds.proxied ??= { ...ds.opts, path: ds.href }) : ds.opts, exchange);
  }

  // --- Exchange hooks ---

  onConnect(_abort: (err?: Error) => void): void {
    const now = nowUs();
    this.writeStartUs = now;
    if (this.readyUs >= this.dispatchUs && this.connectStartUs > 0) {
      // This attempt opened the connection.
      const tcpStart = this.lookupDoneUs > 0 ? this.lookupDoneUs : this.connectStartUs;
      if (this.lookupDoneUs > 0) this.dnsUs += this.lookupDoneUs - this.connectStartUs;
      this.connectingUs += this.tcpDoneUs - tcpStart;
      if (this.isHttps) this.tlsUs += this.readyUs - this.tcpDoneUs;
      this.connectStartUs = 0;
    }
    this.wasReused = this.socketResponses > 0;
    const socket = this.socket;
    this.baseWritten = socket?.bytesWritten ?? 0;
    this.baseRead = socket?.bytesRead ?? 0;
  }

  onRequestSent(): void {
    if (this.sentUs === 0) this.sentUs = nowUs();
  }

  onResponseStarted(): void {
    if (this.firstByteUs === 0) this.firstByteUs = nowUs();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): void {
    const now = nowUs();
    if (this.firstByteUs === 0) this.firstByteUs = now;
    this.status = statusCode;
    this.rawHeaders = rawHeaders;
  }

  onData(chunk: Buffer): void {
    this.addBodyChunk(chunk);
  }

  private complete304(): void {
    const res = new VolleyHttpResponse(
      304,
      this.rawHeaders,
      EMPTY_BODY,
      this.timings(nowUs()),
      this.bytesSent(),
      this.bytesReceived(),
    );
    this.socket = null; // undici destroyed it
    this.settle(res);
  }

  onComplete(): void {
    if (!this.busy) return;
    this.socketResponses++;
    const body = this.takeBody();
    const timings = this.timings(nowUs());
    const res = new VolleyHttpResponse(
      this.status,
      this.rawHeaders,
      body,
      timings,
      this.bytesSent(),
      this.bytesReceived(),
    );
    // HTTP/2 here only through a proxy (h2-client.ts takes it otherwise): h2c, or h2 by ALPN.
    if (
      this.allowH2 &&
      (!this.isHttps || (this.socket as { alpnProtocol?: unknown } | null)?.alpnProtocol === 'h2')
    )
      res.proto = PROTO_H2;
    this.settle(res);
  }

  onError(err: Error): void {
    if (!this.busy) return;
    if (
      this.status === 304 &&
      this.bodyLength === 0 &&
      (err as { code?: unknown }).code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'
    ) {
      // undici 7 rejects a 304 that carries the representation's Content-Length (RFC 9110 §8.6
      // allows it; a 304 never has a body). The response is complete: report it as such.
      this.complete304();
      return;
    }
    const errorClass = classifyHttpError(err);
    if (
      errorClass === 'reset' &&
      !this.retried &&
      this.wasReused &&
      this.firstByteUs === 0 &&
      this.writeStartUs > 0
    ) {
      // The server closed a kept-alive connection just as we reused it: once more on a fresh one.
      this.retried = true;
      this.bytesSentBefore += this.bytesSent();
      this.socket = null;
      this.socketResponses = 0;
      this.attempt();
      return;
    }
    if (
      errorClass === 'reset' &&
      this.isHttps &&
      !this.wasReused &&
      this.firstByteUs === 0 &&
      this.tlsUs > 0
    ) {
      // A server that closes a connection it has just finished the TLS handshake on, before
      // answering, refused us in TLS: under TLS 1.3 a client certificate is checked after the
      // handshake, and Node or Go servers then close (or alert) without a response.
      this.fail(
        'tls',
        `${describeHttpError(err)} right after the TLS handshake (a client certificate it wanted?)`,
      );
      return;
    }
    this.fail(errorClass, describeHttpError(err));
  }

  protected onDeadline(): void {
    if (!this.busy) return;
    const timeoutMs = (this.spec as HttpRequestSpec).timeoutMs;
    const timings = this.timings(nowUs());
    const sent = this.bytesSent();
    const received = this.bytesReceived();
    this.retireClient(new HttpTimeoutError(timeoutMs));
    this.settle(
      failedResponse('timeout', `request timed out after ${timeoutMs} ms`, timings, sent, received),
    );
  }

  // --- settling ---

  private bytesSent(): number {
    const socket = this.socket;
    const now =
      socket !== null && this.writeStartUs > 0 ? Math.max(0, socket.bytesWritten - this.baseWritten) : 0;
    return this.bytesSentBefore + now;
  }

  private bytesReceived(): number {
    const socket = this.socket;
    const now = socket !== null && this.writeStartUs > 0 ? Math.max(0, socket.bytesRead - this.baseRead) : 0;
    return this.bytesReceivedBefore + now;
  }

  private timings(endUs: number): HttpTimings {
    let connectingUs = this.connectingUs;
    let tlsUs = this.tlsUs;
    let blockedUs = this.queuedUs + this.dnsUs;
    if (this.writeStartUs === 0 && this.connectStartUs > 0 && this.connectStartUs >= this.dispatchUs) {
      // Failed (or timed out) while connecting: charge the time to the phase it was stuck in.
      const tcpStart = this.lookupDoneUs > 0 ? this.lookupDoneUs : this.connectStartUs;
      if (this.lookupDoneUs > 0) blockedUs += this.lookupDoneUs - this.connectStartUs;
      if (this.tcpDoneUs > 0) {
        connectingUs += this.tcpDoneUs - tcpStart;
        tlsUs += endUs - this.tcpDoneUs;
      } else if (this.lookupDoneUs > 0 || !this.isHostname()) {
        connectingUs += endUs - tcpStart;
      } else {
        blockedUs += endUs - this.connectStartUs;
      }
    } else if (this.writeStartUs > 0) {
      // Time between dispatch and the socket taking the request that was not connecting.
      const overhead = this.writeStartUs - this.dispatchUs - (this.connectingUs + this.tlsUs + this.dnsUs);
      if (overhead > 0) blockedUs += overhead;
    }
    return exchangeTimings(
      blockedUs,
      connectingUs,
      tlsUs,
      this.writeStartUs,
      this.sentUs,
      this.firstByteUs,
      endUs,
    );
  }

  private isHostname(): boolean {
    const host = (this.spec as HttpRequestSpec).url.hostname;
    return !/^[\d.]+$/.test(host) && !host.startsWith('[');
  }

  protected fail(errorClass: HttpErrorClass, message: string): void {
    this.settle(
      failedResponse(errorClass, message, this.timings(nowUs()), this.bytesSent(), this.bytesReceived()),
    );
  }

  protected releaseRequest(): void {
    this.spec = null;
    this.dispatchSpec = null;
    this.rawHeaders = [];
  }
}
