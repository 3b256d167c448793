/**
 * Loading a test file — a bundled TypeScript/JavaScript script or a declarative YAML/JSON file —
 * into a `TestDefinition`, in the main thread (to validate and plan) and in every worker (for the
 * functions its VUs call). Also: the whole definition checked at once, and its data half turned
 * into the engine's `TestConfig`.
 */
import { dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tryParseDurationMs } from '../config/duration.js';
import { suggest } from '../config/suggest.js';
import type { ScriptRef, TestConfig, ThresholdSpec } from '../config/types.js';
import { VolleyError } from '../errors.js';
import type { HttpClientDefaults } from '../protocols/http/script-client.js';
import { httpDefaults as resolveHttpDefaults } from '../protocols/http/script-defaults.js';
import type { TestDefinition, UserDefinition } from './api.js';
import { dataRegistry } from './data-access.js';
import { userStack } from './error-log.js';
import { k6GlobalHint } from './k6-hints.js';
import { scenarioConfigs } from './scenario-configs.js';
import { PRESETS } from './presets.js';
import { threadState } from './thread-state.js';
import { DECLARATIVE_EXTENSIONS } from '../config/test-file-types.js';

export interface TestModule {
  definition: TestDefinition;
  /** Named exports of a script module (for `exec: 'name'`); empty for declarative files. */
  exports: Readonly<Record<string, unknown>>;
}

export const isDeclarativeFile = (path: string): boolean =>
  (DECLARATIVE_EXTENSIONS as readonly string[]).includes(extname(path).toLowerCase());

export function scriptPathOf(ref: ScriptRef): string {
  return ref.kind === 'bundle' ? ref.scriptPath : ref.path;
}

/** Imports the test in this thread. `env` is what `${{ $env.X }}` templates of declarative files see. */
export async function importTestModule(
  ref: ScriptRef,
  env: Readonly<Record<string, string | undefined>>,
): Promise<TestModule> {
  const scriptPath = scriptPathOf(ref);
  threadState.scriptDir = dirname(resolve(scriptPath));
  if (ref.kind === 'declarative') {
    // ajv and yaml load only for declarative files: a script's workers start without them.
    const { loadDeclarativeTest } = await import('../declarative/index.js');
    const definition = loadDeclarativeTest(ref.path, {
      env,
      data: dataRegistry(),
      presets: PRESETS,
      ...(ref.text !== undefined && { text: ref.text }),
    });
    return { definition, exports: {} };
  }
  let mod: Record<string, unknown>;
  // Stack traces of the script point at the user's file and line (the bundle's inline source map),
  // here as in the workers. Set before the import: a module's map is read when it loads.
  process.setSourceMapsEnabled(true);
  try {
    mod = (await import(pathToFileURL(ref.bundlePath).href)) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof VolleyError) throw err;
    const { message, stack } = userStack(err);
    const hint = k6GlobalHint(message);
    throw new VolleyError('INVALID_SCRIPT', `${scriptPath}: the script threw while loading: ${message}`, {
      details: stack ? [`${scriptPath}: the script threw while loading: ${message}\n${stack}`] : [],
      cause: err,
      ...(hint && { hint }),
    });
  }
  const definition = mod.default;
  if (typeof definition !== 'object' || definition === null) {
    throw new VolleyError(
      'INVALID_SCRIPT',
      `${scriptPath}: the script must export its test as the default export: export default defineTest({ scenarios: … })`,
    );
  }
  return { definition: definition as TestDefinition, exports: mod };
}

const TOP_FIELDS = new Set([
  'baseUrl',
  'scenarios',
  'users',
  'thresholds',
  'setup',
  'teardown',
  'http',
  'tags',
]);
const HTTP_FIELDS = new Set([
  'timeout',
  'maxRedirects',
  'headers',
  'insecureSkipTLSVerify',
  'http2',
  'cookies',
  'discardResponseBodies',
  'maxResponseBytes',
]);
const USER_FIELDS = new Set(['wait', 'onStart', 'onStop', 'tasks']);

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringMap = (v: unknown): boolean => isObj(v) && Object.values(v).every((x) => typeof x === 'string');

function validateUser(name: string, u: unknown, errors: string[]): void {
  const path = `users.${name}`;
  if (!isObj(u)) return void errors.push(`${path} must be an object with tasks`);
  for (const k of Object.keys(u))
    if (!USER_FIELDS.has(k)) errors.push(`${path}.${k} is not a user field (wait, onStart, onStop, tasks)`);
  for (const hook of ['onStart', 'onStop'] as const)
    if (u[hook] !== undefined && typeof u[hook] !== 'function')
      errors.push(`${path}.${hook} must be a function`);
  const wait = u.wait as UserDefinition['wait'];
  if (wait !== undefined && !(isObj(wait) && ['between', 'constant', 'pacing'].includes(String(wait.kind))))
    errors.push(`${path}.wait must come from between(min, max), constant(s) or pacing(s)`);
  const tasks = u.tasks;
  if (!Array.isArray(tasks) || tasks.length === 0)
    return void errors.push(`${path}.tasks must be a non-empty list`);
  let positive = 0;
  tasks.forEach((t, i) => {
    if (typeof t === 'function') return void positive++;
    if (!isObj(t) || typeof t.run !== 'function')
      return void errors.push(`${path}.tasks[${i}] must be a function or { weight, run }`);
    const w = t.weight ?? 1;
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
      errors.push(`${path}.tasks[${i}].weight must be a number >= 0 (got ${JSON.stringify(w)})`);
    else if (w > 0) positive++;
  });
  if (positive === 0) errors.push(`${path}.tasks: at least one task needs a weight > 0`);
}

/** Every problem with a definition's shape (executor fields are checked later by prepareTest). */
export function validateDefinition(m: TestModule, file: string): string[] {
  const def = m.definition as unknown as Record<string, unknown>;
  const errors: string[] = [];
  for (const k of Object.keys(def))
    if (!TOP_FIELDS.has(k))
      errors.push(`${k} is not a test field${suggest(k, TOP_FIELDS) || ` (${[...TOP_FIELDS].join(', ')})`}`);
  if (def.baseUrl !== undefined) {
    let ok = false;
    try {
      ok = typeof def.baseUrl === 'string' && /^https?:$/.test(new URL(def.baseUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok) errors.push(`baseUrl ${JSON.stringify(def.baseUrl)} is not an http:// or https:// URL`);
  }
  for (const hook of ['setup', 'teardown'])
    if (def[hook] !== undefined && typeof def[hook] !== 'function') errors.push(`${hook} must be a function`);
  if (def.tags !== undefined && !isStringMap(def.tags)) errors.push('tags must map tag names to strings');
  if (def.http !== undefined) {
    if (!isObj(def.http)) errors.push('http must be an object');
    else {
      const h = def.http;
      for (const k of Object.keys(h))
        if (!HTTP_FIELDS.has(k))
          errors.push(
            `http.${k} is not an http field${suggest(k, HTTP_FIELDS) || ` (${[...HTTP_FIELDS].join(', ')})`}`,
          );
      if (h.timeout !== undefined && tryParseDurationMs(h.timeout as string) === undefined)
        errors.push(`http.timeout: malformed duration ${JSON.stringify(h.timeout)}`);
      if (
        h.maxRedirects !== undefined &&
        !(Number.isInteger(h.maxRedirects) && (h.maxRedirects as number) >= 0)
      )
        errors.push('http.maxRedirects must be an integer >= 0');
      if (h.headers !== undefined && !isStringMap(h.headers))
        errors.push('http.headers must map names to strings');
      if (
        h.maxResponseBytes !== undefined &&
        !(Number.isSafeInteger(h.maxResponseBytes) && (h.maxResponseBytes as number) >= 0)
      )
        errors.push('http.maxResponseBytes must be an integer >= 0 (bytes, e.g. 10485760 for 10 MB)');
      if (h.discardResponseBodies !== undefined && typeof h.discardResponseBodies !== 'boolean')
        errors.push('http.discardResponseBodies must be true or false');
      if (h.http2 !== undefined && typeof h.http2 !== 'boolean')
        errors.push('http.http2 must be true or false');
    }
  }
  const users = def.users;
  if (users !== undefined) {
    if (!isObj(users)) errors.push('users must map user names to { wait, onStart, onStop, tasks }');
    else for (const [name, u] of Object.entries(users)) validateUser(name, u, errors);
  }
  const scenarios = def.scenarios;
  if (!isObj(scenarios) || Object.keys(scenarios).length === 0) {
    errors.push(
      'scenarios: define at least one scenario, e.g. scenarios: { main: { executor: "constant-vus", vus: 10, duration: "30s", exec } }',
    );
  } else {
    for (const [name, s] of Object.entries(scenarios)) {
      if (!isObj(s)) continue; // reported by the executor validation
      const path = `scenarios.${name}`;
      const hasExec = s.exec !== undefined;
      const hasUser = s.user !== undefined;
      if (hasExec === hasUser)
        errors.push(`${path}: give it exactly one of exec (a function) or user (a name in users)`);
      if (hasExec && typeof s.exec !== 'function') {
        if (typeof s.exec !== 'string')
          errors.push(`${path}.exec must be a function or the name of an exported function`);
        else if (typeof m.exports[s.exec] !== 'function')
          errors.push(`${path}.exec: ${file} exports no function '${s.exec}'`);
      }
      if (hasUser && !(isObj(users) && typeof s.user === 'string' && s.user in users))
        errors.push(
          `${path}.user: no user ${JSON.stringify(s.user)} in users${isObj(users) ? ` (users: ${Object.keys(users).join(', ') || 'none'})` : ''}`,
        );
    }
  }
  if (def.thresholds !== undefined && !isObj(def.thresholds))
    errors.push(
      "thresholds must map metric keys to lists of expressions, e.g. { http_req_duration: ['p(99)<100'] }",
    );
  return errors;
}

export function thresholdSpecs(def: TestDefinition): Record<string, ThresholdSpec[]> {
  const out: Record<string, ThresholdSpec[]> = {};
  for (const [k, v] of Object.entries(def.thresholds ?? {})) out[k] = Array.isArray(v) ? v : [v];
  return out;
}

// A definition's HTTP defaults are the HTTP module's to resolve.
export { DEFAULT_MAX_RESPONSE_BYTES } from '../protocols/http/script-defaults.js';

export function httpDefaults(def: TestDefinition): HttpClientDefaults {
  return resolveHttpDefaults(def);
}

/** Which scenarios a test config puts in the plan, with options from the command line. */
export interface ScriptRunOptions {
  workers: number;
  fastPath: boolean;
  insecureSkipTLSVerify: boolean;
  stopGraceMs: number;
  tags: Record<string, string>;
  preciseSchedule: boolean;
  /** Extra thresholds from --threshold, added to the script's. */
  thresholds: Record<string, ThresholdSpec[]>;
}

export function definitionConfig(def: TestDefinition, o: ScriptRunOptions): TestConfig {
  const thresholds = thresholdSpecs(def);
  for (const [k, list] of Object.entries(o.thresholds)) (thresholds[k] ??= []).push(...list);
  return {
    scenarios: scenarioConfigs(def),
    thresholds,
    workers: o.workers,
    http: {
      fastPath: o.fastPath,
      insecureSkipTLSVerify: o.insecureSkipTLSVerify || def.http?.insecureSkipTLSVerify === true,
      http2: def.http?.http2 === true,
    },
    stopGraceMs: o.stopGraceMs,
    tags: { ...(def.tags ?? {}), ...o.tags },
    windowSeconds: 10,
    preciseSchedule: o.preciseSchedule,
  };
}
