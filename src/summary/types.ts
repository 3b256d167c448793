/**
 * Shapes of the summary model that other layers store, stream and serve: the per-second chart
 * point, the run verdict and a live threshold result. src/store/types.ts re-exports them, so the
 * API's wire types (src/server/wire.ts) keep one definition.
 */
import type { LatencyStats } from '../metrics/summary-values.js';

/** `error`: the run did not do what it planned (a worker crashed, hung or was terminated; arrivals went missing). */
export type Verdict = 'passed' | 'failed' | 'aborted' | 'error';

/** A threshold as evaluated live, once a second (`hello` and `thresholds` live messages). */
export interface LiveThreshold {
  key: string;
  source: string;
  ok: boolean;
  /** Full precision; null when the metric had no samples. */
  actual: number | null;
  /** Why a threshold fails without a value (e.g. a monitor metric with no samples). */
  reason?: string;
}

/** One second of a run, compact (`GET /api/runs/:id/series`, live `snapshot` messages). */
export interface SeriesPoint {
  second: number;
  time: string;
  requests: number;
  failures: number;
  iterations: number;
  dropped: number;
  vus: number;
  /** The protocols' headline duration during this second, in ms (every protocol's, merged). */
  latency: LatencyStats;
  /**
   * Each protocol's own figures this second, only when the run speaks more than one protocol
   * (the charts draw a series per protocol then).
   */
  protocols?: ProtocolPoint[];
  /** Generator process CPU, percent of one core. */
  cpuPercent: number;
  rssMB: number;
  saturated: boolean;
}

/** One protocol's share of a second (SeriesPoint.protocols). */
export interface ProtocolPoint {
  protocol: string;
  requests: number;
  failures: number;
  latency: LatencyStats;
}

/** Exceptions in script code, per scenario and message, with the first stack seen (the summary's `scriptErrors`). */
export interface ScriptErrorEntry {
  scenario: string;
  message: string;
  /** The user's frames (volley's own and Node's internals removed). */
  stack: string;
  count: number;
}
