/** What the run store holds, in the shapes the API serves (re-exported by src/server/wire.ts). */
import type { Verdict } from '../summary/types.js';

// The chart point, the verdict and live thresholds belong to the summary model; the store keeps
// and serves them, so its readers find every stored shape here.
export type { LiveThreshold, SeriesPoint, Verdict } from '../summary/types.js';

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

/**
 * Where the run was started: the terminal/CI (`volley run`), the API/dashboard, `volley demo`,
 * `volley bench` (one run per endpoint measured), or a schedule of `volley serve`.
 */
export type RunSource = 'cli' | 'api' | 'demo' | 'bench' | 'schedule';

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

export interface ControllableScenario {
  scenario: string;
  mode: 'vus' | 'rate';
  maxVUs: number;
}
