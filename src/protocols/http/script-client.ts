/**
 * A VU's script HTTP client: resolves URLs against the base URL, names the endpoint (explicit
 * `name`, a `:param` or `http.url` template, or the path with ids grouped), builds the body,
 * keeps the cookie jar, sends on the VU's connection and records the response in its scope.
 */
import { tryParseDurationMs } from '../../config/duration.js';
import { endpointName } from '../../metrics/tags.js';
import type {
  BatchRequest,
  CookieJarApi,
  FileData,
  HttpClient,
  RequestOptions,
  RequestTarget,
  ScriptResponse,
  UrlTemplate,
} from './api.js';
import { sendBatch } from './batch.js';
import { encodeBody, REQUEST_COMPRESSIONS } from './compression.js';
import { VuCookieJar } from './cookies.js';
import { expectedStatusesOf, type ExpectedStatuses } from './expected-statuses.js';
import { encodeMultipart, file } from './multipart.js';
import { VolleyScriptResponse } from './script-response.js';
import type { HttpConnection, HttpRequestSpec, HttpResponse } from './types.js';

export interface HttpClientDefaults {
  baseUrl: URL | undefined;
  timeoutMs: number;
  maxRedirects: number;
  headers: Readonly<Record<string, string>>;
  cookies: boolean;
  /** `http.discardResponseBodies`: keep no body unless a request asks (`responseType`). */
  discardBodies: boolean;
  /** `http.maxResponseBytes`. */
  maxResponseBytes: number;
  /** `http.expectedStatuses` (default 200-399): what `res.ok` says. */
  expected: ExpectedStatuses;
  /** `http.batchPerHost`: most requests of a batch at once per origin. */
  batchPerHost: number;
}

/** A request ready to send, and what recording its response needs. */
interface Prepared {
  spec: HttpRequestSpec;
  method: string;
  name: string;
  tags: Readonly<Record<string, string>> | undefined;
  /** The request's own expected statuses (undefined: the test's). */
  expected: ExpectedStatuses | undefined;
}

/** Where a client's responses go: the VU's scope in a worker, nowhere in setup/teardown. */
export interface ResponseRecorder {
  /** Throws when the VU was interrupted (hard stop): its code must unwind, not reconnect. */
  assertRunning(): void;
  record(
    res: HttpResponse,
    method: string,
    name: string,
    tags: Readonly<Record<string, string>> | undefined,
    /** The request's own expected statuses (undefined: the test's). */
    expected?: ExpectedStatuses,
  ): void;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const TEMPLATE = Symbol('volley.url-template');
const PARAM = /:([A-Za-z_][A-Za-z0-9_]*)/g;

class Template implements UrlTemplate {
  readonly [TEMPLATE] = true;
  constructor(
    readonly url: string,
    readonly name: string,
  ) {}
}

const isTemplate = (t: RequestTarget): t is Template =>
  typeof t === 'object' && (t as Partial<Template>)[TEMPLATE] === true;

/** `/api/users/:id` → its path without origin and query: the endpoint name of a template. */
function templateName(text: string): string {
  return text.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split('?')[0] as string;
}

const timeouts = new Map<string, number>();
function timeoutMs(v: string | number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v === 'number') return v;
  let ms = timeouts.get(v);
  if (ms === undefined) {
    const parsed = tryParseDurationMs(v);
    if (parsed === undefined) throw new TypeError(`timeout: malformed duration ${JSON.stringify(v)}`);
    ms = parsed;
    timeouts.set(v, ms);
  }
  return ms;
}

/** `set-cookie` values without building the header record (most responses set none). */
function setCookieOf(res: HttpResponse): string[] | string | undefined {
  const raw = (res as { rawHeaders?: readonly (string | Buffer)[] }).rawHeaders;
  if (raw === undefined) return res.headers['set-cookie'];
  let out: string[] | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string | Buffer;
    if (name.length === 10 && String(name).toLowerCase() === 'set-cookie')
      (out ??= []).push(String(raw[i + 1]));
  }
  return out;
}

const URL_CACHE_MAX = 1000;
/**
 * Resolved URLs of plain string targets, one cache per defaults object (one per scenario and
 * thread), shared by its VUs: resolved URLs are never mutated, and a cache per VU kept up to
 * 1,000 URLs for each of them (50 VUs on 20,000 distinct paths: 50,000 URL objects per worker).
 */
const urlCaches = new WeakMap<HttpClientDefaults, Map<string, URL>>();

/** `map.get(key)`, made with `make()` and kept on first use. */
function kept<K extends object, V>(map: WeakMap<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** Method → URL text → prepared request. */
type PreparedCache = Map<string, Map<string, Prepared>>;

/**
 * Requests without options to a plain string URL, prepared once per method and URL for a defaults
 * object (one per scenario and thread) and shared by its VUs: the same spec object is sent each
 * time, so its HTTP/1.1 serialisation is cached too (`request-head.ts`). Specs are never mutated
 * after they are built; a request that needs a cookie header is prepared afresh.
 */
const plainCaches = new WeakMap<HttpClientDefaults, PreparedCache>();
/**
 * The same for a frozen options object (declarative steps pass one per step): frozen options are
 * taken as immutable, so the requests built from them are too. Per defaults object, then per
 * options object (a flow's step may run in scenarios with different defaults).
 */
const frozenCaches = new WeakMap<HttpClientDefaults, WeakMap<RequestOptions, PreparedCache>>();
const PLAIN_CACHE_MAX = 1000;

export class ScriptHttpClient implements HttpClient {
  /** Made when the script touches `http.cookies` or a response sets a cookie. */
  private jar: VuCookieJar | undefined = undefined;
  /** Resolved URLs of plain string targets (most scripts use a handful of paths). */
  private readonly urls: Map<string, URL>;
  /** Method → URL text → prepared request, for requests without options (shared per scenario and thread). */
  private readonly plain: Map<string, Map<string, Prepared>>;
  /**
   * The connection once asked for: a field read per request instead of the VU's client lookup.
   * The VU keeps the same connection object for its life (closing it only makes it reconnect).
   */
  private connection: HttpConnection | undefined;

  constructor(
    /** The VU's connection, made on its first request (a VU that sends none opens nothing). */
    private readonly conn: () => HttpConnection,
    private readonly defaults: HttpClientDefaults,
    private readonly recorder: ResponseRecorder,
  ) {
    this.urls = kept(urlCaches, defaults, () => new Map());
    this.plain = kept(plainCaches, defaults, () => new Map());
  }

  get cookies(): CookieJarApi {
    return (this.jar ??= new VuCookieJar());
  }

  url(strings: TemplateStringsArray, ...values: unknown[]): UrlTemplate {
    let url = strings[0] ?? '';
    let name = url;
    for (let i = 0; i < values.length; i++) {
      url += encodeURIComponent(String(values[i])) + (strings[i + 1] ?? '');
      name += '${}' + (strings[i + 1] ?? '');
    }
    return new Template(url, templateName(name));
  }

  private resolve(text: string): URL {
    let u = this.urls.get(text);
    if (!u) {
      try {
        u = this.defaults.baseUrl ? new URL(text, this.defaults.baseUrl) : new URL(text);
      } catch {
        throw new TypeError(
          this.defaults.baseUrl
            ? `${JSON.stringify(text)} is not a URL`
            : `${JSON.stringify(text)} is not an absolute URL and the test has no baseUrl`,
        );
      }
      if (this.urls.size < URL_CACHE_MAX) this.urls.set(text, u);
    }
    return u;
  }

  async request(method: string, target: RequestTarget, options?: RequestOptions): Promise<ScriptResponse> {
    this.recorder.assertRunning();
    const p =
      typeof target !== 'string'
        ? this.prepare(method, target, options ?? {})
        : options === undefined
          ? this.prepareCached(this.plain, method, target, {})
          : Object.isFrozen(options)
            ? this.prepareCached(
                kept(
                  kept(frozenCaches, this.defaults, () => new WeakMap()),
                  options,
                  () => new Map(),
                ),
                method,
                target,
                options,
              )
            : this.prepare(method, target, options);
    const res = await (this.connection ??= this.conn()).request(p.spec);
    this.recorder.assertRunning();
    return this.finish(p, res);
  }

  async batch(requests: readonly BatchRequest[]): Promise<ScriptResponse[]>;
  async batch(requests: Readonly<Record<string, BatchRequest>>): Promise<Record<string, ScriptResponse>>;
  async batch(
    requests: readonly BatchRequest[] | Readonly<Record<string, BatchRequest>>,
  ): Promise<ScriptResponse[] | Record<string, ScriptResponse>> {
    this.recorder.assertRunning();
    const keyed = !Array.isArray(requests);
    if (keyed && !isObj(requests))
      throw new TypeError('http.batch(requests): give an array of requests or an object of named requests');
    const entries: [string, BatchRequest][] = keyed
      ? Object.entries(requests as Readonly<Record<string, BatchRequest>>)
      : (requests as readonly BatchRequest[]).map((r, i) => [String(i), r]);
    // Every request is built before any is sent: a bad one throws with nothing on the wire.
    const prepared = entries.map(([key, r]) => {
      try {
        return this.prepareBatchItem(r);
      } catch (err) {
        (err as Error).message =
          `http.batch: request ${keyed ? JSON.stringify(key) : key}: ${(err as Error).message}`;
        throw err;
      }
    });
    const out: ScriptResponse[] = new Array<ScriptResponse>(prepared.length);
    await sendBatch(
      (this.connection ??= this.conn()),
      prepared.map((p) => p.spec),
      this.defaults.batchPerHost,
      (i, res) => {
        // A VU cut off mid-batch records nothing more (the throw ends the batch).
        this.recorder.assertRunning();
        out[i] = this.finish(prepared[i] as Prepared, res);
      },
    );
    this.recorder.assertRunning();
    if (!keyed) return out;
    return Object.fromEntries(entries.map(([key], i) => [key, out[i] as ScriptResponse]));
  }

  file(data: string | Uint8Array | ArrayBuffer, filename?: string, contentType?: string): FileData {
    return file(data, filename, contentType);
  }

  private prepareBatchItem(r: BatchRequest): Prepared {
    if (Array.isArray(r)) {
      const [method, url, options] = r as [string, RequestTarget, RequestOptions?];
      if (typeof method !== 'string') throw new TypeError('[method, url, options?]: method must be a string');
      return this.prepare(method, url, options ?? {});
    }
    if (isObj(r) && !(r instanceof URL) && 'url' in r && !isTemplate(r as RequestTarget)) {
      const o = r as { method?: string; url: RequestTarget; options?: RequestOptions };
      return this.prepare(o.method ?? 'GET', o.url, o.options ?? {});
    }
    return this.prepare('GET', r as RequestTarget, {});
  }

  /** `prepare(method, text, options)` from `cache`, unless the jar has a cookie for the URL. */
  private prepareCached(
    cache: Map<string, Map<string, Prepared>>,
    method: string,
    text: string,
    options: RequestOptions,
  ): Prepared {
    let byUrl = cache.get(method);
    if (byUrl === undefined) {
      byUrl = new Map();
      cache.set(method, byUrl);
    }
    let p = byUrl.get(text);
    if (p === undefined) {
      p = this.prepare(method, text, options);
      if (p.spec.headers.cookie !== undefined) return p;
      if (byUrl.size < PLAIN_CACHE_MAX) byUrl.set(text, p);
      return p;
    }
    if (this.defaults.cookies && this.jar !== undefined && this.jar.get(p.spec.url.href) !== '')
      return this.prepare(method, text, options);
    return p;
  }

  /** Everything about a request that does not need the network: URL, name, headers, body. */
  private prepare(method: string, target: RequestTarget, options: RequestOptions): Prepared {
    method = method.toUpperCase();
    let name: string | undefined;
    let url: URL;
    if (isTemplate(target)) {
      url = this.resolve(target.url);
      name = `${method} ${target.name}`;
    } else if (target instanceof URL) {
      url = target;
    } else {
      let text = String(target);
      if (options.params) {
        const params = options.params;
        name = `${method} ${templateName(text)}`;
        text = text.replace(PARAM, (whole, key: string) =>
          key in params ? encodeURIComponent(String(params[key])) : whole,
        );
        url = new URL(text, this.defaults.baseUrl);
      } else {
        url = this.resolve(text);
      }
    }
    if (options.query) {
      url = new URL(url);
      for (const [k, v] of Object.entries(options.query))
        if (v !== undefined) url.searchParams.append(k, String(v));
    }
    if (options.name !== undefined)
      name = options.name.startsWith('/') ? `${method} ${options.name}` : options.name;
    name ??= endpointName(method, url);

    const headers: Record<string, string> = { ...this.defaults.headers };
    let body: Buffer | undefined;
    if (options.json !== undefined) {
      body = Buffer.from(JSON.stringify(options.json));
      headers['content-type'] = 'application/json';
    } else if (options.form !== undefined) {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(options.form)) form.append(k, String(v));
      body = Buffer.from(form.toString());
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (options.multipart !== undefined) {
      if (!isObj(options.multipart))
        throw new TypeError(
          'multipart: give an object of fields, e.g. { note: "hi", upload: http.file(bytes, "a.txt") }',
        );
      const m = encodeMultipart(options.multipart);
      body = m.body;
      headers['content-type'] = m.contentType;
    } else if (options.body !== undefined) {
      body = typeof options.body === 'string' ? Buffer.from(options.body) : Buffer.from(options.body);
    }
    if (options.compression !== undefined) {
      if (!REQUEST_COMPRESSIONS.includes(options.compression))
        throw new TypeError(
          `compression: ${JSON.stringify(options.compression)} is not ${REQUEST_COMPRESSIONS.map((c) => `'${c}'`).join(', ')}`,
        );
      if (body !== undefined) {
        body = encodeBody(body, options.compression);
        headers['content-encoding'] = options.compression;
      }
    }
    if (options.headers) Object.assign(headers, options.headers);
    if (this.defaults.cookies) {
      const cookie = this.jar?.get(url.href) ?? '';
      if (cookie) headers.cookie = headers.cookie ? `${headers.cookie}; ${cookie}` : cookie;
    }
    const max = options.maxResponseBytes;
    if (max !== undefined && !(Number.isSafeInteger(max) && max >= 0))
      throw new TypeError(`maxResponseBytes: ${JSON.stringify(max)} is not an integer >= 0`);
    const rt = options.responseType;
    if (rt !== undefined && rt !== 'none' && rt !== 'text' && rt !== 'binary')
      throw new TypeError(`responseType: ${JSON.stringify(rt)} is not 'none', 'text' or 'binary'`);
    const expected =
      options.expectedStatuses === undefined ? undefined : expectedStatusesOf(options.expectedStatuses);
    return {
      spec: {
        method,
        url,
        headers,
        body,
        timeoutMs: timeoutMs(options.timeout, this.defaults.timeoutMs),
        maxRedirects: options.redirects ?? this.defaults.maxRedirects,
        discardBody: rt === undefined ? this.defaults.discardBodies : rt === 'none',
        maxBodyBytes: max ?? this.defaults.maxResponseBytes,
      },
      method,
      name,
      tags: options.tags,
      expected,
    };
  }

  /** Records a response, keeps its cookies and wraps it for the script. */
  private finish(p: Prepared, res: HttpResponse): ScriptResponse {
    this.recorder.record(res, p.method, p.name, p.tags, p.expected);
    const url = p.spec.url;
    if (this.defaults.cookies && res.status > 0) {
      const setCookie = setCookieOf(res);
      if (setCookie !== undefined) (this.jar ??= new VuCookieJar()).store(url.href, setCookie);
    }
    return new VolleyScriptResponse(
      res,
      p.method,
      url.href,
      p.name,
      p.expected ?? this.defaults.expected,
      p.spec.maxBodyBytes ?? 0,
    );
  }

  get(url: RequestTarget, options?: RequestOptions): Promise<ScriptResponse> {
    return this.request('GET', url, options);
  }
  head(url: RequestTarget, options?: RequestOptions): Promise<ScriptResponse> {
    return this.request('HEAD', url, options);
  }
  delete(url: RequestTarget, options?: RequestOptions): Promise<ScriptResponse> {
    return this.request('DELETE', url, options);
  }
  options(url: RequestTarget, options?: RequestOptions): Promise<ScriptResponse> {
    return this.request('OPTIONS', url, options);
  }
  post(url: RequestTarget, options?: RequestOptions): Promise<ScriptResponse> {
    return this.request('POST', url, options);
  }
  put(url: RequestTarget, options?: RequestOptions): Promise<ScriptResponse> {
    return this.request('PUT', url, options);
  }
  patch(url: RequestTarget, options?: RequestOptions): Promise<ScriptResponse> {
    return this.request('PATCH', url, options);
  }
}
