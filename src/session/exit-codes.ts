/**
 * volley's exit codes — one enum, documented in docs/exit-codes.md and tested one by one. It lives
 * here, below the CLI, because the run session decides a run's code (130 > 97 > 99 > 0) and the
 * API's job process reports it; src/cli/exit-codes.ts re-exports it and maps errors to codes.
 */
import type { RunResult } from '../engine/run.js';
import type { Summary } from '../summary/summary.js';

export const ExitCode = {
  OK: 0,
  /** An unexpected failure inside volley (a bug, a worker thread that failed to start). */
  RUNTIME_ERROR: 1,
  /** Bad flags, config, script, threshold or an unreadable file: nothing was sent. */
  INVALID_USAGE: 2,
  /** The target could not be reached before the run (refused, DNS, TLS): nothing was sent. */
  TARGET_UNREACHABLE: 3,
  /** The script's setup() or teardown() threw (setup: nothing but setup's own requests was sent). */
  SCRIPT_FAILED: 4,
  /**
   * The run did not do what it planned: a worker crashed, hung or was terminated, or planned
   * arrivals went missing beyond `dropped_iterations`. Its numbers are incomplete, so it never passes.
   */
  RUN_ERROR: 97,
  /** `volley compare`: NEW regressed beyond the tolerance against BASE. */
  REGRESSION: 98,
  /** The run completed (or was stopped by abortOnFail) and at least one threshold failed. k6 uses 99 too. */
  THRESHOLDS_FAILED: 99,
  /** Stopped by SIGINT/SIGTERM: results up to the stop were summarised and written. */
  ABORTED_BY_SIGNAL: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A finished run's code; the first that applies wins: 130 (signal), 97 (run error), 99 (thresholds), 0. */
export function exitCodeFor(summary: Summary, result: RunResult): ExitCodeValue {
  if (result.aborted?.reason === 'signal') return ExitCode.ABORTED_BY_SIGNAL;
  if (summary.verdict === 'error') return ExitCode.RUN_ERROR;
  // A worker that died or was terminated is a run error (97) above, whatever it completed.
  if (!summary.thresholds.ok) return ExitCode.THRESHOLDS_FAILED;
  return ExitCode.OK;
}
