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
  /** Status 200..399 and no transport error. */
  readonly ok: boolean;
  /** Lower-cased header names; repeated headers as arrays. */
  readonly headers: Readonly<Record<string, string | string[]>>;
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

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Raw body. */
  body?: string | Buffer | Uint8Array;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string | number | boolean>;
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
   * Speak HTTP/2 (default false): h2 negotiated by ALPN on https:// origins, h2c with prior
   * knowledge on http:// (the server must accept HTTP/2 without an upgrade).
   */
  http2?: boolean;
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
