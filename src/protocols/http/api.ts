/**
 * The script-facing types of the HTTP protocol module: `ctx.http` (a VU's client), its request
 * options and responses, and the test definition's `http` defaults. `volley` re-exports them
 * through src/script/api.ts.
 */

/** Timings of one response in milliseconds (k6 names). */
export interface ResponseTimings {
  blocked: number;
  connecting: number;
  tlsHandshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
  /** sending + waiting + receiving: `http_req_duration`. */
  duration: number;
}

export interface ScriptResponse {
  /** 0 when the request failed before a status line arrived (see `error`). */
  readonly status: number;
  /**
   * The protocol the response came over, as k6's `res.proto`: `'HTTP/1.1'` or `'HTTP/2.0'`; `''`
   * when no response arrived.
   */
  readonly proto: string;
  /**
   * No transport error and an expected status (the request's `expectedStatuses`, else the test's
   * `http.expectedStatuses`, else 200..399): exactly when `http_req_failed` records a success.
   */
  readonly ok: boolean;
  /** Lower-cased header names; repeated headers as arrays. */
  readonly headers: Readonly<Record<string, string | string[]>>;
  /**
   * The body, decoded from its `content-encoding` (gzip, deflate, br) when first read; a coding
   * volley does not know is left as received. `data_received` counts the bytes on the wire.
   */
  readonly body: Buffer;
  readonly timings: ResponseTimings;
  /** The request as sent (absolute URL). */
  readonly request: { method: string; url: string; name: string };
  /**
   * Transport failure: class (refused, timeout, reset, dns, tls, protocol, other) and message; or
   * `body_too_large` (a body over `maxResponseBytes`: `status` is the real one, `body` empty).
   */
  readonly error: { class: string; message: string } | undefined;
  text(): string;
  /** Parses the body as JSON (cached); with `path` (`items.0.id`, `$.items[0].id`) returns that part. Throws on invalid JSON. */
  json<T = unknown>(path?: string): T;
  /** One header's value (first one when repeated), case-insensitive. */
  header(name: string): string | undefined;
}

/** A file part of a multipart body: made by `http.file(data, filename, contentType)`. */
export interface FileData {
  readonly data: Uint8Array;
  readonly filename: string;
  readonly contentType: string;
}

/** A value of a multipart body: text (numbers and booleans as text) or a file. */
export type MultipartValue = string | number | boolean | FileData | undefined;

/** A status code, or an inclusive range of them. */
export type StatusRange = number | { min: number; max: number };

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Raw body. */
  body?: string | Buffer | Uint8Array;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string | number | boolean>;
  /**
   * Sent as `multipart/form-data`: text fields and files (`http.file(…)`); an array repeats a field.
   * `{ note: 'hi', upload: http.file(bytes, 'report.csv', 'text/csv') }`.
   */
  multipart?: Record<string, MultipartValue | MultipartValue[]>;
  /**
   * Compresses the body before sending it and sets `content-encoding` (k6's `compression`):
   * `'gzip'`, `'deflate'` or `'br'`.
   */
  compression?: 'gzip' | 'deflate' | 'br';
  /**
   * Statuses that count as a success for this request in `http_req_failed` and `res.ok` (k6's
   * `responseCallback`); default: the test's `http.expectedStatuses`. `[{ min: 200, max: 299 }, 404]`.
   */
  expectedStatuses?: StatusRange[];
  /** Query string parameters, appended to the URL. */
  query?: Record<string, string | number | boolean | undefined>;
  /** Values for `:param` placeholders in the path: `/api/users/:id` with `{ id: 17 }`. The endpoint is named after the template. */
  params?: Record<string, string | number>;
  /** Endpoint name for metrics (`name` tag), e.g. `GET /api/users/:id`; a bare path gets the method prefixed. */
  name?: string;
  /** Extra tags on this request's samples. */
  tags?: Record<string, string>;
  /** Request timeout: `'5s'`, `'500ms'`, or milliseconds. */
  timeout?: string | number;
  /** Follow up to this many redirects (default: the test's `http.maxRedirects`, 0). */
  redirects?: number;
  /**
   * k6's `responseType`: `'none'` counts the body's bytes but keeps none (`body` is empty);
   * `'text'` or `'binary'` keep it. Default: `'none'` when the test sets
   * `http.discardResponseBodies`, else kept.
   */
  responseType?: 'none' | 'text' | 'binary';
  /**
   * A kept body larger than this many bytes is read to its end, counted in `data_received` and
   * dropped: the response has error class `body_too_large` and counts as failed. Default: the
   * test's `http.maxResponseBytes` (10 MB); 0 keeps no body at all.
   */
  maxResponseBytes?: number;
}

/** A URL built with the `http.url` tagged template: the endpoint name keeps the `${}` placeholders. */
export interface UrlTemplate {
  readonly url: string;
  readonly name: string;
}

export type RequestTarget = string | URL | UrlTemplate;

/**
 * One request of `http.batch`: a URL (GET), `[method, url, options?]`, or
 * `{ method?, url, options? }` (method default GET).
 */
export type BatchRequest =
  | RequestTarget
  | [method: string, url: RequestTarget, options?: RequestOptions]
  | { method?: string; url: RequestTarget; options?: RequestOptions };

/** One VU's HTTP client: keep-alive connections, a cookie jar, the test's base URL and default headers. */
export interface HttpClient {
  request(method: string, url: RequestTarget, options?: RequestOptions): Promise<ScriptResponse>;
  get(url: RequestTarget, options?: RequestOptions): Promise<ScriptResponse>;
  head(url: RequestTarget, options?: RequestOptions): Promise<ScriptResponse>;
  delete(url: RequestTarget, options?: RequestOptions): Promise<ScriptResponse>;
  options(url: RequestTarget, options?: RequestOptions): Promise<ScriptResponse>;
  post(url: RequestTarget, options?: RequestOptions): Promise<ScriptResponse>;
  put(url: RequestTarget, options?: RequestOptions): Promise<ScriptResponse>;
  patch(url: RequestTarget, options?: RequestOptions): Promise<ScriptResponse>;
  /** Tagged template: ``http.url`/api/users/${id}` `` → URL `/api/users/17`, endpoint name `/api/users/${}`. */
  url(strings: TemplateStringsArray, ...values: unknown[]): UrlTemplate;
  /**
   * k6's `http.batch`: sends the requests at once (at most `http.batchPerHost` to one origin, on
   * further connections of this VU) and resolves to the responses in the same order (or under the
   * same keys). Each request is recorded as its own `http_reqs` sample when it completes.
   */
  batch(requests: readonly BatchRequest[]): Promise<ScriptResponse[]>;
  batch(requests: Readonly<Record<string, BatchRequest>>): Promise<Record<string, ScriptResponse>>;
  /** A file part for `multipart` (k6's `http.file`): text is sent as UTF-8. */
  file(data: string | Uint8Array | ArrayBuffer, filename?: string, contentType?: string): FileData;
  /** This VU's cookies. */
  readonly cookies: CookieJarApi;
}

export interface CookieJarApi {
  /** `name=value; …` for a URL, as the client would send it. */
  get(url: string): string;
  set(url: string, cookie: string): void;
  clear(): void;
}

export interface HttpDefaults {
  /** Default request timeout (default `'10s'`). */
  timeout?: string | number;
  /** Redirects followed by default (default 0). */
  maxRedirects?: number;
  /** Headers on every request. */
  headers?: Record<string, string>;
  insecureSkipTLSVerify?: boolean;
  /**
   * A custom CA and a client certificate: PEM file paths relative to the test file, read when the
   * test loads (a missing or broken file stops it before any traffic). `insecureSkipTLSVerify` here
   * is the same as `http.insecureSkipTLSVerify`.
   */
  tls?: { ca?: string; cert?: string; key?: string; passphrase?: string; insecureSkipTLSVerify?: boolean };
  /**
   * A forward proxy for every request, `http://host:port`: absolute-form requests for http://,
   * CONNECT tunnels for https:// (the raw fast path is then off).
   */
  proxy?: string;
  /**
   * Statuses that count as a success in `http_req_failed` (k6's
   * `http.setResponseCallback(http.expectedStatuses(…))`), default `[{ min: 200, max: 399 }]`.
   */
  expectedStatuses?: StatusRange[];
  /** Most requests of one `http.batch` sent at once to one origin (default 6, as k6). */
  batchPerHost?: number;
  /**
   * Speak HTTP/2 (default false): h2 negotiated by ALPN on https:// origins, h2c with prior
   * knowledge on http:// (the server must accept HTTP/2 without an upgrade).
   */
  http2?: boolean;
  /**
   * HTTP/2: most connections a VU opens per origin (default 1). The VU's concurrent requests
   * (`http.batch`, promises awaited together) are multiplexed as streams over them.
   */
  http2Connections?: number;
  /** HTTP/2: this many VUs share one connection (default 1), as h2load's `-m` streams per client. */
  http2Streams?: number;
  /** Per-VU cookie jar (default true). */
  cookies?: boolean;
  /**
   * k6's `discardResponseBodies`: responses keep no body (their bytes are still counted), unless
   * a request asks for one with `responseType: 'text'`. Use it when the script reads no bodies.
   */
  discardResponseBodies?: boolean;
  /**
   * Most bytes of a response body kept in memory (default 10 MB = 10485760). A larger body is
   * counted and dropped, and its response fails with error class `body_too_large`.
   */
  maxResponseBytes?: number;
}
