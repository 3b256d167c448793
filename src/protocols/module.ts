/**
 * A protocol module: everything volley knows about one protocol (HTTP today; gRPC and WebSocket
 * next), behind one interface, so the engine runs VUs without naming any protocol.
 *
 * Modelled on k6's `modules.Module` (a module gives each VU its own instance, whose exports are
 * the script's API object: `ctx.http`, later `ctx.grpc`, `ctx.ws`) and on undici's `Dispatcher`
 * (a client per connection owner, closed by its owner). A module:
 * - names its metrics and which of them are its headline count / failures / duration (the
 *   snapshot's requests, failures, latency and the endpoint table read those);
 * - declares its options (a JSON-schema fragment, defaults, a validator) and reads them from
 *   the engine config;
 * - in each worker, gives per-VU clients (created on a VU's first use, never at VU creation),
 *   quick mode's iteration and the script API object that reaches the VU's client;
 * - can preflight a target, and can add declarative step kinds.
 */
import type { Problem } from '../config/problems.js';
import type { TestConfig } from '../config/types.js';
import type { HeadlineMetrics, MetricDefinition } from '../metrics/definitions.js';
import type { MetricSink } from '../metrics/sink.js';

/** A JSON-schema fragment (draft 2020-12 keywords), as plain data. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** One VU's connection state for a protocol; closed when the VU retires or is interrupted. */
export interface ProtocolClient {
  /** Closes every socket the client holds; idempotent, and the client may be used again after. */
  close(): void;
}

/** What a module gets from the worker it runs in. */
export interface ProtocolEnvironment {
  /** Where samples go. */
  sink: MetricSink;
  /**
   * Wraps a request's promise so the worker can report requests sent and not answered yet (a
   * target that hangs shows as a growing in-flight count, not as a quiet 0 req/s).
   */
  track<T>(request: Promise<T>): Promise<T>;
  /** Cap on distinct endpoint names per worker; names beyond it share an `other` series. */
  maxEndpoints: number;
}

/** What the VU running an iteration exposes to a module's code. */
export interface VuState {
  /** Set once a hard stop cut the VU off: its results are not recorded. */
  readonly interrupted: boolean;
}

/**
 * One quick-mode iteration on a VU's client; resolves to the think time (ms) after it.
 * `iteration`: the iteration's number, unique across the test for its scenario (templates use it).
 */
export type QuickIteration<Client> = (client: Client, vu: VuState, iteration: number) => Promise<number>;

/** A stand-in target for quick mode's warm-up (see `ModuleWorker.quickRehearsal`). */
export interface QuickRehearsal<Client extends ProtocolClient = ProtocolClient> {
  /** A client for one rehearsing VU: it sends the quick request unchanged, to the stand-in. */
  createClient(): Client;
  close(): Promise<void>;
}

/** The recording scope of a script VU: its current tags (scenario, group) and their cache key. */
export interface VuScope {
  readonly tags: Readonly<Record<string, string>>;
  readonly key: string;
  /** Throws once the VU was cut off by a hard stop: its code must unwind, not reconnect. */
  assertRunning(): void;
}

/** What a module's script API gets once per scenario in a worker. */
export interface ScriptScenarioEnvironment {
  scenario: string;
  /** The test definition the script exported (each module reads its own part, e.g. `http`). */
  definition: Readonly<Record<string, unknown>>;
}

/** A module's share of one worker: bound to the module's options and the worker's sink. */
export interface ModuleWorker<Client extends ProtocolClient> {
  /** A new client for one VU. Called on the VU's first use of the protocol, not before. */
  createClient(): Client;
  /** Quick mode: the iteration that sends `request` (the module's own quick request shape). */
  quickIteration?(request: unknown, tags: Readonly<Record<string, string>>): QuickIteration<Client>;
  /**
   * Quick mode, before the run's start instant: opens the connection `request` will use on
   * `client`, sending nothing and recording nothing. Resolves when it is open or has failed.
   */
  quickConnect?(request: unknown, client: Client): Promise<void>;
  /**
   * Quick mode, before the run's start instant: a stand-in for the target on loopback and clients
   * that send `request` to it, so the worker can run its request path hot (JIT) without sending
   * anything to the target; the caller drops whatever that records. Undefined: no rehearsal.
   */
  quickRehearsal?(request: unknown): Promise<QuickRehearsal<Client> | undefined>;
  /**
   * Script mode, once per scenario: makes a VU's API object (`ctx[module.name]`) when the VU is
   * created. The API must stay cheap: it asks `client()` for the VU's client on first use only.
   */
  scriptApi?(env: ScriptScenarioEnvironment): (client: () => Client, scope: VuScope) => unknown;
}

/** How a module's options are declared, defaulted and checked. */
export interface ModuleOptions<Options> {
  /** The options' JSON-schema fragment (an object schema), for docs and the definition schema. */
  schema: JsonSchema;
  defaults: Options;
  /** Every problem with a user's value at once; `path` prefixes each problem's path. */
  validate(value: unknown, path: string): Problem[];
  /** The module's options for a run, from the engine config (defaults where the config is silent). */
  fromConfig(config: TestConfig): Options;
}

/** How a value in a declarative step is compiled: fixed when the file loads, or computed per run. */
export type StepValue<Ctx> = { fixed: true; value: unknown } | { fixed: false; get: (ctx: Ctx) => unknown };

/** The declarative compiler's tools a step kind builds its step with. */
export interface StepCompiler<Ctx> {
  /** A string with `{{ }}` templates (`keepType`: a lone template keeps its value's type). */
  string(source: string, path: readonly (string | number)[], keepType: boolean): StepValue<Ctx>;
  /** A JSON value with templates in its string leaves. */
  tree(value: unknown, path: readonly (string | number)[], keepType: boolean): StepValue<Ctx>;
  /** The endpoint name of a string with templates in its path (`/api/users/${}`), if it has any. */
  templateName(source: string): string | undefined;
  /** `FILE:LINE:COL` of a step (or the file and dotted path): run-time errors name the step with it. */
  where(path: readonly (string | number)[]): string;
  /** The error a flow throws at run time (a failed capture), as the declarative layer reports it. */
  flowError(message: string): Error;
}

/** A declarative step kind a module adds: a step `{ <key>: …, … }` is this kind's. */
export interface StepKind {
  /** The step's identifying key, e.g. `get`. */
  key: string;
  /** The JSON-schema fragment of the key's value. */
  schema: JsonSchema;
  /**
   * Compiles one step into what a VU runs. `Ctx` is the VU context (`ctx[module.name]` is the
   * module's script API), typed by the caller.
   */
  compile<Ctx>(
    step: Readonly<Record<string, unknown>>,
    path: readonly (string | number)[],
    compiler: StepCompiler<Ctx>,
  ): (ctx: Ctx) => Promise<void>;
}

/** A module of any option and client types: what the registry holds side by side. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- modules differ in options and clients; each is typed where it is defined
export type AnyProtocolModule = ProtocolModule<any, any>;

/** What quick mode sends, in the form a worker receives: the module picks its own request shape. */
export interface QuickPlan {
  /** The module's name. */
  protocol: string;
  /** The module's quick request (plain data: it crosses to the workers). */
  request: unknown;
}

export interface ProtocolModule<Options, Client extends ProtocolClient> {
  /** Also the module's key on the script context (`ctx.http`) and in WorkerInit's options. */
  readonly name: string;
  /**
   * URL schemes (`ws:`) whose quick-mode URL this module runs (protocolForUrl); a module without
   * schemes takes quick mode only when its quickRequest says so.
   */
  readonly schemes?: readonly string[];
  /** Metrics the module records (registered with the metrics layer when the registry loads). */
  readonly metrics: readonly MetricDefinition[];
  /** Which of them the live view and endpoint table read. */
  readonly headline: HeadlineMetrics;
  readonly options: ModuleOptions<Options>;
  /** Quick mode: the module's request in `config`, when quick mode runs this module. */
  quickRequest?(config: TestConfig): unknown;
  /**
   * Loads what the module's clients will need (libraries) before the run, so it costs nothing in
   * a request's time. `quick`: the quick request this worker sends, if any.
   */
  prepare?(options: Options, use: { quick: unknown; script: boolean }): void;
  /** This module's share of one worker thread. */
  worker(options: Options, env: ProtocolEnvironment): ModuleWorker<Client>;
  /** Before any load: can the target be reached? Rejects with a VolleyError saying why not. */
  preflight?(target: URL, options: Options, timeoutMs: number): Promise<void>;
  /** Declarative step kinds (HTTP: get, post, …). */
  readonly steps?: readonly StepKind[];
}
