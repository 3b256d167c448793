/** Every executor by name, and validation/planning of a whole scenarios map. */
import type { ScenarioConfig } from '../config/types.js';
import { constantArrivalRate } from './constant-arrival-rate.js';
import { constantVus } from './constant-vus.js';
import { externallyControlled } from './externally-controlled.js';
import { perVuIterations } from './per-vu-iterations.js';
import { rampingArrivalRate } from './ramping-arrival-rate.js';
import { rampingVus } from './ramping-vus.js';
import { sharedIterations } from './shared-iterations.js';
import { EXECUTOR_NAMES } from './names.js';
import type { ExecutorDefinition, NormalizedScenario } from './types.js';

export const EXECUTORS: ReadonlyMap<string, ExecutorDefinition> = new Map(
  [
    constantVus,
    rampingVus,
    perVuIterations,
    sharedIterations,
    constantArrivalRate,
    rampingArrivalRate,
    externallyControlled,
  ].map((e) => [e.name, e]),
);
if ([...EXECUTORS.keys()].join() !== EXECUTOR_NAMES.join())
  throw new Error(`executors/names.ts is out of date: ${[...EXECUTORS.keys()].join(', ')}`);

export function executorFor(name: string): ExecutorDefinition {
  const e = EXECUTORS.get(name);
  if (!e) throw new Error(`unknown executor '${name}'`);
  return e;
}

/** Validates every scenario and returns all problems at once. */
export function validateScenarios(scenarios: Record<string, ScenarioConfig>): string[] {
  const errors: string[] = [];
  const names = Object.keys(scenarios);
  if (names.length === 0) errors.push('no scenarios: define at least one');
  for (const name of names) {
    const s = scenarios[name] as ScenarioConfig;
    const path = `scenarios.${name}`;
    if (typeof s !== 'object' || s === null) {
      errors.push(`${path} must be an object`);
      continue;
    }
    const e = EXECUTORS.get(s.executor);
    if (!e) {
      errors.push(
        `${path}.executor: unknown executor '${String(s.executor)}' (one of: ${[...EXECUTORS.keys()].join(', ')})`,
      );
      continue;
    }
    const problems = e.validate(s, path);
    // 'duraton' (did you mean 'duration'?) needs no second message saying duration is missing.
    const meant = new Set(problems.flatMap((p) => /\(did you mean '([^']+)'\?\)$/.exec(p)?.[1] ?? []));
    errors.push(...problems.filter((p) => !meant.has(/\.([^.\s]+) is required$/.exec(p)?.[1] ?? '')));
  }
  return errors;
}

export function normalizeScenarios(scenarios: Record<string, ScenarioConfig>): NormalizedScenario[] {
  return Object.entries(scenarios).map(([name, s]) => executorFor(s.executor).normalize(name, s));
}
