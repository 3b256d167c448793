/**
 * What both per-VU origin clients (`raw-http1.ts`, `undici-client.ts`) share: one request in flight
 * at a time, later calls wait in a FIFO queue and report the wait as blocked time, one reusable
 * deadline timer, the response body gathered from chunks, and `close()` failing the request in
 * flight and the queue. A subclass supplies the transport: `start()` a request, `fail()` it with
 * its own timings, drop its state on `settle()`, and tear down its socket on `close()`.
 *
 * The hot path allocates nothing here beyond the request's own promise: `send()` takes the promise's
 * resolve function through one shared executor (`captureResolve`) instead of a closure per call.
 */
import { DeadlineTimer } from './deadline.js';
import { EMPTY_BODY, failedResponse, nowUs } from './response.js';
import type { HttpErrorClass, HttpOriginClient, HttpRequestSpec, HttpResponse } from './types.js';

type Resolve = (res: HttpResponse) => void;

interface Queued {
  spec: HttpRequestSpec;
  resolve: Resolve;
  queuedAtUs: number;
}

const CLOSED_MESSAGE = 'connection closed by the client';

/**
 * One executor for every client's promises: `new Promise(captureResolve)` runs it synchronously,
 * so the resolve function is picked up from `captured` on the next line (a closure per client
 * cost ~100 bytes per VU).
 */
let captured: Resolve | null = null;
const captureResolve = (resolve: Resolve): void => {
  captured = resolve;
};

export abstract class SerialOriginClient implements HttpOriginClient {
  /** A request is in flight: set before `start()`, cleared by `settle()`. */
  protected busy = false;
  /** The request's deadline, armed by the subclass in `start()`, disarmed by `settle()`. */
  protected readonly timer: DeadlineTimer;
  /** Body chunks of the response in flight (see `addBodyChunk`, `takeBody`). */
  protected firstChunk: Buffer | null = null;
  protected moreChunks: Buffer[] | null = null;
  protected bodyLength = 0;
  /** The request in flight counts its body without keeping it (`HttpRequestSpec.discardBody`). */
  protected discardBody = false;
  /** Most body bytes the request in flight keeps (`HttpRequestSpec.maxBodyBytes`). */
  private maxBodyBytes = Infinity;
  /** The body passed `maxBodyBytes`: its chunks were dropped, the rest is only counted. */
  private bodyTooLarge = false;
  private resolve: Resolve | null = null;
  private readonly queue: Queued[] = [];
  /** Set while `close()` runs: a request settled then must not start the next queued one. */
  private closing = false;

  constructor() {
    this.timer = new DeadlineTimer(() => this.onDeadline());
  }

  send(spec: HttpRequestSpec): Promise<HttpResponse> {
    const promise = new Promise<HttpResponse>(captureResolve);
    const resolve = captured as Resolve;
    captured = null;
    if (this.busy) {
      this.queue.push({ spec, resolve, queuedAtUs: nowUs() });
    } else {
      this.resolve = resolve;
      this.busy = true;
      this.begin(spec, 0);
    }
    return promise;
  }

  /** Fails the request in flight and the queued ones, and closes the transport. The client stays usable. */
  close(): void {
    this.closing = true;
    this.timer.dispose();
    this.closeTransport();
    if (this.busy) this.fail('other', CLOSED_MESSAGE);
    while (this.queue.length > 0) {
      const q = this.queue.shift() as Queued;
      const blockedUs = nowUs() - q.queuedAtUs;
      q.resolve(
        failedResponse(
          'other',
          CLOSED_MESSAGE,
          { blockedUs, connectingUs: 0, tlsUs: 0, sendingUs: 0, waitingUs: 0, receivingUs: 0, durationUs: 0 },
          0,
          0,
        ),
      );
    }
    this.closing = false;
  }

  /**
   * Sends `spec` (`busy` is already set). `blockedUs` is how long it waited in the queue. Arms
   * `timer`, and ends with exactly one `settle()` (directly or through `fail()`).
   */
  protected abstract start(spec: HttpRequestSpec, blockedUs: number): void;

  /** Settles the request in flight as failed, with the timings and byte counts gathered so far. */
  protected abstract fail(errorClass: HttpErrorClass, message: string): void;

  /** The deadline of the request in flight passed (never called after it settled). */
  protected abstract onDeadline(): void;

  /** Drops the finished request's references (spec, headers…) before its promise resolves. */
  protected abstract releaseRequest(): void;

  /** Closes the socket(s) without settling anything; `close()` then fails what is pending. */
  protected abstract closeTransport(): void;

  private begin(spec: HttpRequestSpec, blockedUs: number): void {
    this.discardBody = spec.discardBody === true;
    const max = spec.maxBodyBytes;
    this.maxBodyBytes = max !== undefined && max >= 0 ? max : Infinity;
    this.start(spec, blockedUs);
  }

  /** Resolves the request in flight and starts the next queued one, if any. */
  protected settle(res: HttpResponse): void {
    this.timer.disarm();
    if (this.bodyTooLarge && res.error === undefined && res.status > 0) {
      res.error = {
        class: 'body_too_large',
        message: `response body of ${this.bodyLength} bytes exceeded maxResponseBytes (${this.maxBodyBytes}): counted and dropped`,
      };
    }
    this.bodyTooLarge = false;
    const resolve = this.resolve as Resolve;
    this.busy = false;
    this.resolve = null;
    this.firstChunk = null;
    this.moreChunks = null;
    this.releaseRequest();
    resolve(res);
    if (this.queue.length > 0 && !this.closing) {
      const next = this.queue.shift() as Queued;
      this.resolve = next.resolve;
      this.busy = true;
      this.begin(next.spec, nowUs() - next.queuedAtUs);
    }
  }

  /** Forgets the body of an attempt (a new attempt, or a retry). */
  protected resetBody(): void {
    this.firstChunk = null;
    this.moreChunks = null;
    this.bodyLength = 0;
    this.bodyTooLarge = false;
  }

  /**
   * Keeps a body chunk: one chunk is kept as is, more are concatenated once, by `takeBody()`.
   * A discarded body, or one past `maxBodyBytes`, is only counted: no chunk outlives its callback.
   */
  protected addBodyChunk(chunk: Buffer): void {
    this.bodyLength += chunk.length;
    if (this.discardBody || this.bodyTooLarge) return;
    if (this.bodyLength > this.maxBodyBytes) {
      this.bodyTooLarge = true;
      this.firstChunk = null;
      this.moreChunks = null;
      return;
    }
    if (this.firstChunk === null) this.firstChunk = chunk;
    else if (this.moreChunks === null) this.moreChunks = [this.firstChunk, chunk];
    else this.moreChunks.push(chunk);
  }

  protected takeBody(): Buffer {
    if (this.moreChunks !== null) return Buffer.concat(this.moreChunks, this.bodyLength);
    return this.firstChunk ?? EMPTY_BODY;
  }
}
