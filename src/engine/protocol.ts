/**
 * What crosses the generator boundary (src/engine/generator.ts): the spec a generator runs and the
 * reports it sends back. Versioned; plain data that could travel as JSON (see `encodeSpec`).
 */
import type { ScriptAttachment } from '../config/types.js';
import type { QuickPlan } from '../protocols/module.js';
import type { ScriptErrorEntry } from '../script/error-log.js';
import type { Fraction } from '../executors/segments.js';
import type { NormalizedScenario } from '../executors/types.js';
import type { SeriesPoint } from '../metrics/wire.js';

export const GENERATOR_PROTOCOL_VERSION = 6;

/** Everything a generator needs to run its segment of the test, self-contained. */
export interface GeneratorSpec {
  protocol: number;
  /** The generator's index in the run (messages call it `worker <index>`). */
  workerIndex: number;
  /**
   * The run's unit segments (one per unit of weight over all generators: a thread is one unit, an
   * agent as many as its threads). The generator owns `segmentCount` consecutive units from
   * `segmentIndex`; a thread owns exactly one, an agent deals its units out to its own threads.
   */
  segmentBoundaries: Fraction[];
  segmentIndex: number;
  segmentCount: number;
  scenarios: NormalizedScenario[];
  /** Quick mode: the protocol module and its request (script mode: undefined). */
  quick: QuickPlan | undefined;
  /** Script mode: the test file to load (then `quick` is undefined). */
  script: ScriptAttachment | undefined;
  /** Each protocol module's options, by module name (plain data). */
  protocols: Record<string, unknown>;
  tags: Record<string, string>;
  maxEndpoints: number;
  preciseSchedule: boolean;
}

export interface WorkerHealth {
  /** Event-loop utilisation over the interval, 0..1: the share of time the generator's event loop was busy. */
  elu: number;
  /** Event-loop delay over the interval, ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  heapUsedMB: number;
}

/**
 * A live change of an externally-controlled scenario (global numbers: each generator takes its
 * segment's share), applied `atRunMs` after the run's start on every generator's own clock.
 */
export interface GeneratorControl {
  vus?: number;
  ratePerSec?: number;
  atRunMs: number;
}

/** Requests sent and not yet answered at the moment of a flush, and how long the oldest has waited. */
export interface WorkerInflight {
  requests: number;
  oldestAgeMs: number;
}

/** One second's report from a generator (and the final one, `done`). */
export interface WorkerFlush {
  /** Seconds since the run's start: no clock in it. */
  second: number;
  points: SeriesPoint[];
  health: WorkerHealth;
  errors: ScriptErrorEntry[];
  /** Iterations started since the previous flush, per scenario (exact, counted at each start). */
  started: Record<string, number>;
  inflight: WorkerInflight;
}
