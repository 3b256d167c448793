/**
 * Loading a test file — a bundled TypeScript/JavaScript script or a declarative YAML/JSON file —
 * into a `TestDefinition`, in the main thread (to validate and plan) and in every worker (for the
 * functions its VUs call). Also: the whole definition checked at once, and its data half turned
 * into the engine's `TestConfig`.
 */
import { dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { problemPath, type Problem } from '../config/problems.js';
import type { ScriptRef, TestConfig, ThresholdSpec } from '../config/types.js';
import { VolleyError } from '../errors.js';
import type { HttpClientDefaults } from '../protocols/http/script-client.js';
import { httpDefaults as resolveHttpDefaults } from '../protocols/http/script-defaults.js';
import { httpDepthConfig } from '../protocols/http/depth-options.js';
import type { TestDefinition, UserDefinition } from './api.js';
import { userStack } from './error-log.js';
import { k6GlobalHint } from './k6-hints.js';
import { scenarioConfigs } from './scenario-configs.js';
import { threadState } from './thread-state.js';
import { DECLARATIVE_EXTENSIONS } from '../config/test-file-types.js';
import { validateDefinitionData, type DefinitionForm } from './validate-definition.js';
import type { MetricDefinition } from '../metrics/definitions.js';
import { DEFAULT_HEADROOM, parseHeadroom } from '../summary/capacity.js';

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

/**
 * Imports a bundled script in this thread (src/loader/import-test.ts picks this or the declarative
 * loader by the reference's kind).
 */
export async function importBundle(ref: Extract<ScriptRef, { kind: 'bundle' }>): Promise<TestModule> {
  const scriptPath = ref.scriptPath;
  threadState.scriptDir = dirname(resolve(scriptPath));
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

/** The form of a TypeScript test for the shared definition validator (validate-definition.ts). */
export const SCRIPT_FORM: Omit<DefinitionForm, 'metrics'> = {
  topFields: [
    'baseUrl',
    'scenarios',
    'users',
    'thresholds',
    'setup',
    'teardown',
    'handleSummary',
    'http',
    'tags',
    'monitor',
    'capacityHeadroom',
  ],
  runs: ['exec', 'user'],
  runsText: 'exec (a function) or user (a name in users)',
  templates: false,
};
const USER_FIELDS = ['wait', 'onStart', 'onStop', 'tasks'];

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What only a script has: functions (hooks, tasks, exec) and its exports. */
function scriptProblems(
  def: Record<string, unknown>,
  exports: TestModule['exports'],
  file: string,
): Problem[] {
  const out: Problem[] = [];
  const at = (path: string, code: string, message: string): void => void out.push({ path, code, message });
  for (const hook of ['setup', 'teardown', 'handleSummary'])
    if (def[hook] !== undefined && typeof def[hook] !== 'function')
      at(hook, 'wrong-type', 'must be a function');
  if (isObj(def.users))
    for (const [name, u] of Object.entries(def.users)) {
      if (!isObj(u)) continue; // said by the shared validator
      const path = problemPath('users', name);
      for (const k of Object.keys(u))
        if (!USER_FIELDS.includes(k))
          at(problemPath(path, k), 'unknown-field', `is not a user field (${USER_FIELDS.join(', ')})`);
      for (const hook of ['onStart', 'onStop'] as const)
        if (u[hook] !== undefined && typeof u[hook] !== 'function')
          at(problemPath(path, hook), 'wrong-type', 'must be a function');
      const wait = u.wait as UserDefinition['wait'];
      if (
        wait !== undefined &&
        !(isObj(wait) && ['between', 'constant', 'pacing'].includes(String(wait.kind)))
      )
        at(
          problemPath(path, 'wait'),
          'wrong-type',
          'must come from between(min, max), constant(s) or pacing(s)',
        );
      if (Array.isArray(u.tasks))
        u.tasks.forEach((t, i) => {
          if (typeof t !== 'function' && !(isObj(t) && typeof t.run === 'function'))
            at(
              problemPath(problemPath(path, 'tasks'), i),
              'wrong-type',
              'must be a function or { weight, run }',
            );
        });
    }
  if (isObj(def.scenarios))
    for (const [name, s] of Object.entries(def.scenarios)) {
      if (!isObj(s) || s.exec === undefined || typeof s.exec === 'function') continue;
      const path = problemPath(problemPath('scenarios', name), 'exec');
      if (typeof s.exec !== 'string')
        at(path, 'wrong-type', 'must be a function or the name of an exported function');
      else if (typeof exports[s.exec] !== 'function')
        at(path, 'not-found', `${file} exports no function '${s.exec}'`);
    }
  return out;
}

/**
 * Every problem with a script's definition, each at its path: the shared validator's (fields,
 * executors, thresholds — with the script's custom metrics) and the script's own.
 */
export function validateDefinition(
  m: TestModule,
  file: string,
  metrics: ReadonlyMap<string, MetricDefinition> = new Map(),
): Problem[] {
  const def = m.definition as unknown as Record<string, unknown>;
  return [
    ...validateDefinitionData(def, { ...SCRIPT_FORM, metrics }),
    ...scriptProblems(def, m.exports, file),
  ];
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

/**
 * The engine config of a definition. Reads the TLS files the definition names (relative to the
 * test file's folder); a file that cannot be used throws a VolleyError before any traffic.
 */
export function definitionConfig(def: TestDefinition, o: ScriptRunOptions): TestConfig {
  const thresholds = thresholdSpecs(def);
  for (const [k, list] of Object.entries(o.thresholds)) (thresholds[k] ??= []).push(...list);
  return {
    scenarios: scenarioConfigs(def),
    thresholds,
    workers: o.workers,
    http: {
      fastPath: o.fastPath,
      insecureSkipTLSVerify:
        o.insecureSkipTLSVerify ||
        def.http?.insecureSkipTLSVerify === true ||
        def.http?.tls?.insecureSkipTLSVerify === true,
      http2: def.http?.http2 === true,
      ...httpDepthConfig(def.http, threadState.scriptDir),
    },
    stopGraceMs: o.stopGraceMs,
    tags: { ...(def.tags ?? {}), ...o.tags },
    windowSeconds: 10,
    preciseSchedule: o.preciseSchedule,
    ...(def.monitor ? { monitor: def.monitor } : {}),
    ...(def.capacityHeadroom !== undefined
      ? { capacityHeadroom: parseHeadroom(def.capacityHeadroom) ?? DEFAULT_HEADROOM }
      : {}),
  };
}
