/**
 * The server and the process that runs an API-started run talk over Node's IPC channel. The run
 * lives in its own process so the server's event loop (API, WebSocket, dashboard) never competes
 * with load generation, and a run that crashes cannot take the server down.
 */
import type { Snapshot } from '../engine/snapshot.js';
import type { RunSource } from '../store/types.js';
import type { ProbeResult, StressCeilingSoFar } from '../analysis/stress.js';
import type { BenchEndpointResult } from '../analysis/bench.js';
import type { LiveThreshold } from './wire.js';

export const JOB_PROTOCOL_VERSION = 1;

/** What to run; flags are `volley run` flags (the job applies them exactly as the CLI would). */
export interface RunJob {
  protocol: typeof JOB_PROTOCOL_VERSION;
  id: string;
  db: string;
  /** 'api' for runs from the API and dashboard, 'demo' for volley demo's sample run. */
  source: RunSource;
  /** A test file (script in --scripts, or a declarative document written by the server). */
  file?: string;
  /** What the job runs: `volley run` (default), `volley stress` or `volley bench`, with these flags. */
  kind?: JobKind;
  flags: Record<string, unknown>;
}

export type JobKind = 'run' | 'stress' | 'bench';

export type ServerToJob =
  | { type: 'job'; job: RunJob }
  | { type: 'stop' }
  /** `requestId`: the job answers with a `control-result` carrying it. */
  | { type: 'control'; scenario: string; vus?: number; ratePerSec?: number; requestId?: number };

export type JobToServer =
  | { type: 'started'; startedAt: string }
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'thresholds'; thresholds: LiveThreshold[] }
  /** The run could not start or failed: the message the CLI would print, and its exit code. */
  | { type: 'failed'; error: string; details: string[]; exitCode: number }
  | { type: 'control-error'; error: string }
  /** The engine's answer to a `control` with a requestId: applied, or why not (`error`). */
  | { type: 'control-result'; requestId: number; error?: string }
  | { type: 'done'; exitCode: number }
  /** A stress probe ended; `soFar` is the ceiling the probes so far bound. */
  | { type: 'probe'; probe: ProbeResult; index: number; soFar: StressCeilingSoFar }
  /** A bench endpoint was measured. */
  | { type: 'endpoint'; result: BenchEndpointResult; index: number; total: number };
