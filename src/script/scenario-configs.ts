/** A test definition's scenarios as the engine sees them. */
import type { ScenarioConfig } from '../config/types.js';
import type { TestDefinition } from './api.js';

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The engine's view of a scenario: executor fields only (`exec` as a name, never a function; `user` dropped). */
export function scenarioConfigs(def: TestDefinition): Record<string, ScenarioConfig> {
  const out: Record<string, ScenarioConfig> = {};
  for (const [name, s] of Object.entries(def.scenarios)) {
    if (!isObj(s)) {
      out[name] = s as unknown as ScenarioConfig;
      continue;
    }
    const { exec, user: _user, ...rest } = s;
    const cfg: ScenarioConfig = { ...rest };
    if (typeof exec === 'string') cfg.exec = exec;
    out[name] = cfg;
  }
  return out;
}
