/**
 * The types of volley's script API (`import { defineTest, … } from 'volley'`). A test definition
 * is plain data plus functions: the main thread reads its data half (scenarios, thresholds) to
 * plan, and every worker imports the same module to get the functions its VUs call.
 */
import type { ScenarioConfig, StageConfig, ThresholdSpec } from '../config/types.js';

/** Seconds, as in Locust's `wait_time`. `between(1, 3)`, `constant(2)`, `pacing(5)`. */
export type WaitSpec =
  | { kind: 'between'; min: number; max: number }
  | { kind: 'constant'; seconds: number }
  /** Start-to-start interval: waits whatever is left of `seconds` after the task (Locust `constant_pacing`). */
  | { kind: 'pacing'; seconds: number };

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

/** A check's predicate; one that throws counts as failed. */
export type CheckFn<T> = (value: T) => boolean;
export type CheckSet<T> = Record<string, CheckFn<T>>;

/** What every VU function receives. One object per VU, reused across its iterations. */
export interface VuContext<State extends object = Record<string, unknown>, SetupData = unknown> {
  readonly http: HttpClient;
  /** VU id, unique across the test (all workers and agents), from 1. */
  readonly vu: number;
  /** Iteration number, unique across the whole test for this scenario (all workers and segments), from 0. */
  readonly iteration: number;
  /** Iterations this VU has started so far in this scenario (0 during the first). */
  readonly vuIteration: number;
  readonly scenario: string;
  /** The `users` entry this VU plays, when the scenario runs a user. */
  readonly user: string | undefined;
  /** Per-VU state: kept from `onStart` through every task to `onStop`. */
  state: State;
  /** What `setup()` returned (structured-cloned into every worker). */
  readonly data: SetupData;
  /** Runs every predicate, records each in the `checks` metric (tag `check`), returns whether all passed. */
  check<T>(value: T, checks: CheckSet<T>, tags?: Record<string, string>): boolean;
  /** Runs `fn` with its samples tagged `group` (nested: `::outer::inner`), and records `group_duration`. */
  group<R>(name: string, fn: () => R | Promise<R>): Promise<R>;
  /** Sleeps, in seconds (ends early when the scenario stops). */
  sleep(seconds: number): Promise<void>;
}

export type VuFunction<State extends object = Record<string, unknown>, SetupData = unknown> = (
  ctx: VuContext<State, SetupData>,
) => unknown;

export interface TaskDefinition<State extends object = Record<string, unknown>, SetupData = unknown> {
  /** Relative weight (default 1): a task of weight 3 runs three times as often as one of weight 1. */
  weight?: number;
  /** Shown in errors; tags the task's samples as `task`. */
  name?: string;
  run: VuFunction<State, SetupData>;
}

export interface UserDefinition<State extends object = Record<string, unknown>, SetupData = unknown> {
  /** Think time after each task (closed-loop executors; under arrival-rate executors the rate sets the pace). */
  wait?: WaitSpec;
  /** Once per VU, before its first task. */
  onStart?: VuFunction<State, SetupData>;
  /** Once per VU, when it stops (end of the scenario, ramp-down). */
  onStop?: VuFunction<State, SetupData>;
  /** Weighted tasks: each iteration picks one. A bare function has weight 1. */
  tasks: (TaskDefinition<State, SetupData> | VuFunction<State, SetupData>)[];
}

/** A scenario: an executor (k6 fields) and what each iteration does — `exec` or a `user`. */
export interface ScenarioDefinition<SetupData = unknown> extends Omit<ScenarioConfig, 'exec'> {
  /** The iteration: a function, or the name of a function the module exports. */
  exec?: VuFunction<Record<string, unknown>, SetupData> | string;
  /** The name of an entry in `users`. */
  user?: string;
}

export interface HttpDefaults {
  /** Default request timeout (default `'10s'`). */
  timeout?: string | number;
  /** Redirects followed by default (default 0). */
  maxRedirects?: number;
  /** Headers on every request. */
  headers?: Record<string, string>;
  insecureSkipTLSVerify?: boolean;
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

export interface TestDefinition<SetupData = unknown> {
  /** Relative request URLs resolve against it, e.g. `http://127.0.0.1:8117`. */
  baseUrl?: string;
  scenarios: Record<string, ScenarioDefinition<SetupData>>;
  // `any` state: each user declares its own State type; the map cannot name them all.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  users?: Record<string, UserDefinition<any, SetupData>>;
  thresholds?: Record<string, ThresholdSpec[] | ThresholdSpec>;
  /** Runs once in the main thread before any VU starts; its result reaches every VU as `ctx.data`. */
  setup?: (ctx: { http: HttpClient }) => SetupData | Promise<SetupData>;
  /** Runs once after the last VU stopped, with what setup returned. */
  teardown?: (ctx: { http: HttpClient; data: SetupData }) => unknown;
  http?: HttpDefaults;
  /** Tags on every sample. */
  tags?: Record<string, string>;
}

export type { StageConfig, ThresholdSpec };
