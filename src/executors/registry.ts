/**
 * Every executor by name, its config half joined to its runtime half, and validation/planning of
 * a whole scenarios map.
 */
import { problemPath, type Problem } from '../config/problems.js';
import type { ScenarioConfig } from '../config/types.js';
import { COMMON_FIELDS } from './common.js';
import { constantArrivalRate } from './constant-arrival-rate.js';
import { constantVus } from './constant-vus.js';
import { externallyControlled } from './externally-controlled.js';
import { perVuIterations } from './per-vu-iterations.js';
import { rampingArrivalRate } from './ramping-arrival-rate.js';
import { rampingVus } from './ramping-vus.js';
import { runConstantArrivalRate, runRampingArrivalRate } from './runtime/arrival-rate.js';
import { runConstantVus } from './runtime/constant-vus.js';
import { runExternallyControlled } from './runtime/externally-controlled.js';
import { runPerVuIterations, runSharedIterations } from './runtime/iterations.js';
import { runRampingVus } from './runtime/ramping-vus.js';
import { sharedIterations } from './shared-iterations.js';
import { EXECUTOR_NAMES } from './names.js';
import type { ExecutorDefinition, NormalizedScenario } from './types.js';

export const EXECUTORS: ReadonlyMap<string, ExecutorDefinition> = new Map(
  [
    { ...constantVus, run: runConstantVus },
    { ...rampingVus, run: runRampingVus },
    { ...perVuIterations, run: runPerVuIterations },
    { ...sharedIterations, run: runSharedIterations },
    { ...constantArrivalRate, run: runConstantArrivalRate },
    { ...rampingArrivalRate, run: runRampingArrivalRate },
    { ...externallyControlled, run: runExternallyControlled },
  ].map((e) => [e.name, e]),
);
if ([...EXECUTORS.keys()].join() !== EXECUTOR_NAMES.join())
  throw new Error(`executors/names.ts is out of date: ${[...EXECUTORS.keys()].join(', ')}`);

/** Every field a scenario may have under some executor (the common ones first). */
export const SCENARIO_FIELDS: readonly (keyof ScenarioConfig)[] = [
  ...new Set([...COMMON_FIELDS, ...[...EXECUTORS.values()].flatMap((e) => e.fields)]),
];

export function executorFor(name: string): ExecutorDefinition {
  const e = EXECUTORS.get(name);
  if (!e) throw new Error(`unknown executor '${name}'`);
  return e;
}

/** One scenario's problems, each at its path under `path` (`scenarios.NAME`). */
export function validateScenario(s: unknown, path: string): Problem[] {
  if (typeof s !== 'object' || s === null || Array.isArray(s))
    return [{ path, code: 'wrong-type', message: 'must be an object' }];
  const executor = (s as ScenarioConfig).executor;
  const e = EXECUTORS.get(executor);
  if (!e)
    return [
      {
        path: problemPath(path, 'executor'),
        code: executor === undefined ? 'required' : 'unknown-name',
        message:
          executor === undefined
            ? `is required (one of: ${[...EXECUTORS.keys()].join(', ')})`
            : `unknown executor '${String(executor)}' (one of: ${[...EXECUTORS.keys()].join(', ')})`,
      },
    ];
  return e.validate(s as ScenarioConfig, path);
}

/** Validates every scenario and returns all problems at once. */
export function validateScenarios(scenarios: Record<string, ScenarioConfig>): Problem[] {
  const names = Object.keys(scenarios);
  if (names.length === 0)
    return [{ path: 'scenarios', code: 'required', message: 'no scenarios: define at least one' }];
  return names.flatMap((name) => validateScenario(scenarios[name], problemPath('scenarios', name)));
}

export function normalizeScenarios(scenarios: Record<string, ScenarioConfig>): NormalizedScenario[] {
  return Object.entries(scenarios).map(([name, s]) => executorFor(s.executor).normalize(name, s));
}
