/** Messages between the main thread and worker threads (and, later, agents). Versioned. */
import type { QuickRequest, ScriptAttachment } from '../config/types.js';
import type { ScriptErrorEntry } from '../script/error-log.js';
import type { Fraction } from './segments.js';
import type { ControlChange, NormalizedScenario } from '../executors/types.js';
import type { SeriesPoint } from '../metrics/wire.js';

export const WORKER_PROTOCOL_VERSION = 2;

export interface WorkerInit {
  protocol: number;
  workerIndex: number;
  segmentBoundaries: Fraction[];
  segmentIndex: number;
  scenarios: NormalizedScenario[];
  request: QuickRequest | undefined;
  /** Script mode: the test file to load (then `request` is undefined). */
  script: ScriptAttachment | undefined;
  http: { fastPath: boolean; insecureSkipTLSVerify: boolean };
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

export type WorkerToMain =
  | { type: 'ready' }
  | { type: 'flush'; second: number; points: SeriesPoint[]; health: WorkerHealth; errors: ScriptErrorEntry[] }
  | { type: 'done'; second: number; points: SeriesPoint[]; health: WorkerHealth; errors: ScriptErrorEntry[] }
  | { type: 'fatal'; message: string };
