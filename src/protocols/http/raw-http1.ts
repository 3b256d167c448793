/**
 * The raw-socket HTTP/1.1 fast path for plain `http://`: one `net.Socket` per VU and origin,
 * keep-alive reuse, one request at a time (extra concurrent calls queue and count as blocked).
 *
 * Responses are parsed by Node's own llhttp binding (`HTTPParser` from `_http_common`), driven the
 * way `lib/_http_client.js` drives it. The hot path allocates little: the request bytes come from
 * a cache (`request-head.ts`), socket reads land in one shared scratch buffer (`onread`; llhttp
 * copies body chunks and header strings out of it before the callback returns), all socket and
 * parser callbacks are shared functions that find their client through the emitter, the deadline
 * is one refreshed timer, and per-request state lives on the client object.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';
import { classifyHttpError, describeHttpError } from './errors.js';
import {
  directWrite,
  llhttp,
  type LlhttpParser,
  type LlhttpParserConstructor,
  type StreamHandle,
  type WriteRequest,
} from './node-internals.js';
import { prepareHttp1Request, type PreparedHttp1Request } from './request-head.js';
import { VolleyHttpResponse, exchangeTimings, failedResponse, nowUs } from './response.js';
import { SerialOriginClient } from './serial-queue.js';
import type { HttpErrorClass, HttpOriginClient, HttpRequestSpec, HttpTimings } from './types.js';

const OWNER: unique symbol = Symbol('volley.http1.owner');
type OwnedSocket = Socket & { [OWNER]?: RawHttp1Client; _handle?: StreamHandle | null };
type OwnedParser = LlhttpParser & { [OWNER]?: RawHttp1Client };
type OwnedWriteRequest = WriteRequest & { [OWNER]?: RawHttp1Client };

/** Only ever called when `llhttp` is there: `connectionOptions()` turns the fast path off otherwise. */
function parserClass(): LlhttpParserConstructor {
  if (llhttp === undefined) throw new Error("the raw HTTP/1.1 fast path needs Node's llhttp binding");
  return llhttp;
}

/**
 * Scratch buffer every fast-path socket in this thread reads into. Safe to share: a read callback
 * runs to completion (parse, copy out) before libuv can fill the buffer for another socket.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
/**
 * Views of the first n bytes of READ_BUFFER, by n: llhttp parses a whole Buffer, and a server
 * answers with the same few sizes over and over, so one view per size replaces a `subarray()`
 * allocation per read. Only views of READ_BUFFER (the buffer every read lands in) are kept.
 */
const READ_VIEWS = new Map<number, Buffer>();
const READ_VIEWS_MAX = 256;

function readView(buffer: Buffer, nread: number): Buffer {
  if (nread === buffer.length) return buffer;
  if (buffer !== READ_BUFFER) return buffer.subarray(0, nread);
  let view = READ_VIEWS.get(nread);
  if (view === undefined) {
    view = buffer.subarray(0, nread);
    if (READ_VIEWS.size < READ_VIEWS_MAX) READ_VIEWS.set(nread, view);
  }
  return view;
}
const NO_HEADERS: readonly string[] = [];

/** llhttp's "skip the body" answer from on_headers_complete (HEAD, 1xx, 204, 304). */
const SKIP_BODY = 1;
/** "Skip the body and treat the rest of the stream as upgraded": we then close the socket. */
const SKIP_BODY_UPGRADE = 2;

/** The peer closed the connection before the response was complete (classified as `reset` by message). */
class SocketClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SocketClosedError';
  }
}

export interface RawHttp1ClientOptions {
  /** Host name or IP literal (IPv6 without brackets). */
  host: string;
  port: number;
}

/** One VU's keep-alive HTTP/1.1 connection to one `http://` origin. */
export function createRawHttp1Client(options: RawHttp1ClientOptions): HttpOriginClient {
  return new RawHttp1Client(options);
}

// Members called from the shared listeners below are public; the class itself is not exported.
class RawHttp1Client extends SerialOriginClient {
  private readonly host: string;
  private readonly port: number;
  private readonly resource = {};
  private parser: OwnedParser | null = null;
  /** A direct write's request object, reused while every write completes synchronously. */
  private writeReq: OwnedWriteRequest | null = null;
  /** A direct write went asynchronous (kernel buffer full) and has not completed yet. */
  private writePending = false;
  /** `parser[kOnBody]` is set: off while bodies are discarded, so llhttp does not copy them out. */
  private bodyCallbackOn = true;
  socket: OwnedSocket | null = null;
  private connected = false;
  /** At least one response completed on the current socket (a failure on it may be a stale keep-alive). */
  private socketReused = false;

  // --- the request in flight (reset by start(); `busy` and the body live in SerialOriginClient) ---
  private prepared: PreparedHttp1Request | null = null;
  private timeoutMs = 0;
  private retried = false;
  /** Set while `connect()` waits for a socket opened ahead of any request. */
  private connectWaiter: (() => void) | null = null;
  /** The attempt in flight went out on a socket that had served an earlier response. */
  private wasReused = false;
  private blockedUs = 0;
  private connectingUs = 0;
  private connectStartUs = 0;
  private lookupDoneUs = 0;
  private writeStartUs = 0;
  private sentUs = 0;
  private firstByteUs = 0;
  private bytesSent = 0;
  private bytesReceived = 0;
  /** Bytes received on the current attempt; 0 means a retry cannot double-count a response. */
  private attemptBytes = 0;
  private status = 0;
  private rawHeaders: readonly string[] = NO_HEADERS;
  private pendingHeaders: string[] | null = null;
  private headersDone = false;
  private interim = false;
  private keepAlive = true;
  private complete = false;
  /** Bytes arrived after the response: the stream is out of sync, never reuse it. */
  private poisoned = false;

  constructor(options: RawHttp1ClientOptions) {
    super();
    this.host = options.host;
    this.port = options.port;
  }

  protected closeTransport(): void {
    this.dropSocket();
    if (this.parser !== null) {
      this.parser.close();
      this.parser = null;
    }
  }

  protected start(spec: HttpRequestSpec, blockedUs: number): void {
    const prepared = prepareHttp1Request(spec);
    this.prepared = prepared;
    this.timeoutMs = spec.timeoutMs;
    this.retried = false;
    this.blockedUs = blockedUs;
    this.connectingUs = 0;
    this.bytesSent = 0;
    this.bytesReceived = 0;
    this.resetAttempt();
    if (prepared.error !== undefined) {
      this.fail('other', prepared.error);
      return;
    }
    this.timer.arm(spec.timeoutMs);
    this.syncBodyCallback();
    const socket = this.socket;
    if (socket !== null && this.connected && socket.writable) this.queueWrite(socket);
    else this.openSocket();
  }

  /**
   * Opens the keep-alive socket ahead of the first request (the warm-up before the start
   * instant). Nothing is sent and nothing recorded; resolves when the socket is open or gone.
   */
  connect(): Promise<void> {
    if (this.busy || this.socket !== null) return Promise.resolve();
    this.openSocket();
    return new Promise((resolve) => (this.connectWaiter = resolve));
  }

  private connectSettled(opened: boolean): void {
    const waiter = this.connectWaiter;
    if (waiter === null) return;
    this.connectWaiter = null;
    // An idle socket opened ahead is a kept-alive one: if the server closes it before the first
    // request, that request is sent once more on a fresh socket, as on any reused socket.
    if (opened) this.socketReused = true;
    waiter();
  }

  private resetAttempt(): void {
    this.connectStartUs = 0;
    this.lookupDoneUs = 0;
    this.writeStartUs = 0;
    this.sentUs = 0;
    this.firstByteUs = 0;
    this.attemptBytes = 0;
    this.status = 0;
    this.rawHeaders = NO_HEADERS;
    this.pendingHeaders = null;
    this.headersDone = false;
    this.interim = false;
    this.keepAlive = true;
    this.complete = false;
    this.poisoned = false;
    this.resetBody();
  }

  private openSocket(): void {
    this.dropSocket();
    const HTTPParser = parserClass();
    let parser = this.parser;
    if (parser === null) {
      parser = new HTTPParser();
      parser[OWNER] = this;
      parser[HTTPParser.kOnMessageBegin] = parserOnMessageBegin;
      parser[HTTPParser.kOnHeaders] = parserOnHeaders;
      parser[HTTPParser.kOnHeadersComplete] = parserOnHeadersComplete;
      parser[HTTPParser.kOnBody] = parserOnBody;
      parser[HTTPParser.kOnMessageComplete] = parserOnMessageComplete;
      this.parser = parser;
      this.bodyCallbackOn = true;
      this.syncBodyCallback();
    }
    parser.initialize(HTTPParser.RESPONSE, this.resource, 0, 0);
    this.writePending = false;
    this.writeReq = null;
    this.connectStartUs = nowUs();
    this.connected = false;
    this.socketReused = false;
    const socket: OwnedSocket = netConnect({
      host: this.host,
      port: this.port,
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: socketOnRead },
    });
    socket[OWNER] = this;
    socket.on('lookup', socketOnLookup);
    socket.on('connect', socketOnConnect);
    socket.on('end', socketOnEnd);
    socket.on('error', socketOnError);
    socket.on('close', socketOnClose);
    this.socket = socket;
  }

  /**
   * A discarded body never reaches JS: without an on_body callback llhttp skips the copy of each
   * chunk out of the read buffer (node_http_parser.cc checks for a function before copying).
   * The wire bytes are still counted in `handleRead`.
   */
  private syncBodyCallback(): void {
    const parser = this.parser;
    const on = !this.discardBody;
    if (parser === null || on === this.bodyCallbackOn) return;
    parser[parserClass().kOnBody] = on ? parserOnBody : undefined;
    this.bodyCallbackOn = on;
  }

  private dropSocket(): void {
    const socket = this.socket;
    if (socket !== null) {
      this.connectSettled(false);
      this.socket = null;
      this.connected = false;
      this.socketReused = false;
      socket.destroy();
    }
  }

  /** The socket a queued request is to be written on (null: nothing queued). */
  private queuedOn: Socket | null = null;

  /**
   * Requests on kept-alive sockets are written together at the end of the event-loop turn
   * (`flushWrites`), as wrk writes in the loop round after its reads: the target sees a burst
   * instead of a trickle, and wakes once for it rather than once per request — on a VM, waking a
   * sleeping target's core cost the generator ~12% of its CPU. The request's timings start at
   * its write, as before; the wait (microseconds) is in the iteration's duration.
   */
  private queueWrite(socket: Socket): void {
    this.queuedOn = socket;
    writeQueue.push(this);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushWrites);
    }
  }

  /** Called by `flushWrites`: writes the queued request, unless it settled or its socket went meanwhile. */
  writeQueued(): void {
    const socket = this.queuedOn;
    this.queuedOn = null;
    const prepared = this.prepared;
    if (socket === null || !this.busy || prepared === null || this.writeStartUs !== 0) return;
    if (socket !== this.socket || !this.connected || !socket.writable) {
      this.openSocket();
      return;
    }
    this.write(socket, prepared);
  }

  private write(socket: Socket, prepared: PreparedHttp1Request): void {
    this.wasReused = this.socketReused;
    this.writeStartUs = nowUs();
    if (prepared.trailingBody === undefined) {
      if (!this.writeDirect(socket as OwnedSocket, prepared.bytes)) {
        socket.write(prepared.bytes);
        // A small write reaches the kernel synchronously (libuv tries it inline); counting it as
        // sent now avoids a write callback and its nextTick per request.
        this.sentUs = nowUs();
      }
    } else {
      socket.cork();
      socket.write(prepared.bytes);
      socket.write(prepared.trailingBody, (this.onBodyFlushed ??= this.bodyFlushed.bind(this)));
      socket.uncork();
    }
    this.bytesSent += prepared.totalBytes;
  }

  /**
   * Writes straight to the TCP handle (node-internals.ts), skipping the Writable stream: what
   * `socket.write()` does in the end, without its per-write state, WriteWrap and callbacks. False
   * when it cannot (no binding, no handle, the stream has data of its own queued, a direct write
   * still pending): the caller then uses `socket.write()`, which libuv orders after any pending write.
   */
  private writeDirect(socket: OwnedSocket, bytes: Buffer): boolean {
    const handle = socket._handle;
    if (directWrite === undefined || !handle || this.writePending || socket.writableLength !== 0)
      return false;
    let req = this.writeReq;
    if (req === null) {
      req = directWrite.newRequest() as OwnedWriteRequest;
      req[OWNER] = this;
      req.oncomplete = directWriteDone;
      this.writeReq = req;
    }
    req.handle = handle;
    req.async = false;
    const err = handle.writeBuffer(req, bytes);
    if (err !== 0) {
      socket.destroy(writeError(err));
      return true;
    }
    if (directWrite.lastWriteWasAsync()) {
      // Native code now owns `req` until it completes: keep the bytes alive, use a new one next time.
      req.async = true;
      req.buffer = bytes;
      this.writeReq = null;
      this.writePending = true;
    } else {
      this.sentUs = nowUs();
    }
    return true;
  }

  /** A direct write that went asynchronous completed (status < 0: it failed). */
  handleDirectWriteDone(req: OwnedWriteRequest, status: number): void {
    req.buffer = null;
    if (req.handle !== (this.socket as OwnedSocket | null)?._handle) return; // an old socket's
    this.writePending = false;
    if (status < 0) {
      this.socket?.destroy(writeError(status));
      return;
    }
    if (this.busy && this.sentUs === 0) this.sentUs = nowUs();
  }

  /** Made on the first request with a large body: most VUs never send one (a closure per VU otherwise). */
  private onBodyFlushed: (() => void) | undefined = undefined;
  private bodyFlushed(): void {
    if (this.busy && this.sentUs === 0) this.sentUs = nowUs();
  }

  // --- socket events (called through the shared functions below) ---

  handleLookup(failed: boolean): void {
    this.lookupDoneUs = nowUs();
    if (failed && this.busy) {
      // The error event follows; the whole attempt was DNS, which k6 counts as blocked.
      this.blockedUs += this.lookupDoneUs - this.connectStartUs;
      this.connectStartUs = 0;
    }
  }

  handleConnect(socket: Socket): void {
    const now = nowUs();
    this.connected = true;
    if (!this.busy) return this.connectSettled(true);
    if (this.lookupDoneUs > 0) {
      // DNS time is "blocked" in k6's terms; TCP connect is "connecting".
      this.blockedUs += this.lookupDoneUs - this.connectStartUs;
      this.connectingUs += now - this.lookupDoneUs;
    } else {
      this.connectingUs += now - this.connectStartUs;
    }
    this.write(socket, this.prepared as PreparedHttp1Request);
  }

  handleRead(nread: number, buffer: Buffer): void {
    if (!this.busy || this.complete) {
      // Bytes nobody asked for: the server is out of sync with us. Never reuse this stream.
      this.dropSocket();
      return;
    }
    if (this.firstByteUs === 0) {
      this.firstByteUs = nowUs();
      if (this.sentUs === 0) this.sentUs = this.firstByteUs;
    }
    this.bytesReceived += nread;
    this.attemptBytes += nread;
    const parser = this.parser as LlhttpParser;
    const ret = parser.execute(readView(buffer, nread));
    if (this.complete) {
      if (
        typeof ret !== 'number' ||
        this.poisoned ||
        !this.keepAlive ||
        this.prepared?.closeAfter === true ||
        // Answered before our body was fully written (an early 413…): the stream is mid-request.
        (this.socket as Socket).writableLength > 0 ||
        this.writePending
      ) {
        this.dropSocket();
      } else {
        this.socketReused = true;
      }
      this.succeed();
    } else if (typeof ret !== 'number') {
      this.dropSocket();
      this.fail(
        'protocol',
        ret.code !== undefined ? `${ret.code}: ${ret.reason ?? ret.message}` : ret.message,
      );
    }
  }

  handleEnd(): void {
    if (this.busy && !this.complete && this.attemptBytes > 0) {
      // A body delimited by the end of the connection completes here.
      const ret = (this.parser as LlhttpParser).finish();
      if (this.complete && ret === undefined) {
        this.dropSocket();
        this.succeed();
        return;
      }
    }
    this.dropSocket();
    if (this.busy && !this.complete) this.failOrRetry(new SocketClosedError('other side closed'));
  }

  handleError(err: Error): void {
    this.dropSocket();
    if (this.busy && !this.complete) this.failOrRetry(err);
  }

  handleClose(): void {
    this.dropSocket();
    if (this.busy && !this.complete) this.failOrRetry(new SocketClosedError('socket closed'));
  }

  protected onDeadline(): void {
    if (!this.busy || this.complete) return;
    this.dropSocket();
    this.fail('timeout', `request timed out after ${this.timeoutMs} ms`);
  }

  private failOrRetry(err: Error): void {
    const errorClass = classifyHttpError(err);
    // A kept-alive socket the server closed while idle fails the next request before any byte of
    // a response: send it once more on a fresh socket (what browsers, Go and undici do).
    if (
      errorClass === 'reset' &&
      this.writeStartUs > 0 &&
      this.attemptBytes === 0 &&
      !this.retried &&
      this.wasReused
    ) {
      this.retried = true;
      this.resetAttempt();
      this.openSocket();
      return;
    }
    this.fail(errorClass, describeHttpError(err));
  }

  // --- parser callbacks ---

  onMessageBegin(): void {
    if (this.complete) this.poisoned = true;
  }

  onHeaders(headers: string[]): void {
    // Before headers complete: a partial flush of a long header block. After: trailers, ignored.
    if (this.headersDone || this.complete) return;
    if (this.pendingHeaders === null) this.pendingHeaders = headers;
    else for (const h of headers) this.pendingHeaders.push(h);
  }

  onHeadersComplete(
    headers: string[] | undefined,
    statusCode: number,
    upgrade: boolean,
    shouldKeepAlive: boolean,
  ): number {
    if (this.complete) return SKIP_BODY; // an unsolicited message after ours: poisoned, ignored
    let all: readonly string[] = headers ?? NO_HEADERS;
    if (this.pendingHeaders !== null) {
      if (headers !== undefined) for (const h of headers) this.pendingHeaders.push(h);
      all = this.pendingHeaders;
      this.pendingHeaders = null;
    }
    if (statusCode < 200 && statusCode !== 101) {
      // 100 Continue, 103 Early Hints…: interim, the real response follows on the same stream.
      this.interim = true;
      return SKIP_BODY;
    }
    this.status = statusCode;
    this.rawHeaders = all;
    this.headersDone = true;
    this.keepAlive = shouldKeepAlive && !upgrade;
    if (upgrade) return SKIP_BODY_UPGRADE;
    if ((this.prepared as PreparedHttp1Request).isHead || statusCode === 204 || statusCode === 304)
      return SKIP_BODY;
    return 0;
  }

  onBody(chunk: Buffer): void {
    if (!this.complete) this.addBodyChunk(chunk);
  }

  onMessageComplete(): void {
    if (this.complete) return;
    if (this.interim) {
      this.interim = false;
      return;
    }
    this.complete = true;
  }

  // --- settling ---

  private timings(endUs: number): HttpTimings {
    let connectingUs = this.connectingUs;
    let blockedUs = this.blockedUs;
    if (this.connectStartUs > 0 && !this.connected && this.writeStartUs === 0) {
      // Failed or timed out before the connection was up: charge the phase it was stuck in.
      if (this.lookupDoneUs > 0) {
        blockedUs += this.lookupDoneUs - this.connectStartUs;
        connectingUs += endUs - this.lookupDoneUs;
      } else {
        connectingUs += endUs - this.connectStartUs;
      }
    }
    // sentUs is never 0 once a byte has arrived (handleRead), and never after firstByteUs.
    return exchangeTimings(
      blockedUs,
      connectingUs,
      0,
      this.writeStartUs,
      this.sentUs,
      this.firstByteUs,
      endUs,
    );
  }

  private succeed(): void {
    const timings = this.timings(nowUs());
    const body = this.takeBody();
    this.settle(
      new VolleyHttpResponse(this.status, this.rawHeaders, body, timings, this.bytesSent, this.bytesReceived),
    );
  }

  protected fail(errorClass: HttpErrorClass, message: string): void {
    this.settle(
      failedResponse(errorClass, message, this.timings(nowUs()), this.bytesSent, this.bytesReceived),
    );
  }

  protected releaseRequest(): void {
    this.prepared = null;
    this.rawHeaders = NO_HEADERS;
  }
}

// Shared listeners: `this` is the emitter, which leads to its client; events from a socket the
// client has already replaced are ignored.

function socketOnLookup(this: OwnedSocket, err: Error | null): void {
  const client = this[OWNER];
  if (client !== undefined && client.socket === this) client.handleLookup(err !== null);
}

function socketOnConnect(this: OwnedSocket): void {
  const client = this[OWNER];
  if (client !== undefined && client.socket === this) client.handleConnect(this);
}

function socketOnRead(this: OwnedSocket, nread: number, buffer: Buffer): boolean {
  const client = this[OWNER];
  if (client !== undefined && client.socket === this) client.handleRead(nread, buffer);
  return true;
}

function socketOnEnd(this: OwnedSocket): void {
  const client = this[OWNER];
  if (client !== undefined && client.socket === this) client.handleEnd();
}

function socketOnError(this: OwnedSocket, err: Error): void {
  const client = this[OWNER];
  if (client !== undefined && client.socket === this) client.handleError(err);
}

function socketOnClose(this: OwnedSocket): void {
  const client = this[OWNER];
  if (client !== undefined && client.socket === this) client.handleClose();
}

let writeQueue: RawHttp1Client[] = [];
let spareQueue: RawHttp1Client[] = [];
let flushScheduled = false;

/** Writes every request queued during this event-loop turn (`queueWrite`). */
function flushWrites(): void {
  flushScheduled = false;
  const list = writeQueue;
  writeQueue = spareQueue;
  spareQueue = list;
  for (let i = 0; i < list.length; i++) (list[i] as RawHttp1Client).writeQueued();
  list.length = 0;
}

/** Like the error `socket.write()` would raise: `write EPIPE`, with `code` for classification. */
function writeError(status: number): Error {
  let code: string;
  try {
    code = getSystemErrorName(status);
  } catch {
    code = `E${-status}`;
  }
  return Object.assign(new Error(`write ${code}`), { code, errno: status, syscall: 'write' });
}

function directWriteDone(this: OwnedWriteRequest, status: number): void {
  this[OWNER]?.handleDirectWriteDone(this, status);
}

function parserOnMessageBegin(this: OwnedParser): void {
  this[OWNER]?.onMessageBegin();
}

function parserOnHeaders(this: OwnedParser, headers: string[]): void {
  this[OWNER]?.onHeaders(headers);
}

function parserOnHeadersComplete(
  this: OwnedParser,
  _versionMajor: number,
  _versionMinor: number,
  headers: string[] | undefined,
  _method: number | undefined,
  _url: string | undefined,
  statusCode: number,
  _statusMessage: string | undefined,
  upgrade: boolean,
  shouldKeepAlive: boolean,
): number {
  return this[OWNER]?.onHeadersComplete(headers, statusCode, upgrade, shouldKeepAlive) ?? 0;
}

function parserOnBody(this: OwnedParser, chunk: Buffer): void {
  this[OWNER]?.onBody(chunk);
}

function parserOnMessageComplete(this: OwnedParser): void {
  this[OWNER]?.onMessageComplete();
}
