/** What the run store holds, in the shapes the API serves (re-exported by src/server/wire.ts). */
import type { LatencyStats } from '../metrics/summary-values.js';

/**
 * starting: accepted, the run process is preparing (bundling, preflight, workers).
 * running: traffic is flowing. finished: it ended and has a summary (see verdict).
 * error: it never produced a summary (bad config, unreachable target, crash before start).
 * interrupted: the process that ran it died mid-run; the seconds stored so far are kept.
 */
export type RunStatus = 'starting' | 'running' | 'finished' | 'error' | 'interrupted';
/** Starting or running: the run has not ended (and holds the one-run-at-a-time slot). */
export function isActiveStatus(status: RunStatus): boolean {
  return status === 'starting' || status === 'running';
}

/** `error`: the run did not do what it planned (a worker crashed, hung or was terminated; arrivals went missing). */
export type Verdict = 'passed' | 'failed' | 'aborted' | 'error';
/**
 * Where the run was started: the terminal/CI (`volley run`), the API/dashboard, `volley demo`, or
 * `volley bench` (one run per endpoint measured).
 */
export type RunSource = 'cli' | 'api' | 'demo' | 'bench';

/** One row of the run history (`GET /api/runs`). Numbers are null until the run has a summary. */
export interface RunListItem {
  id: string;
  status: RunStatus;
  verdict: Verdict | null;
  source: RunSource;
  /** The URL (quick mode), the test file's base name (CLI) or its path in --scripts (API), or `config: SCENARIOS`. */
  name: string;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  requests: number | null;
  /** Mean requests per second over the run. */
  rps: number | null;
  p99Ms: number | null;
  errorRate: number | null;
  /** Executors of the run's scenarios. */
  executors: string[];
  /** Scenarios whose VUs or rate can be changed live with PATCH. */
  controllable: ControllableScenario[];
  error: string | null;
  exitCode: number | null;
}

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

export interface ControllableScenario {
  scenario: string;
  mode: 'vus' | 'rate';
  maxVUs: number;
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
  /** http_req_duration during this second, in ms. */
  latency: LatencyStats;
  /** Generator process CPU, percent of one core. */
  cpuPercent: number;
  rssMB: number;
  saturated: boolean;
}
