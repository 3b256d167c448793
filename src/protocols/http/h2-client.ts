/**
 * HTTP/2 through `node:http2`: one VU's client for one origin, multiplexing its concurrent requests
 * as streams over up to `connections` sessions (HTTP/2 connections). A new stream goes to the
 * least busy session; a further session is opened only while every open one already carries a
 * stream and fewer than `connections` exist. A session that received GOAWAY or closed takes no new
 * streams.
 *
 * On https:// the connection offers `h2` and `http/1.1` by ALPN: a server that picks HTTP/1.1 gets
 * it for the rest of the run through the HTTP/1.1 client (`fallback`), so `proto` says HTTP/1.1.
 * On http:// it is h2c with prior knowledge.
 *
 * Timings per stream: blocked = DNS plus waiting for a session another stream is opening;
 * connecting and tls_handshaking = this stream opened the session; sending = request headers and
 * body handed to the session until the body's last byte is written; waiting = to the response
 * headers; receiving = to the end of the stream. Bytes per stream are counted from what the stream
 * carries (header names and values, body, 9 bytes per frame): HPACK compression and connection-level
 * frames cannot be told apart per stream on a shared connection.
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { TlsMaterial } from '../../config/types.js';
import { classifyHttpError, describeHttpError } from './errors.js';
import {
  EMPTY_BODY,
  PROTO_H2,
  VolleyHttpResponse,
  exchangeTimings,
  failedResponse,
  nowUs,
} from './response.js';
import type { HttpErrorClass, HttpOriginClient, HttpRequestSpec, HttpResponse } from './types.js';

export interface H2OriginClientOptions {
  /** `http://host:port` or `https://host:port`. */
  origin: string;
  /** Most HTTP/2 connections this client opens (>= 1). */
  connections: number;
  insecureSkipTLSVerify: boolean;
  tls?: TlsMaterial | undefined;
  /** The HTTP/1.1 client used when the server does not pick h2 by ALPN. */
  fallback: () => HttpOriginClient;
}

export function createH2OriginClient(options: H2OriginClientOptions): HttpOriginClient {
  return new H2OriginClient(options);
}

const {
  HTTP2_HEADER_METHOD,
  HTTP2_HEADER_PATH,
  HTTP2_HEADER_SCHEME,
  HTTP2_HEADER_AUTHORITY,
  HTTP2_HEADER_STATUS,
} = http2.constants;

/** Connection-specific headers HTTP/2 forbids (RFC 9113 §8.2.2); `host` becomes :authority. */
const DROPPED = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'content-length',
]);
const FRAME = 9;
const MAX_FRAME = 16_384;

interface PreparedHeaders {
  url: URL;
  href: string;
  from: Readonly<Record<string, string>>;
  /** Node's http2 reads this object and keeps no reference to it. */
  headers: http2.OutgoingHttpHeaders;
  bytes: number;
}

/** One HTTP/2 connection of the pool. */
class Slot {
  socket: net.Socket | null = null;
  session: http2.ClientHttp2Session | null = null;
  /** Streams in flight on it, including those waiting for it to connect. */
  active = 0;
  /** No new streams (GOAWAY, closed, failed). */
  dead = false;
  /** Still connecting: requests wait here and are sent when it is ready. */
  waiting: Exchange[] | null = [];
  startUs = nowUs();
  lookupUs = 0;
  tcpUs = 0;
  readyUs = 0;
  /** The request whose send opened this connection: it carries connecting and TLS time. */
  opener: Exchange | null = null;
}

function noop(): void {}

class H2OriginClient implements HttpOriginClient {
  private readonly url: URL;
  private readonly isHttps: boolean;
  private readonly authority: string;
  private slots: Slot[] = [];
  private readonly inFlight = new Set<Exchange>();
  private fallbackClient: HttpOriginClient | null = null;
  /** A TLS server picked HTTP/1.1: every request goes to the fallback from now on. */
  private h1 = false;
  private readonly prepared = new WeakMap<HttpRequestSpec, PreparedHeaders>();

  constructor(private readonly options: H2OriginClientOptions) {
    this.url = new URL(options.origin);
    this.isHttps = this.url.protocol === 'https:';
    this.authority = this.url.host;
  }

  send(spec: HttpRequestSpec): Promise<HttpResponse> {
    if (this.h1) return this.fallback().send(spec);
    return new Promise<HttpResponse>((resolve) => {
      const ex = new Exchange(this, spec, resolve);
      this.inFlight.add(ex);
      const slot = this.pick(ex);
      slot.active++;
      ex.slot = slot;
      if (slot.waiting !== null) slot.waiting.push(ex);
      else ex.start(slot.session as http2.ClientHttp2Session);
    });
  }

  close(): void {
    const slots = this.slots;
    this.slots = [];
    for (const ex of [...this.inFlight]) ex.fail('other', 'connection closed by the client');
    for (const s of slots) this.kill(s);
    this.fallbackClient?.close();
  }

  private fallback(): HttpOriginClient {
    return (this.fallbackClient ??= this.options.fallback());
  }

  /** The least busy live session; a new one while all carry streams and the pool is not full. */
  private pick(ex: Exchange): Slot {
    let best: Slot | null = null;
    for (const s of this.slots) if (!s.dead && (best === null || s.active < best.active)) best = s;
    if (best !== null && (best.active === 0 || this.liveCount() >= this.options.connections)) return best;
    return this.open(ex);
  }

  private liveCount(): number {
    let n = 0;
    for (const s of this.slots) if (!s.dead) n++;
    return n;
  }

  private open(opener: Exchange): Slot {
    const slot = new Slot();
    slot.opener = opener;
    this.slots.push(slot);
    const host = this.url.hostname.startsWith('[') ? this.url.hostname.slice(1, -1) : this.url.hostname;
    const port = this.url.port === '' ? (this.isHttps ? 443 : 80) : Number(this.url.port);
    let socket: net.Socket;
    if (this.isHttps) {
      socket = tls.connect({
        host,
        port,
        servername: net.isIP(host) === 0 ? host : undefined,
        ALPNProtocols: ['h2', 'http/1.1'],
        rejectUnauthorized: !this.options.insecureSkipTLSVerify,
        ...this.options.tls,
      });
    } else {
      socket = net.connect({ host, port });
    }
    slot.socket = socket;
    socket.setNoDelay(true);
    socket.once('lookup', () => (slot.lookupUs = nowUs()));
    socket.once('connect', () => (slot.tcpUs = nowUs()));
    const onEarlyError = (err: Error): void => this.slotFailed(slot, err);
    socket.once('error', onEarlyError);
    socket.once(this.isHttps ? 'secureConnect' : 'connect', () => {
      socket.off('error', onEarlyError);
      if (slot.dead) {
        socket.destroy();
        return;
      }
      slot.readyUs = nowUs();
      if (slot.tcpUs === 0) slot.tcpUs = slot.readyUs;
      if (this.isHttps && (socket as tls.TLSSocket).alpnProtocol !== 'h2') {
        this.toHttp1(slot, socket);
        return;
      }
      this.attach(slot, socket);
    });
    return slot;
  }

  /** The server answered ALPN with HTTP/1.1 (or nothing): this origin is HTTP/1.1 from now on. */
  private toHttp1(slot: Slot, socket: net.Socket): void {
    socket.destroy();
    this.h1 = true;
    slot.dead = true;
    this.slots = this.slots.filter((s) => s !== slot);
    const waiting = slot.waiting ?? [];
    slot.waiting = null;
    for (const ex of waiting) ex.redirectToHttp1(this.fallback());
  }

  private attach(slot: Slot, socket: net.Socket): void {
    const session = http2.connect(this.options.origin, { createConnection: () => socket });
    slot.session = session;
    session.on('error', noop); // every stream gets its own error; the session's is reported there
    session.once('goaway', () => this.retire(slot));
    session.once('close', () => this.retire(slot));
    const waiting = slot.waiting ?? [];
    slot.waiting = null;
    for (const ex of waiting) ex.start(session);
  }

  /** The connection failed before HTTP/2 started: every stream waiting on it fails. */
  private slotFailed(slot: Slot, err: Error): void {
    this.retire(slot);
    const waiting = slot.waiting ?? [];
    slot.waiting = null;
    const cls = classifyHttpError(err);
    const msg = describeHttpError(err);
    for (const ex of waiting) ex.fail(cls, msg);
  }

  /** No new streams on `slot`; it leaves the pool (its streams finish or fail on their own). */
  private retire(slot: Slot): void {
    if (slot.dead) return;
    slot.dead = true;
    this.slots = this.slots.filter((s) => s !== slot);
    if (slot.active === 0) this.kill(slot);
  }

  private kill(slot: Slot): void {
    slot.dead = true;
    const s = slot.session;
    slot.session = null;
    if (s !== null && !s.destroyed) s.destroy();
    else if (slot.socket !== null && s === null) slot.socket.destroy();
    slot.socket = null;
  }

  /** An exchange finished (settled): its slot carries one stream less. */
  finished(ex: Exchange): void {
    this.inFlight.delete(ex);
    const slot = ex.slot;
    if (slot === null) return;
    ex.slot = null;
    slot.active--;
    if (slot.waiting !== null) {
      const i = slot.waiting.indexOf(ex);
      if (i >= 0) slot.waiting.splice(i, 1);
      // Nobody waits for a connection that is still being made: drop it.
      if (slot.active === 0) {
        this.retire(slot);
      }
    } else if (slot.dead && slot.active === 0) this.kill(slot);
  }

  /** The request's HTTP/2 headers and their counted size, made once per spec object (quick mode reuses one). */
  headersFor(spec: HttpRequestSpec): PreparedHeaders {
    const hit = this.prepared.get(spec);
    if (hit !== undefined && hit.url === spec.url && hit.href === spec.url.href && hit.from === spec.headers)
      return hit;
    const headers = this.buildHeaders(spec);
    const made: PreparedHeaders = {
      url: spec.url,
      href: spec.url.href,
      from: spec.headers,
      headers,
      bytes: headerBytes(headers),
    };
    this.prepared.set(spec, made);
    return made;
  }

  private buildHeaders(spec: HttpRequestSpec): http2.OutgoingHttpHeaders {
    const h: http2.OutgoingHttpHeaders = {
      [HTTP2_HEADER_METHOD]: spec.method,
      [HTTP2_HEADER_PATH]: `${spec.url.pathname}${spec.url.search}`,
      [HTTP2_HEADER_SCHEME]: this.isHttps ? 'https' : 'http',
      [HTTP2_HEADER_AUTHORITY]: this.authority,
    };
    for (const name of Object.keys(spec.headers)) {
      const lower = name.toLowerCase();
      if (DROPPED.has(lower)) {
        if (lower === 'host') h[HTTP2_HEADER_AUTHORITY] = spec.headers[name];
        continue;
      }
      h[lower] = spec.headers[name];
    }
    return h;
  }
}

/** Request header frame size as counted per stream (uncompressed names and values). */
function headerBytes(h: http2.OutgoingHttpHeaders | http2.IncomingHttpHeaders): number {
  let n = FRAME;
  for (const k of Object.keys(h)) {
    const v = h[k];
    n += k.length + (Array.isArray(v) ? v.join(', ').length : String(v).length);
  }
  return n;
}

function dataBytes(len: number): number {
  return len + FRAME * Math.max(1, Math.ceil(len / MAX_FRAME));
}

/** Flat `[name, value, …]` list from node's header object, without pseudo-headers. */
function rawFrom(h: http2.IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const k of Object.keys(h)) {
    if (k.charCodeAt(0) === 58 /* ':' */) continue;
    const v = h[k];
    if (Array.isArray(v)) for (const x of v) out.push(k, x);
    else if (v !== undefined) out.push(k, v);
  }
  return out;
}

const EXCHANGE = Symbol('volley.h2.exchange');
type ExchangeStream = http2.ClientHttp2Stream & { [EXCHANGE]?: Exchange };

function onStreamResponse(this: ExchangeStream, h: http2.IncomingHttpHeaders): void {
  this[EXCHANGE]?.onResponse(h);
}
function onStreamData(this: ExchangeStream, chunk: Buffer): void {
  this[EXCHANGE]?.onData(chunk);
}
function onStreamEnd(this: ExchangeStream): void {
  this[EXCHANGE]?.onEnd();
}
function onStreamError(this: ExchangeStream, err: Error): void {
  this[EXCHANGE]?.fail(classifyHttpError(err), describeHttpError(err));
}
function onStreamClose(this: ExchangeStream): void {
  this[EXCHANGE]?.onClose();
}

/** One request: its stream, timings, body and deadline. */
class Exchange {
  slot: Slot | null = null;
  private stream: http2.ClientHttp2Stream | null = null;
  private done = false;
  private readonly queuedUs = nowUs();
  private writeStartUs = 0;
  private sentUs = 0;
  private firstByteUs = 0;
  private status = 0;
  private rawHeaders: string[] = [];
  private sent = 0;
  private received = 0;
  private chunks: Buffer[] = [];
  private bodyLength = 0;
  private tooLarge = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly owner: H2OriginClient,
    private readonly spec: HttpRequestSpec,
    private readonly resolve: (res: HttpResponse) => void,
  ) {
    this.timer = setTimeout(() => this.onDeadline(), spec.timeoutMs);
  }

  start(session: http2.ClientHttp2Session): void {
    if (this.done) return;
    this.writeStartUs = nowUs();
    const prepared = this.owner.headersFor(this.spec);
    const headers = prepared.headers;
    const body = this.spec.body;
    const hasBody = body !== undefined && body.length > 0;
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: !hasBody });
    } catch (err) {
      this.fail(classifyHttpError(err), describeHttpError(err));
      return;
    }
    this.stream = stream;
    this.sent = prepared.bytes;
    if (hasBody) {
      this.sent += dataBytes(body.length);
      stream.end(body, () => {
        if (this.sentUs === 0) this.sentUs = nowUs();
      });
    } else this.sentUs = this.writeStartUs;
    // Shared listeners find their exchange on the stream: no closures per request.
    (stream as ExchangeStream)[EXCHANGE] = this;
    stream.on('response', onStreamResponse);
    stream.on('data', onStreamData);
    stream.on('end', onStreamEnd);
    stream.on('error', onStreamError);
    stream.on('close', onStreamClose);
  }

  /** The server spoke HTTP/1.1: send this request there instead (the wait so far is blocked time). */
  redirectToHttp1(client: HttpOriginClient): void {
    if (this.done) return;
    this.finish();
    const waitedUs = nowUs() - this.queuedUs;
    void client.send(this.spec).then((res) => {
      res.timings.blockedUs += waitedUs;
      this.resolve(res);
    });
  }

  onResponse(h: http2.IncomingHttpHeaders): void {
    if (this.firstByteUs === 0) this.firstByteUs = nowUs();
    const status = Number(h[HTTP2_HEADER_STATUS]);
    this.received += headerBytes(h);
    if (status >= 100 && status < 200) return; // informational: the final headers follow
    this.status = status;
    this.rawHeaders = rawFrom(h);
  }

  onData(chunk: Buffer): void {
    this.bodyLength += chunk.length;
    this.received += chunk.length + FRAME;
    if (this.spec.discardBody === true || this.tooLarge) return;
    const max = this.spec.maxBodyBytes;
    if (max !== undefined && max >= 0 && this.bodyLength > max) {
      this.tooLarge = true;
      this.chunks = [];
      return;
    }
    this.chunks.push(chunk);
  }

  onEnd(): void {
    if (this.done) return;
    if (this.status === 0) {
      this.fail('protocol', 'the stream ended without response headers');
      return;
    }
    const endUs = nowUs();
    const body =
      this.chunks.length === 0
        ? EMPTY_BODY
        : this.chunks.length === 1
          ? (this.chunks[0] as Buffer)
          : Buffer.concat(this.chunks, this.bodyLength);
    const res = new VolleyHttpResponse(
      this.status,
      this.rawHeaders,
      body,
      this.timings(endUs),
      this.sent,
      this.received,
    );
    res.proto = PROTO_H2;
    if (this.tooLarge)
      res.error = {
        class: 'body_too_large',
        message: `response body of ${this.bodyLength} bytes exceeded maxResponseBytes (${this.spec.maxBodyBytes}): counted and dropped`,
      };
    this.settle(res);
  }

  onClose(): void {
    if (this.done) return;
    const stream = this.stream;
    const code = stream?.rstCode ?? 0;
    if (code !== 0 && code !== http2.constants.NGHTTP2_NO_ERROR)
      this.fail('reset', `stream reset (RST_STREAM / GOAWAY, HTTP/2 error code ${code})`);
    else if (this.status !== 0 && stream?.readableEnded === true) this.onEnd();
    else this.fail('reset', 'the HTTP/2 stream closed before its response ended');
  }

  private onDeadline(): void {
    if (this.done) return;
    this.fail('timeout', `request timed out after ${this.spec.timeoutMs} ms`);
  }

  fail(errorClass: HttpErrorClass, message: string): void {
    if (this.done) return;
    const res = failedResponse(errorClass, message, this.timings(nowUs()), this.sent, this.received);
    if (this.status !== 0) res.proto = PROTO_H2;
    this.settle(res);
  }

  private settle(res: HttpResponse): void {
    this.finish(res.error !== undefined);
    this.resolve(res);
  }

  /** Done with this exchange; a failed one cancels its stream (RST_STREAM CANCEL) if still open. */
  private finish(cancel = true): void {
    this.done = true;
    clearTimeout(this.timer);
    const stream = this.stream;
    this.stream = null;
    this.chunks = [];
    if (cancel && stream !== null && !stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
    this.owner.finished(this);
  }

  private timings(endUs: number): ReturnType<typeof exchangeTimings> {
    const slot = this.slot;
    let blockedUs = 0;
    let connectingUs = 0;
    let tlsUs = 0;
    const until = this.writeStartUs > 0 ? this.writeStartUs : endUs;
    if (slot !== null && slot.opener === this) {
      // This request opened the connection: DNS is blocked, TCP connecting, the handshake tls.
      const tcpStart = slot.lookupUs > 0 ? slot.lookupUs : slot.startUs;
      blockedUs += tcpStart - this.queuedUs;
      if (slot.tcpUs > 0) {
        connectingUs = slot.tcpUs - tcpStart;
        const ready = slot.readyUs > 0 ? slot.readyUs : until;
        if (this.isHttps()) tlsUs = ready - slot.tcpUs;
        blockedUs += until - ready > 0 ? until - ready : 0;
      } else connectingUs = until - tcpStart;
    } else {
      blockedUs = until - this.queuedUs;
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

  private isHttps(): boolean {
    return this.spec.url.protocol === 'https:';
  }
}
