/**
 * The one validator of a test definition's data, for both of its forms: a TypeScript test's
 * default export and a declarative (YAML/JSON) file. It checks what the two share — the top-level
 * fields, `http` options, tags, users' task weights, what each scenario runs, its executor's rules
 * (or its preset's options), and the thresholds — and returns every problem at once, each at its
 * path from the definition's root. Each form adds only what is its own: scripts check their
 * functions and exports (load.ts), declarative files their flows and templates (src/declarative).
 */
import { durationProblem, showValue } from '../config/duration.js';
import { tryParseBytes } from '../config/size.js';
import { parseHeadroom } from '../summary/capacity.js';
import { problemPath, type Problem } from '../config/problems.js';
import { suggest } from '../config/suggest.js';
import type { ScenarioConfig, ThresholdSpec } from '../config/types.js';
import { validateScenario } from '../executors/registry.js';
import { presetScenarioProblems } from './validate-preset-scenario.js';
import { DEPTH_DEFINITION_FIELDS, depthDefinitionProblems } from '../protocols/http/depth-options.js';

export { PRESET_KEEPS } from './validate-preset-scenario.js';
import { BUILTIN_BY_NAME, type MetricDefinition } from '../metrics/definitions.js';
import { parseThresholds } from '../thresholds/parse.js';

/** A preset by name: options in, executor fields out; throws a VolleyError with `problems` when they are wrong. */
export type PresetMap = Readonly<
  Record<string, (options: Record<string, unknown>) => Omit<ScenarioConfig, 'exec'>>
>;

/** What differs between the two forms of a definition. */
export interface DefinitionForm {
  /** The top-level fields the form has. */
  topFields: readonly string[];
  /** What a scenario names to say what each iteration runs: exactly one of them (`exec`, `user`, `flow`). */
  runs: readonly string[];
  /** How the `runs` read in a message: `exec (a function) or user (a name in users)`. */
  runsText: string;
  /**
   * Values may hold `{{ }}` templates resolved when the file compiles (declarative files): a
   * templated baseUrl is checked then, and header values may be numbers or booleans.
   */
  templates: boolean;
  /** `preset: NAME` scenarios with the preset's options beside it (declarative files). */
  presets?: { resolve: PresetMap; options: Readonly<Record<string, readonly string[]>> };
  /** Metrics a script declared, beside the built-in ones, for its thresholds. */
  metrics?: ReadonlyMap<string, MetricDefinition>;
}

const HTTP_FIELDS = [
  'timeout',
  'maxRedirects',
  'headers',
  'insecureSkipTLSVerify',
  'http2',
  'cookies',
  'discardResponseBodies',
  'maxResponseBytes',
  ...DEPTH_DEFINITION_FIELDS,
];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringMap = (v: unknown): boolean => isObj(v) && Object.values(v).every((x) => typeof x === 'string');
const isScalarMap = (v: unknown): boolean =>
  isObj(v) && Object.values(v).every((x) => ['string', 'number', 'boolean'].includes(typeof x));

/** `unknown field (did you mean 'http'?)`, or the list of fields when nothing is close. */
function unknownField(path: string, key: string, fields: readonly string[], what: string): Problem {
  const hint = suggest(key, fields) || ` (${fields.join(', ')})`;
  return { path: problemPath(path, key), code: 'unknown-field', message: `is not ${what}${hint}` };
}

/** Every problem with a definition's data; `def` is the definition as written (functions or flows). */
export function validateDefinitionData(def: Obj, form: DefinitionForm): Problem[] {
  const out: Problem[] = [];
  for (const k of Object.keys(def))
    if (!form.topFields.includes(k)) out.push(unknownField('', k, form.topFields, 'a test field'));
  out.push(...baseUrlProblems(def.baseUrl, form));
  if (def.tags !== undefined && !isStringMap(def.tags))
    out.push({ path: 'tags', code: 'wrong-type', message: 'must map tag names to strings' });
  if (def.http !== undefined) out.push(...httpProblems(def.http, form));
  out.push(...userProblems(def.users));
  out.push(...scenarioProblems(def.scenarios, def.users, form));
  out.push(...thresholdProblems(def.thresholds, form));
  if (def.monitor !== undefined) out.push(...monitorProblems(def.monitor));
  if (
    def.capacityHeadroom !== undefined &&
    parseHeadroom(def.capacityHeadroom as string | number) === undefined
  )
    out.push({
      path: 'capacityHeadroom',
      code: 'out-of-range',
      message: `must be a share below 100% like '30%' or 0.3 (got ${showValue(def.capacityHeadroom)})`,
    });
  return out;
}

const MONITOR_FIELDS = ['pids', 'processName', 'prometheus', 'interval', 'memoryLimit'];

/**
 * The shape of a `monitor` option. What needs the machine (a pid that exists, a name that matches,
 * a scrapeable URL, series selectors) is checked when the run starts, as for `--monitor-*` flags.
 */
function monitorProblems(m: unknown, root = 'monitor'): Problem[] {
  if (!isObj(m)) return [{ path: root, code: 'wrong-type', message: 'must be an object' }];
  const out: Problem[] = [];
  const at = (key: string, code: string, message: string): void =>
    void out.push({ path: problemPath(root, key), code, message });
  for (const k of Object.keys(m))
    if (!MONITOR_FIELDS.includes(k)) out.push(unknownField(root, k, MONITOR_FIELDS, 'a monitor field'));
  if (
    m.pids !== undefined &&
    !(Array.isArray(m.pids) && m.pids.every((p) => Number.isSafeInteger(p) && (p as number) >= 1))
  )
    at('pids', 'wrong-type', `must be a list of process ids (integers >= 1), got ${showValue(m.pids)}`);
  if (m.processName !== undefined && !(typeof m.processName === 'string' && m.processName.trim() !== ''))
    at('processName', 'wrong-type', 'must be a process name');
  if (m.prometheus !== undefined) {
    const p = m.prometheus;
    if (
      !isObj(p) ||
      typeof p.url !== 'string' ||
      !Array.isArray(p.series) ||
      !p.series.every((x) => typeof x === 'string')
    )
      at('prometheus', 'wrong-type', "must be { url: 'http://…/metrics', series: ['name', …] }");
  }
  if (m.interval !== undefined) {
    const d = durationProblem(m.interval, false);
    if (d) at('interval', d.code, d.message);
  }
  if (m.memoryLimit !== undefined && tryParseBytes(m.memoryLimit as string) === undefined)
    at(
      'memoryLimit',
      'wrong-type',
      `must be a size like '512MB' or '1GiB' (got ${showValue(m.memoryLimit)})`,
    );
  return out;
}

function baseUrlProblems(url: unknown, form: DefinitionForm): Problem[] {
  if (url === undefined || (form.templates && typeof url === 'string' && url.includes('{{'))) return [];
  let ok = false;
  try {
    ok = typeof url === 'string' && /^https?:$/.test(new URL(url).protocol);
  } catch {
    ok = false; // not a URL at all: the same problem as another scheme
  }
  return ok
    ? []
    : [
        {
          path: 'baseUrl',
          code: 'wrong-type',
          message: `${showValue(url)} is not an http:// or https:// URL`,
        },
      ];
}

function httpProblems(h: unknown, form: DefinitionForm): Problem[] {
  if (!isObj(h)) return [{ path: 'http', code: 'wrong-type', message: 'must be an object' }];
  const out: Problem[] = [];
  const at = (key: string, code: string, message: string): void =>
    void out.push({ path: problemPath('http', key), code, message });
  for (const k of Object.keys(h))
    if (!HTTP_FIELDS.includes(k)) out.push(unknownField('http', k, HTTP_FIELDS, 'an http field'));
  if (h.timeout !== undefined) {
    const d = durationProblem(h.timeout, false);
    if (d) at('timeout', d.code, d.message);
  }
  if (h.maxRedirects !== undefined && !(Number.isInteger(h.maxRedirects) && (h.maxRedirects as number) >= 0))
    at('maxRedirects', 'out-of-range', `must be an integer >= 0 (got ${showValue(h.maxRedirects)})`);
  if (h.headers !== undefined && !(form.templates ? isScalarMap(h.headers) : isStringMap(h.headers)))
    at('headers', 'wrong-type', 'must map names to strings');
  if (
    h.maxResponseBytes !== undefined &&
    !(Number.isSafeInteger(h.maxResponseBytes) && (h.maxResponseBytes as number) >= 0)
  )
    at('maxResponseBytes', 'out-of-range', 'must be an integer >= 0 (bytes, e.g. 10485760 for 10 MB)');
  for (const k of ['discardResponseBodies', 'insecureSkipTLSVerify', 'http2', 'cookies'])
    if (h[k] !== undefined && typeof h[k] !== 'boolean') at(k, 'wrong-type', 'must be true or false');
  out.push(...depthDefinitionProblems(h));
  return out;
}

/** The weights of users' tasks (what a task runs is the form's to check). */
function userProblems(users: unknown): Problem[] {
  if (users === undefined) return [];
  if (!isObj(users))
    return [{ path: 'users', code: 'wrong-type', message: 'must map user names to users with tasks' }];
  const out: Problem[] = [];
  for (const [name, u] of Object.entries(users)) {
    const path = problemPath('users', name);
    if (!isObj(u)) {
      out.push({ path, code: 'wrong-type', message: 'must be an object with tasks' });
      continue;
    }
    const tasks = u.tasks;
    if (!Array.isArray(tasks) || tasks.length === 0) {
      out.push({ path: problemPath(path, 'tasks'), code: 'required', message: 'must be a non-empty list' });
      continue;
    }
    let positive = 0;
    tasks.forEach((t, i) => {
      const w = isObj(t) ? (t.weight ?? 1) : 1;
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
        out.push({
          path: problemPath(problemPath(problemPath(path, 'tasks'), i), 'weight'),
          code: typeof w === 'number' ? 'out-of-range' : 'wrong-type',
          message: `must be a number >= 0 (got ${showValue(w)})`,
        });
      else if (w > 0) positive++;
    });
    if (positive === 0)
      out.push({
        path: problemPath(path, 'tasks'),
        code: 'nothing-to-run',
        message: 'at least one task needs a weight > 0',
      });
  }
  return out;
}

function scenarioProblems(scenarios: unknown, users: unknown, form: DefinitionForm): Problem[] {
  if (!isObj(scenarios) || Object.keys(scenarios).length === 0)
    return [
      {
        path: 'scenarios',
        code: 'required',
        message:
          'define at least one scenario, e.g. scenarios: { main: { executor: "constant-vus", vus: 10, duration: "30s", exec } }',
      },
    ];
  const out: Problem[] = [];
  for (const [name, s] of Object.entries(scenarios)) {
    const path = problemPath('scenarios', name);
    if (!isObj(s)) {
      out.push({ path, code: 'wrong-type', message: 'must be an object' });
      continue;
    }
    const runs = form.runs.filter((k) => s[k] !== undefined);
    if (runs.length === 0)
      out.push({
        path,
        code: 'nothing-to-run',
        message: `has nothing to run: give it one of ${form.runsText}`,
      });
    else if (runs.length > 1)
      out.push({
        path: problemPath(path, runs[1] as string),
        code: 'conflict',
        message: `give only one of ${form.runsText} (found ${runs.join(', ')})`,
      });
    if (
      s.user !== undefined &&
      !(isObj(users) && typeof s.user === 'string' && Object.hasOwn(users, s.user))
    ) {
      const names = isObj(users) ? Object.keys(users) : [];
      out.push({
        path: problemPath(path, 'user'),
        code: 'not-found',
        message: `no user ${showValue(s.user)} in users${typeof s.user === 'string' ? suggest(s.user, names) : ''} (users: ${names.join(', ') || 'none'})`,
      });
    }
    const cfg: Obj = {};
    for (const [k, v] of Object.entries(s)) if (!form.runs.includes(k)) cfg[k] = v;
    out.push(
      ...(form.presets ? presetScenarioProblems(cfg, path, form.presets) : validateScenario(cfg, path)),
    );
  }
  return out;
}

function thresholdProblems(thresholds: unknown, form: DefinitionForm): Problem[] {
  if (thresholds === undefined) return [];
  if (!isObj(thresholds))
    return [
      {
        path: 'thresholds',
        code: 'wrong-type',
        message: "must map metric keys to lists of expressions, e.g. { http_req_duration: ['p(99)<100'] }",
      },
    ];
  const specs: Record<string, ThresholdSpec[]> = {};
  for (const [k, v] of Object.entries(thresholds)) specs[k] = (Array.isArray(v) ? v : [v]) as ThresholdSpec[];
  const custom = form.metrics ?? new Map<string, MetricDefinition>();
  return parseThresholds(specs, (name) => BUILTIN_BY_NAME.get(name) ?? custom.get(name), [
    ...BUILTIN_BY_NAME.keys(),
    ...custom.keys(),
  ]).problems;
}
