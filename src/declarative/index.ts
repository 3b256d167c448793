/** Declarative tests (YAML/JSON): read, validate with file:line for every problem, compile to a TestDefinition. */
import { readFileSync } from 'node:fs';
import { VolleyError } from '../errors.js';
import { validateScenarios } from '../executors/registry.js';
import type { TestDefinition } from '../script/api.js';
import { scenarioConfigs } from '../script/scenario-configs.js';
import { compileTestFile, type CompileOptions } from './compile.js';
import { parseTestFile } from './parse.js';

export function loadDeclarativeTest(path: string, o: CompileOptions): TestDefinition {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new VolleyError(
      'UNREADABLE_FILE',
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const parsed = parseTestFile(path, text);
  const fail = (errors: string[]): never => {
    throw new VolleyError('INVALID_CONFIG', errors[0] as string, { details: errors });
  };
  if (parsed.errors.length > 0) fail(parsed.errors);
  let def: TestDefinition;
  try {
    def = compileTestFile(parsed.value as Record<string, unknown>, o);
  } catch (err) {
    if (err instanceof VolleyError) {
      const details = (err.details.length ? err.details : [err.message]).map((d) => `${path}: ${d}`);
      throw new VolleyError(err.code, details[0] as string, { details });
    }
    throw err;
  }
  // Executor rules (required fields per executor, positive numbers…), located in the file.
  const errors = validateScenarios(scenarioConfigs(def)).map((e) => {
    const m = /^scenarios\.([^.\s]+)(?:\.([A-Za-z]+))?/.exec(e);
    const where = m
      ? parsed.locate(m[2] ? ['scenarios', m[1] as string, m[2]] : ['scenarios', m[1] as string])
      : path;
    return `${where}: ${e}`;
  });
  if (errors.length > 0) fail(errors);
  return def;
}
