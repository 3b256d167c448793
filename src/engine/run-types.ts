/**
 * The shapes of a run that its parts share — the facade (run.ts), the coordinator, the metrics
 * engine and generator health — and that the layers above consume (listeners, results).
 */
import type { ExecutorPlan, NormalizedScenario } from '../executors/types.js';
import type { Aggregator } from '../metrics/aggregator.js';
import type { SeriesPoint } from '../metrics/wire.js';
import type { ScriptErrorEntry } from '../script/error-log.js';
import type { ThresholdResult } from '../thresholds/evaluate.js';
import type { GeneratorSummary } from '../summary/input.js';
import type { Snapshot } from './snapshot.js';
import type { GeneratorReport } from './coordinator.js';

export type AbortReason = 'signal' | 'threshold' | 'api';

export type { PreparedTest } from '../loader/prepare.js';
// The generator's health over the run is part of the summary model; the engine fills it in.
export type { GeneratorSummary } from '../summary/input.js';

export interface RunResult {
  runId: string;
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
  aggregator: Aggregator;
  thresholds: ThresholdResult[];
  aborted: { reason: AbortReason; detail: string } | undefined;
  generator: GeneratorSummary;
  /** Problems in workers (a crashed worker); the run still returns what every worker measured. */
  workerErrors: string[];
  /**
   * Why the run did not do what it planned (a worker that died, hung or was terminated, an engine
   * failure in a worker): each names the worker, its segment and the seconds lost. Never passes.
   */
  runErrors: string[];
  /** Iterations started per scenario, counted at each start in the workers (exact). */
  started: Record<string, number>;
  /** Exceptions thrown by script code, per scenario and message (the run went on). */
  scriptErrors: ScriptErrorEntry[];
  plans: { scenario: NormalizedScenario; plan: ExecutorPlan }[];
  /** Every second's snapshot, without the per-endpoint lists (for analysis: knee, bottlenecks). */
  timeline: Snapshot[];
  /** Each generator's part: segment, share, finished or lost (the summary lists remote ones). */
  generators: GeneratorReport[];
}

export interface RunStartInfo {
  runId: string;
  workers: number;
  startedAt: Date;
  plans: { scenario: NormalizedScenario; plan: ExecutorPlan }[];
  /** Longest planned time including graceful stops. */
  maxDurationMs: number;
  /** Planned time without graceful stops. */
  plannedDurationMs: number;
}

/**
 * A source of measurements taken outside the workers (a monitored process, a Prometheus scrape),
 * asked once per run second, near its end. It answers synchronously with its latest reading, as
 * metric points for that second (trends and gauges like any other metric), or nothing.
 */
export interface Sampler {
  readonly name: string;
  sample(second: number): SeriesPoint[];
  /** Called once when the run ends. */
  close?(): void | Promise<void>;
}

export interface RunListener {
  onStart?(info: RunStartInfo): void;
  onSnapshot?(s: Snapshot): void;
  onThresholds?(results: ThresholdResult[]): void;
  onEnd?(result: RunResult): void | Promise<void>;
}
