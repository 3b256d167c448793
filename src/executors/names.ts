/**
 * Executor names without their code: what `--executor`'s choices need at start-up, so `volley
 * --help` does not load every executor. registry.ts checks at load that it has exactly these.
 */
export const EXECUTOR_NAMES = [
  'constant-vus',
  'ramping-vus',
  'per-vu-iterations',
  'shared-iterations',
  'constant-arrival-rate',
  'ramping-arrival-rate',
  'externally-controlled',
] as const;
