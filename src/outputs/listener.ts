/**
 * What every consumer of a run session's events implements: the engine's run events, then the
 * summary once it exists, then `close` — awaited once, on every path, errors included. Outputs are
 * such listeners, so it is defined here, below the session (src/session re-exports it).
 */
import type { RunListener } from '../engine/run.js';
import type { Summary } from '../summary/summary.js';

export interface SessionListener extends RunListener {
  /** The run's summary, built after the run (and the script's teardown) ended; not called when the run crashed. */
  onSummary?(summary: Summary): void | Promise<void>;
  /** The session is over: flush and release what the listener holds. Called once, also after a crash. */
  close?(): void | Promise<void>;
}
