/**
 * The types of volley's script API (`import { defineTest, … } from 'volley'`). A test definition
 * is plain data plus functions: the main thread reads its data half (scenarios, thresholds) to
 * plan, and every worker imports the same module to get the functions its VUs call.
 */
import type { MonitorOptions, ScenarioConfig, StageConfig, ThresholdSpec } from '../config/types.js';
import type { GrpcClient } from '../protocols/grpc/api.js';
import type { HttpClient, HttpDefaults } from '../protocols/http/api.js';
import type { WsApi } from '../protocols/ws/api.js';
import type { Summary } from '../summary/summary.js';

/** The end-of-test summary `handleSummary` receives (the JSON summary; docs/output-schema.md). */
export type SummaryData = Summary;

/**
 * `handleSummary(data)`, as in k6: called once in the main thread after the run with the summary.
 * Returns the files to write, path → content; the key `stdout` prints there (replacing the
 * terminal summary), `stderr` likewise.
 */
export type HandleSummary = (data: SummaryData) => Record<string, string> | Promise<Record<string, string>>;

// The HTTP part of the script API (`ctx.http`) belongs to the HTTP protocol module.
export type * from '../protocols/http/api.js';
export type * from '../protocols/grpc/api.js';
// The WebSocket part (`ctx.ws`) belongs to the WebSocket protocol module.
export type * from '../protocols/ws/api.js';

/** Seconds, as in Locust's `wait_time`. `between(1, 3)`, `constant(2)`, `pacing(5)`. */
export type WaitSpec =
  | { kind: 'between'; min: number; max: number }
  | { kind: 'constant'; seconds: number }
  /** Start-to-start interval: waits whatever is left of `seconds` after the task (Locust `constant_pacing`). */
  | { kind: 'pacing'; seconds: number };

/** A check's predicate; one that throws counts as failed. */
export type CheckFn<T> = (value: T) => boolean;
export type CheckSet<T> = Record<string, CheckFn<T>>;

/** What every VU function receives. One object per VU, reused across its iterations. */
export interface VuContext<State extends object = Record<string, unknown>, SetupData = unknown> {
  readonly http: HttpClient;
  /** gRPC calls (`connect`, then `invoke`, `serverStream`, `clientStream`, `bidi`). */
  readonly grpc: GrpcClient;
  /** WebSocket sessions (docs/scripting.md#websocket). */
  readonly ws: WsApi;
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
export interface ScenarioDefinition<
  SetupData = unknown,
  State extends object = Record<string, unknown>,
> extends Omit<ScenarioConfig, 'exec'> {
  /** The iteration: a function, or the name of a function the module exports. */
  exec?: VuFunction<State, SetupData> | string;
  /** The name of an entry in `users`. */
  user?: string;
}

/**
 * `State`: the per-VU `ctx.state` of every `exec`, user hook and task (`defineTest<Data, State>`).
 * Left out, each user may declare its own state type (its functions' annotations decide).
 */
export interface TestDefinition<SetupData = unknown, State extends object = AnyState> {
  /** Relative request URLs resolve against it, e.g. `http://127.0.0.1:8117`. */
  baseUrl?: string;
  scenarios: Record<string, ScenarioDefinition<SetupData, State>>;
  users?: Record<string, UserDefinition<State, SetupData>>;
  thresholds?: Record<string, ThresholdSpec[] | ThresholdSpec>;
  /** Runs once in the main thread before any VU starts; its result reaches every VU as `ctx.data`. */
  setup?: (ctx: { http: HttpClient }) => SetupData | Promise<SetupData>;
  /** Runs once after the last VU stopped, with what setup returned. */
  teardown?: (ctx: { http: HttpClient; data: SetupData }) => unknown;
  http?: HttpDefaults;
  /** Tags on every sample. */
  tags?: Record<string, string>;
  /** Watch the target beside the load (docs/analysis.md): its CPU, memory, fds and sockets as target_* metrics. */
  monitor?: MonitorOptions;
  /** The capacity plan's headroom: `'30%'` (default) or `0.3`. */
  capacityHeadroom?: string | number;
  /** Called once after the run with the summary; returns files to write (k6's handleSummary). */
  handleSummary?: HandleSummary;
}

// Without a State argument, each user declares its own state type: the map cannot name them all.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = any;

export type { MonitorOptions, StageConfig, ThresholdSpec };
