/**
 * The HTTP client contract every VU uses. One `HttpConnection` belongs to one VU: it keeps that
 * VU's keep-alive connection(s) and runs one request at a time per connection, like a browser tab
 * or a k6 VU (over HTTP/2, concurrent requests are streams on the VU's connections).
 */
import type { TlsMaterial } from '../../config/types.js';

/** Error classes reported in `http_req_failed{error:…}` and counted per class in the summary. */
export type HttpErrorClass =
  | 'refused'
  | 'timeout'
  | 'reset'
  | 'dns'
  | 'tls'
  | 'protocol'
  | 'other'
  /** The response was complete but its body exceeded `maxResponseBytes`: counted, then dropped. */
  | 'body_too_large';

export interface HttpRequestSpec {
  method: string;
  /** Absolute URL. */
  url: URL;
  /** Header names as given by the user; `host`, `content-length` and `connection` are added when absent. */
  headers: Readonly<Record<string, string>>;
  body?: Buffer | undefined;
  timeoutMs: number;
  /** Follow up to this many redirects (0 = off, the default). */
  maxRedirects: number;
  /**
   * Count the response body's bytes but keep none of them (`body` is empty): what quick mode and
   * k6's `discardResponseBodies` / `responseType: 'none'` do. Chunks are dropped as they arrive.
   */
  discardBody?: boolean | undefined;
  /**
   * A kept body larger than this is read to its end, counted and dropped: the response carries
   * error class `body_too_large` (its status stays). Undefined: no cap.
   */
  maxBodyBytes?: number | undefined;
}

/**
 * Phase timings in microseconds (k6 names: blocked, connecting, tls_handshaking, sending, waiting, receiving).
 * blocked = waiting behind this VU's previous request on the origin + DNS lookup; connecting = TCP
 * connect (0 on a kept-alive socket); with `maxRedirects`, every field is the sum over all hops.
 */
export interface HttpTimings {
  blockedUs: number;
  connectingUs: number;
  tlsUs: number;
  sendingUs: number;
  waitingUs: number;
  receivingUs: number;
  /** sending + waiting + receiving: the service time, `http_req_duration`. */
  durationUs: number;
}

export interface HttpResponse {
  /** 0 when the request failed before a status line was read. */
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  timings: HttpTimings;
  bytesSent: number;
  bytesReceived: number;
  /**
   * The protocol the response came over, as k6 names it: `HTTP/2.0`, or `HTTP/1.1` (undefined:
   * HTTP/1.1 when a status was read, nothing for a failure without one).
   */
  proto?: string | undefined;
  /** Set when the request failed at the transport level (no complete response). */
  error?: { class: HttpErrorClass; message: string };
}

export interface HttpConnection {
  request(spec: HttpRequestSpec): Promise<HttpResponse>;
  /**
   * Opens the connection `spec` would go out on, sending nothing (the warm-up before the run's
   * start instant). Resolves once it is open or has failed (the first request then reports the
   * failure); a connection that cannot open ahead (undici, HTTP/2) resolves at once.
   */
  connect?(spec: HttpRequestSpec): Promise<void>;
  /** Closes every socket this VU holds. Idempotent. */
  close(): void;
}

export interface HttpConnectionOptions {
  /** Use the raw-socket HTTP/1.1 fast path for plain http:// when possible (default true). */
  fastPath: boolean;
  /** TLS: skip certificate verification (k6 insecureSkipTLSVerify). */
  insecureSkipTLSVerify: boolean;
  /**
   * HTTP/2 through undici (default false: HTTP/1.1 only): offered by ALPN on https origins, spoken
   * with prior knowledge (h2c) on http origins. The raw fast path is never used with it.
   */
  allowH2?: boolean;
  /** HTTP/2: most connections a VU opens per origin; its concurrent requests share them as streams (default 1). */
  h2Connections?: number;
  /** A custom CA and a client certificate (PEM text). */
  tls?: TlsMaterial | undefined;
  /** Forward proxy (`http://host:port`): absolute-form requests for http://, CONNECT for https://. */
  proxy?: string | undefined;
  /**
   * Where the raw fast path connects instead of the URL's host and port (a rehearsal's stand-in,
   * rehearsal.ts); the requests are unchanged. A request the fast path would not take fails.
   */
  connectTo?: { host: string; port: number } | undefined;
}

/** One VU's connection to one origin; `HttpConnection` keeps one per origin and follows redirects across them. */
export interface HttpOriginClient {
  /** Sends exactly one request (no redirect handling). Resolves, never rejects. */
  send(spec: HttpRequestSpec): Promise<HttpResponse>;
  /** Opens the socket without a request (see `HttpConnection.connect`); absent: cannot. */
  connect?(): Promise<void>;
  /** Closes the socket(s) and fails queued requests; the client may be used again afterwards. */
  close(): void;
}
