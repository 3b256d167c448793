/**
 * One error base for the whole library. Library code throws `VolleyError`s; only `src/cli/`
 * turns them into a message and an exit code (see docs/exit-codes.md).
 */
import type { Problem } from './config/problems.js';

export type VolleyErrorCode =
  | 'INVALID_USAGE'
  | 'INVALID_CONFIG'
  | 'INVALID_THRESHOLD'
  | 'UNREADABLE_FILE'
  /** A test script that does not compile, throws while loading, or has an invalid shape. */
  | 'INVALID_SCRIPT'
  /** The script's setup() or teardown() threw. */
  | 'SCRIPT_FAILED'
  | 'TARGET_UNREACHABLE'
  | 'RUNTIME';

export class VolleyError extends Error {
  readonly code: VolleyErrorCode;
  readonly hint: string | undefined;
  /** Every problem found, when validation found several (validation never stops at the first). */
  readonly details: readonly string[];
  /** The same problems structured (`path`, `message`, `code`), when a validator found them. */
  readonly problems: readonly Problem[];

  constructor(
    code: VolleyErrorCode,
    message: string,
    options: {
      hint?: string;
      cause?: unknown;
      details?: readonly string[];
      problems?: readonly Problem[];
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VolleyError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? [];
    this.problems = options.problems ?? [];
  }
}
