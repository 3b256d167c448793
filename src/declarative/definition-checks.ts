/**
 * A declarative file through the one definition validator (src/script/validate-definition.ts),
 * as scripts go through it — fields, `http`, scenarios with their executor's or preset's rules,
 * users' task weights, thresholds — each problem shown where its path is written. Then what only
 * the file format has: data files and a user's `wait` written as a map.
 */
import { pathSegments } from '../config/problems.js';
import { PRESET_OPTIONS } from '../script/presets.js';
import {
  validateDefinitionData,
  type DefinitionForm,
  type PresetMap,
} from '../script/validate-definition.js';
import type { DocPath, Issues } from './locate.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const FILE_FORM: DefinitionForm = {
  topFields: [
    '$schema',
    'baseUrl',
    'http',
    'tags',
    'data',
    'flows',
    'scenarios',
    'users',
    'thresholds',
    'monitor',
    'capacityHeadroom',
  ],
  runs: ['flow', 'user', 'exec'],
  runsText: 'flow, user or exec',
  templates: true,
};

/**
 * `presets` resolves `preset:` scenarios; without them a preset's options are checked by name
 * only (what the preset would say of their values is left to the compile).
 */
export function checkDefinition(doc: Obj, issues: Issues, presets: PresetMap = {}): void {
  const form: DefinitionForm = { ...FILE_FORM, presets: { resolve: presets, options: PRESET_OPTIONS } };
  for (const p of validateDefinitionData(doc, form)) {
    const path = pathSegments(p.path);
    // A problem with a threshold's key (an unknown metric) is shown at the key.
    const atKey = (path[0] === 'thresholds' && path.length === 2) || undefined;
    issues.addProblem(p, written(doc, path), atKey);
  }
  data(doc, issues);
  for (const [name, u] of Object.entries(isObj(doc.users) ? doc.users : {}))
    if (isObj(u)) wait(name, u, issues);
}

/** `thresholds.KEY[0]` of a threshold written alone (not in a list) is at `thresholds.KEY`. */
function written(doc: Obj, path: DocPath): DocPath | undefined {
  const [root, key, index] = path;
  if (root !== 'thresholds' || path.length !== 3 || index !== 0 || typeof key !== 'string') return undefined;
  return isObj(doc.thresholds) && !Array.isArray(doc.thresholds[key]) ? ['thresholds', key] : undefined;
}

function data(doc: Obj, issues: Issues): void {
  for (const [name, d] of Object.entries(isObj(doc.data) ? doc.data : {})) {
    if (!isObj(d)) continue;
    const kinds = ['csv', 'json'].filter((k) => d[k] !== undefined);
    if (kinds.length !== 1)
      issues.add(['data', name], `data.${name}: needs exactly one of csv: PATH or json: PATH`, true);
    if (d.json !== undefined)
      for (const k of ['header', 'delimiter'])
        if (d[k] !== undefined)
          issues.add(['data', name, k], `data.${name}.${k}: only applies to csv files`, true);
  }
}

function wait(name: string, u: Obj, issues: Issues): void {
  const w = u.wait;
  if (!isObj(w)) return;
  const p = ['users', name, 'wait'];
  const kinds = ['between', 'constant', 'pacing'].filter((k) => w[k] !== undefined);
  if (kinds.length !== 1)
    issues.add(p, `users.${name}.wait: takes exactly one of between: [MIN, MAX], constant: S or pacing: S`);
  const b = w.between;
  if (Array.isArray(b) && typeof b[0] === 'number' && typeof b[1] === 'number' && b[1] < b[0])
    issues.add([...p, 'between'], `users.${name}.wait.between: max (${b[1]}) must be >= min (${b[0]})`);
}
