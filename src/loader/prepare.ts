/** Validates a whole test config (scenarios, thresholds) and normalises it for the engine; every problem at once. */
import { VolleyError } from '../errors.js';
import { problemText } from '../config/problems.js';
import { normalizeScenarios, validateScenarios } from '../executors/registry.js';
import { BUILTIN_BY_NAME, type MetricDefinition } from '../metrics/definitions.js';
import { parseThresholds } from '../thresholds/parse.js';
import type { NormalizedScenario } from '../executors/types.js';
import type { Threshold } from '../thresholds/parse.js';
import type { TestConfig } from '../config/types.js';

/** A test ready for the engine: its config, its scenarios normalised, its thresholds parsed. */
export interface PreparedTest {
  config: TestConfig;
  scenarios: NormalizedScenario[];
  thresholds: Threshold[];
}

export function prepareTest(
  config: TestConfig,
  customMetrics: ReadonlyMap<string, MetricDefinition> = new Map(),
): PreparedTest {
  const scenarioProblems = validateScenarios(config.scenarios);
  const { thresholds, problems: thresholdProblems } = parseThresholds(
    config.thresholds,
    (name) => BUILTIN_BY_NAME.get(name) ?? customMetrics.get(name),
    [...BUILTIN_BY_NAME.keys(), ...customMetrics.keys()],
  );
  const problems = [...scenarioProblems, ...thresholdProblems];
  if (problems.length > 0) {
    const details = problems.map(problemText);
    throw new VolleyError(
      thresholdProblems.length === problems.length ? 'INVALID_THRESHOLD' : 'INVALID_CONFIG',
      details[0] as string,
      { details, problems },
    );
  }
  return { config, scenarios: normalizeScenarios(config.scenarios), thresholds };
}
