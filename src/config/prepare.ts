/** Validates a whole test config (scenarios, thresholds) and normalises it for the engine; every problem at once. */
import { VolleyError } from '../errors.js';
import { normalizeScenarios, validateScenarios } from '../executors/registry.js';
import { BUILTIN_BY_NAME, type MetricDefinition } from '../metrics/definitions.js';
import { parseThresholds } from '../thresholds/parse.js';
import type { PreparedTest } from '../engine/run.js';
import type { TestConfig } from './types.js';

export function prepareTest(
  config: TestConfig,
  customMetrics: ReadonlyMap<string, MetricDefinition> = new Map(),
): PreparedTest {
  const errors = validateScenarios(config.scenarios);
  const { thresholds, errors: thresholdErrors } = parseThresholds(
    config.thresholds,
    (name) => BUILTIN_BY_NAME.get(name) ?? customMetrics.get(name),
    [...BUILTIN_BY_NAME.keys(), ...customMetrics.keys()],
  );
  errors.push(...thresholdErrors);
  if (errors.length > 0) {
    throw new VolleyError(
      thresholdErrors.length === errors.length ? 'INVALID_THRESHOLD' : 'INVALID_CONFIG',
      errors[0] as string,
      {
        details: errors,
      },
    );
  }
  return { config, scenarios: normalizeScenarios(config.scenarios), thresholds };
}
