/**
 * What the summary builder reads from a finished run, declared here so that the model imports
 * nothing above it: the engine's RunResult (src/engine/run.ts) and its per-second Snapshot
 * (src/engine/snapshot.ts) satisfy these types structurally, and the compiler checks that at every
 * call of buildSummary. Only the fields the summary, the knee and the bottleneck hints read are named.
 */
import type { ExecutorPlan, NormalizedScenario } from '../executors/types.js';
import type { Aggregator } from '../metrics/aggregator.js';
import type { LatencyStats } from '../metrics/summary-values.js';
import type { ThresholdResult } from '../thresholds/evaluate.js';
import type { ScriptErrorEntry } from './types.js';

/** One second of the run's timeline, as the knee, the bottleneck hints and the chart points read it. */
export interface TimelineSecond {
  /** 0-based run second. */
  second: number;
  time: string;
  requests: number;
  failures: number;
  /** failures / requests in this second. */
  errorRate: number;
  iterations: number;
  dropped: number;
  vus: number;
  /** The headline request duration during this second, in ms. */
  latency: LatencyStats;
  /** Every metric's values during this second, summed over tags (k6 `values` shape). */
  metrics: Record<string, Record<string, number>>;
  /** Each protocol's own headline figures this second (absent in older timelines). */
  protocols?: readonly { protocol: string; requests: number; failures: number; latency: LatencyStats }[];
  generator: {
    /** Whole process CPU over the second, in percent of one core. */
    cpuPercent: number;
    rssMB: number;
    /** Sustained strain (src/engine/saturation.ts). */
    saturated: boolean;
    /** What held, by resource, when saturated. */
    reasons: string[];
  };
}

/** The generator's health over the whole run (the summary's `generator`, less its warnings). */
export interface GeneratorSummary {
  workers: number;
  saturated: boolean;
  saturatedSeconds: number;
  seconds: number;
  reasons: string[];
  cpuPercent: { avg: number; max: number };
  rssMB: { max: number };
  perWorker: {
    elu: { avg: number; max: number };
    loopDelayP99Ms: { max: number };
    heapUsedMB: { max: number };
  }[];
}

export interface ScenarioPlan {
  scenario: NormalizedScenario;
  plan: ExecutorPlan;
}

/** A finished run as the summary builder reads it. */
export interface SummaryInput {
  runId: string;
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
  aggregator: Aggregator;
  thresholds: readonly ThresholdResult[];
  /** `signal` and `api` make the verdict `aborted`; any other reason leaves it to the thresholds. */
  aborted: { reason: string; detail: string } | undefined;
  generator: GeneratorSummary;
  workerErrors: string[];
  runErrors: readonly string[];
  /** Iterations started per scenario. */
  started: Record<string, number>;
  scriptErrors: ScriptErrorEntry[];
  plans: readonly ScenarioPlan[];
  timeline: readonly TimelineSecond[];
  /** Each generator's part (the engine's GeneratorReport); older callers may leave it out. */
  generators?: readonly GeneratorPart[];
}

/** A generator's part in the run (the engine's GeneratorReport, src/engine/coordinator.ts). */
export interface GeneratorPart {
  label: string;
  /** Units of weight it carried (a thread 1, an agent its threads). */
  weight: number;
  /** `0-1/2`: its segment of the test. */
  segment: string;
  /** Its share of the load, 0..1. */
  share: number;
  state: 'finished' | 'lost';
  /** Lost: the run second (1-based) at which it was lost, and why. */
  lostAtSecond?: number;
  lostReason?: string;
  /** The last run second (0-based) it reported; -1: none. */
  lastSecond: number;
  /** Requests it reported (every protocol's headline count), to compare with what a target saw of its share. */
  requests: number;
  /** What it said of itself (GeneratorDescription: kind, name, details); threads say nothing. */
  description?: { kind: string; name: string; details: Record<string, string | number> };
}
