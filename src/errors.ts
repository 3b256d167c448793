/**
 * One error base for the whole library. Library code throws `VolleyError`s; only `src/cli/`
 * turns them into a message and an exit code (see docs/exit-codes.md).
 */

/**
 * A problem found in a test definition, an option or an API body: where (`path`, dotted from the
 * definition's root, e.g. `scenarios.main.rate`), what (`message`, for people) and which kind
 * (`code`, a stable kebab-case identifier for tools: `required`, `wrong-type`, `out-of-range`).
 *
 * Codes in use: `required`, `wrong-type`, `out-of-range`, `not-a-duration`, `unknown-field`,
 * `unknown-name` (an executor, preset, metric, user or flow that does not exist), `conflict` (fields
 * that exclude each other, or an order between two values), `nothing-to-run`, `invalid-syntax`
 * (a threshold expression, a template, a regular expression), `not-found` (a reference to a step,
 * variable, data entry or export that is missing).
 */
export interface Problem {
  path: string;
  message: string;
  code: string;
}

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
