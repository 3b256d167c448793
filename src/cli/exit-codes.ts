/** volley's exit codes — one enum, documented in docs/exit-codes.md and tested one by one. */
import type { VolleyErrorCode } from '../errors.js';

export const ExitCode = {
  OK: 0,
  /** An unexpected failure inside volley (a bug, a crashed worker with nothing measured). */
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

export function exitCodeForError(code: VolleyErrorCode): ExitCodeValue {
  switch (code) {
    case 'INVALID_USAGE':
    case 'INVALID_CONFIG':
    case 'INVALID_THRESHOLD':
    case 'UNREADABLE_FILE':
    case 'INVALID_SCRIPT':
      return ExitCode.INVALID_USAGE;
    case 'SCRIPT_FAILED':
      return ExitCode.SCRIPT_FAILED;
    case 'TARGET_UNREACHABLE':
      return ExitCode.TARGET_UNREACHABLE;
    case 'RUNTIME':
      return ExitCode.RUNTIME_ERROR;
  }
}
