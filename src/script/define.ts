/** `defineTest` and the think-time helpers: typed identity functions a script's default export goes through. */
import type { TestDefinition, WaitSpec } from './api.js';

// The default State of TestDefinition: each user may declare its own.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TestDefinitionAnyState = any;

const DEFINED = Symbol.for('volley.test-definition');

/**
 * Marks and returns the test definition. `SetupData` carries `setup()`'s result type to every VU
 * (`ctx.data`); `State` types `ctx.state` in every exec, user hook and task, with no casts:
 * `defineTest<unknown, { token: string }>({ ... })`.
 */
export function defineTest<SetupData = unknown, State extends object = TestDefinitionAnyState>(
  // NoInfer: State is given or `any`, never guessed from one user's annotation (two users with
  // their own state types must both still compile).
  definition: TestDefinition<SetupData, NoInfer<State>>,
): TestDefinition<SetupData, State> {
  Object.defineProperty(definition, DEFINED, { value: true, enumerable: false });
  return definition;
}

export function isDefinedTest(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DEFINED] === true;
}

function seconds(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new RangeError(`${name}: seconds must be a number >= 0 (got ${String(v)})`);
  return v;
}

/** Think time drawn uniformly from [min, max] seconds after each task (Locust `between`). */
export function between(min: number, max: number): WaitSpec {
  seconds('between', min);
  seconds('between', max);
  if (max < min) throw new RangeError(`between(${min}, ${max}): max must be >= min`);
  return { kind: 'between', min, max };
}

/** The same think time after each task, in seconds. */
export function constant(s: number): WaitSpec {
  return { kind: 'constant', seconds: seconds('constant', s) };
}

/** Start each task `s` seconds after the previous one started (whatever is left after the task; Locust `constant_pacing`). */
export function pacing(s: number): WaitSpec {
  return { kind: 'pacing', seconds: seconds('pacing', s) };
}

/** Milliseconds to wait after a task that took `taskMs`. */
export function waitMs(spec: WaitSpec, taskMs: number, random: () => number = Math.random): number {
  switch (spec.kind) {
    case 'between':
      return (spec.min + random() * (spec.max - spec.min)) * 1000;
    case 'constant':
      return spec.seconds * 1000;
    case 'pacing':
      return Math.max(0, spec.seconds * 1000 - taskMs);
  }
}
