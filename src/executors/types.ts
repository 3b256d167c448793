/**
 * The two halves of an executor (k6's shape). The config half is pure: validate (every error at
 * once), normalise, plan, split by segment. The runtime half schedules iterations on VUs until its
 * stop condition, with the engine supplying VUs, the iteration function and the clock.
 */
import type { Problem } from '../config/problems.js';
import type { ScenarioConfig } from '../config/types.js';
import type { ExecutionSegment } from './segments.js';

/** Normalised scenario: durations in ms, defaults filled. Which fields are set depends on the executor. */
export interface NormalizedScenario {
  name: string;
  executor: string;
  startTimeMs: number;
  gracefulStopMs: number;
  tags: Record<string, string>;
  exec: string | undefined;
  vus: number;
  durationMs: number;
  iterations: number;
  maxDurationMs: number;
  startVUs: number;
  stages: { durationMs: number; target: number }[];
  gracefulRampDownMs: number;
  /** Arrivals per timeUnit. */
  rate: number;
  startRate: number;
  timeUnitMs: number;
  preAllocatedVUs: number;
  maxVUs: number;
  maxQueue: number;
}

export interface PlanStep {
  /** Offset from the scenario's start. */
  atMs: number;
  vus?: number;
  /** Arrivals per second. */
  ratePerSec?: number;
}

export interface ExecutorPlan {
  /** Time during which iterations start (excludes graceful stop). */
  durationMs: number;
  /** Upper bound of the scenario's run time including graceful stop. */
  maxDurationMs: number;
  /** Most VUs the scenario can hold at once. */
  maxVUs: number;
  /** Planned total iterations when fixed by config (iteration and arrival executors), else undefined. */
  plannedIterations: number | undefined;
  steps: PlanStep[];
  openLoop: boolean;
}

/** One VU as the executors see it. */
export interface Vu {
  readonly id: number;
  /** Set when the VU was cut off by a hard stop: its remaining samples are discarded. */
  interrupted: boolean;
}

export interface IterationInfo {
  /** Unique across the whole test (all workers and segments), per scenario. */
  iteration: number;
  /** Open loop: when the arrival was due (clock ms). */
  intendedAtMs?: number;
}

/** Live control of externally-controlled scenarios. */
export interface ControlChange {
  vus?: number;
  ratePerSec?: number;
  /** Clock time at which every worker applies the change, so their schedules stay identical. */
  atMs: number;
}

export interface StopSignal {
  /** No iteration may start at or after this clock time. */
  readonly endAtMs: number;
  /** In-flight iterations are interrupted at this clock time. */
  readonly hardAtMs: number;
  /** Resolves when hardAtMs is reached (follows changes). */
  untilHard(): Promise<void>;
  /** Subscribe to the stop being moved earlier (external stop). */
  onChange(cb: () => void): void;
}

/** An opaque handle of a scheduled callback. */
export type TimerHandle = object | number;

/**
 * The timers a runtime half waits with. The engine passes none and gets Node's (`realTimers`);
 * unit tests pass a fake clock's, so a schedule is checked in fake time whatever the machine's speed.
 */
export interface Timers {
  /** Runs `fn` after `ms` (never early). */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(h: TimerHandle): void;
  /** Runs `fn` on the next turn of the event loop, after pending I/O. */
  setImmediate(fn: () => void): TimerHandle;
  clearImmediate(h: TimerHandle): void;
  /** The timer does not keep the process alive. */
  unref(h: TimerHandle): void;
}

export interface ExecutorContext {
  scenario: NormalizedScenario;
  segment: ExecutionSegment;
  /** Clock time (ms) at which the scenario starts. */
  startAtMs: number;
  now(): number;
  stop: StopSignal;
  newVu(): Vu;
  /** Closes a VU (runs its teardown hooks). */
  retireVu(vu: Vu): void;
  /** Interrupts a VU: aborts its in-flight requests and marks it interrupted. */
  interruptVu(vu: Vu): void;
  runIteration(vu: Vu, info: IterationInfo): Promise<void>;
  /** Counters the runtimes own. */
  dropped(n: number): void;
  scheduleLagUs(us: number): void;
  setActiveVus(active: number, allocated: number): void;
  onControl(cb: (c: ControlChange) => void): void;
  /** Open loop: poll for sub-millisecond dispatch instead of 1 ms timer granularity. */
  preciseSchedule: boolean;
  /** The timers matching `now()`; Node's when absent (runtime/timers.ts). */
  timers?: Timers;
}

/**
 * The config half of an executor: pure functions of the scenario as written or normalised, no
 * timers, no VUs. What `volley inspect`, the planner, the segment split and validation use.
 */
export interface ExecutorConfig {
  name: string;
  description: string;
  /** Fields this executor accepts, besides the common ones. */
  fields: readonly (keyof ScenarioConfig)[];
  /** Every problem with the scenario, each at its field's path under `path` (e.g. `scenarios.load`). */
  validate(s: ScenarioConfig, path: string): Problem[];
  normalize(name: string, s: ScenarioConfig): NormalizedScenario;
  plan(s: NormalizedScenario): ExecutorPlan;
  /** The part of the scenario this segment runs (VU counts, iterations, queue scaled exactly). */
  split(s: NormalizedScenario, segment: ExecutionSegment): NormalizedScenario;
}

/** The runtime half: starts iterations on VUs over the context until the scenario's stop. */
export type ExecutorRuntime = (ctx: ExecutorContext) => Promise<void>;

/** Both halves, as the registry holds them. */
export interface ExecutorDefinition extends ExecutorConfig {
  run: ExecutorRuntime;
}
