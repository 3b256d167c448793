/**
 * A scenario of a declarative file, where `preset: NAME` may stand for the executor: its options
 * checked by name against the presets registry and by value by the preset itself, each at its
 * option's path; or, without a preset, its executor's fields checked by the executor.
 */
import { showValue } from '../config/duration.js';
import { prefixProblems, problemPath, type Problem } from '../config/problems.js';
import { closest } from '../config/suggest.js';
import type { ScenarioConfig } from '../config/types.js';
import { VolleyError } from '../errors.js';
import { EXECUTORS, SCENARIO_FIELDS, validateScenario } from '../executors/registry.js';
import type { DefinitionForm } from './validate-definition.js';

/** Fields a preset scenario keeps beside the preset's result. */
export const PRESET_KEEPS = ['startTime', 'gracefulStop', 'tags'] as const;

type Obj = Record<string, unknown>;

export /** A scenario of a form with `preset:`: the preset's options checked by the preset, or the executor's fields by the executor. */
function presetScenarioProblems(
  s: Obj,
  path: string,
  presets: NonNullable<DefinitionForm['presets']>,
): Problem[] {
  const preset = s.preset;
  if (preset === undefined) {
    if (s.executor === undefined)
      return [
        {
          path,
          code: 'required',
          message: `needs an executor (one of ${[...EXECUTORS.keys()].join(', ')}) or a preset`,
        },
      ];
    // `rampUp` beside an executor: a preset option where no preset is named.
    const optionOnly = new Set(Object.values(presets.options).flat());
    const out: Problem[] = [];
    const executorFields: Obj = {};
    for (const [k, v] of Object.entries(s)) {
      if (optionOnly.has(k) && !SCENARIO_FIELDS.includes(k as keyof ScenarioConfig))
        out.push({
          path: problemPath(path, k),
          code: 'unknown-field',
          message: 'is a preset option, but the scenario has no preset',
        });
      else executorFields[k] = v;
    }
    return [...out, ...validateScenario(executorFields, path)];
  }
  const out: Problem[] = [];
  if (s.executor !== undefined)
    out.push({
      path: problemPath(path, 'executor'),
      code: 'conflict',
      message: 'a preset sets the executor; give preset or executor, not both',
    });
  if (typeof preset !== 'string' || !Object.hasOwn(presets.options, preset)) {
    const names = Object.keys(presets.options);
    const best = typeof preset === 'string' ? closest(preset, names) : undefined;
    out.push({
      path: problemPath(path, 'preset'),
      code: 'unknown-name',
      message: `unknown preset ${showValue(preset)} (one of: ${names.join(', ')})${best ? ` (did you mean '${best}'?)` : ''}`,
    });
    return out;
  }
  // The options by name against the preset registry; the preset checks their values.
  const accepted = presets.options[preset] as readonly string[];
  const keep = new Set<string>([...PRESET_KEEPS, 'preset', 'executor']);
  const options: Obj = {};
  for (const [k, v] of Object.entries(s)) {
    if (keep.has(k)) continue;
    if (accepted.includes(k)) options[k] = v;
    else
      out.push({
        path: problemPath(path, k),
        code: 'unknown-field',
        message: `is not an option of preset ${preset} (options: ${accepted.join(', ')})`,
      });
  }
  const fn = presets.resolve[preset];
  // No resolver (a file checked on its own): the names are all that is checked.
  if (!fn || out.length > 0) return out;
  let resolved: Omit<ScenarioConfig, 'exec'>;
  try {
    resolved = fn(options);
  } catch (err) {
    if (!(err instanceof VolleyError) || err.problems.length === 0) throw err;
    return [...out, ...prefixProblems(path, err.problems)];
  }
  // The preset's result passes the executor's rules too; a problem there is the preset's, said at `preset`.
  const cfg: Obj = { ...resolved };
  for (const k of PRESET_KEEPS) if (s[k] !== undefined) cfg[k] = s[k];
  for (const p of validateScenario(cfg, '')) {
    out.push({
      path: problemPath(path, 'preset'),
      code: p.code,
      message: `${p.path ? `${p.path}: ` : ''}${p.message} (from preset ${preset as string})`,
    });
  }
  return out;
}
