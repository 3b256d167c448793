/** Messages between the main thread and worker threads (and, later, agents). Versioned. */
import type { ScriptAttachment } from '../config/types.js';
import type { QuickPlan } from '../protocols/module.js';
import type { ScriptErrorEntry } from '../script/error-log.js';
import type { Fraction } from './segments.js';
import type { ControlChange, NormalizedScenario } from '../executors/types.js';
import type { SeriesPoint } from '../metrics/wire.js';

export const WORKER_PROTOCOL_VERSION = 4;

export interface WorkerInit {
  protocol: number;
  workerIndex: number;
  segmentBoundaries: Fraction[];
  segmentIndex: number;
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
  /** Event-loop utilisation over the interval, 0..1: the share of time the worker's thread was busy. */
  elu: number;
  /** Event-loop delay over the interval, ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  heapUsedMB: number;
}

export type MainToWorker =
  | { type: 'start'; runStartAtMs: number }
  | { type: 'stop'; graceMs: number }
  | { type: 'control'; scenario: string; change: ControlChange };

/** Requests sent and not yet answered at the moment of a flush, and how long the oldest has waited. */
export interface WorkerInflight {
  requests: number;
  oldestAgeMs: number;
}

/** One second's report from a worker (and the final one, `done`). */
export interface WorkerFlush {
  second: number;
  points: SeriesPoint[];
  health: WorkerHealth;
  errors: ScriptErrorEntry[];
  /** Iterations started since the previous flush, per scenario (exact, counted at each start). */
  started: Record<string, number>;
  inflight: WorkerInflight;
}

export type WorkerToMain =
  | { type: 'ready' }
  | ({ type: 'flush' } & WorkerFlush)
  | ({ type: 'done' } & WorkerFlush)
  | { type: 'fatal'; message: string }
  /** Script code called process.exit (refused: an iteration error); sent once per worker. */
  | { type: 'exit-refused'; code: string };
