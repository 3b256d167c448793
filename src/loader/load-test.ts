/**
 * A script test from file to engine: bundle (scripts) or parse (YAML/JSON), import in the main
 * thread, validate every part at once, build the engine config with the script's custom metrics,
 * and run `setup()`/`teardown()` in the main thread. The CLI and the API server share it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { prepareTest } from './prepare.js';
import type { ScriptAttachment, ScriptRef, ScriptSource, TestConfig } from '../config/types.js';
import type { PreparedTest } from './prepare.js';
import type { MetricDefinition } from '../metrics/definitions.js';
import { problemText } from '../config/problems.js';
import { VolleyError } from '../errors.js';
// Thresholds name protocol metrics (http_req_duration): the modules register them on load.
import '../protocols/registry.js';
import type { TestDefinition } from '../script/api.js';
import { TEST_FILE_EXTENSIONS } from '../config/test-file-types.js';
import { bundleScript, bundleSource, type ScriptBundle } from '../script/bundle.js';
import { dataRegistry } from '../script/data-access.js';
import { userStack } from '../script/error-log.js';
import type { ScriptHttpClient } from '../protocols/http/script-client.js';
import {
  definitionConfig,
  httpDefaults,
  isDeclarativeFile,
  validateDefinition,
  type ScriptRunOptions,
  type TestModule,
} from '../script/load.js';
import { threadState } from '../script/thread-state.js';
import { importTestModule } from './import-test.js';

export interface LoadedTest {
  /** Absolute path of the test file. */
  file: string;
  ref: ScriptRef;
  module: TestModule;
  config: TestConfig;
  prepared: PreparedTest;
  /** Metrics the script declared (Counter, Gauge, Rate, Trend). */
  customMetrics: MetricDefinition[];
  /** Removes the bundle's temp folder. */
  dispose(): void;
}

function checkFile(file: string): void {
  if (!existsSync(file)) throw new VolleyError('UNREADABLE_FILE', `${file}: no such file`);
  if (!statSync(file).isFile()) throw new VolleyError('UNREADABLE_FILE', `${file}: not a file`);
  if (!TEST_FILE_EXTENSIONS.includes(extname(file).toLowerCase()))
    throw new VolleyError(
      'INVALID_USAGE',
      `${file}: unknown test file type '${extname(file)}' (one of ${TEST_FILE_EXTENSIONS.join(', ')})`,
    );
}

/** Keeps only the named scenarios (`--scenario`); an unknown name is an error listing the others. */
function selectScenarios(module: TestModule, only: readonly string[], path: string): void {
  if (only.length === 0) return;
  const all = module.definition.scenarios ?? {};
  const unknown = only.filter((n) => !(n in all));
  if (unknown.length > 0)
    throw new VolleyError(
      'INVALID_USAGE',
      `${path}: no scenario ${unknown.map((n) => `'${n}'`).join(', ')} (scenarios: ${Object.keys(all).join(', ')})`,
    );
  module.definition.scenarios = Object.fromEntries(Object.entries(all).filter(([n]) => only.includes(n)));
}

export interface LoadOptions extends ScriptRunOptions {
  /** `-e KEY=VALUE`: shipped to every worker. */
  env: Record<string, string>;
  /** The whole environment the main thread sees (declarative `{{ $env.X }}` templates read it). */
  processEnv?: Readonly<Record<string, string | undefined>>;
  /** Run only these scenarios (all when empty). */
  scenarios?: readonly string[];
}

/** A declarative file as generators receive it: its text and digest. */
function declarativeSource(path: string): ScriptSource {
  const text = readFileSync(path, 'utf8');
  return { kind: 'declarative', path, text, sha256: createHash('sha256').update(text).digest('hex') };
}

/**
 * The attachment carries the bundle's text and every data file's bytes, for the generators; the
 * test's config is also stored and sent as JSON (the run store, the API), where a summary is what
 * belongs: paths, digests and sizes. `encodeSpec` sends the content (it copies the attachment, and
 * a copy has no `toJSON`).
 */
function storedAsSummary(script: ScriptAttachment): ScriptAttachment {
  const { ref } = script;
  const summary = {
    ref:
      ref.kind === 'bundle'
        ? {
            kind: ref.kind,
            scriptPath: ref.scriptPath,
            trackVu: ref.trackVu,
            sha256: ref.sha256,
            bytes: ref.code.length,
          }
        : { kind: ref.kind, path: ref.path, sha256: ref.sha256 },
    env: script.env,
    data: script.data.map((d) => ({
      key: d.key,
      kind: d.kind,
      path: d.path,
      sha256: d.sha256,
      rows: d.rows,
      bytes: d.bytes.byteLength,
    })),
  };
  // setupData is read when the config is serialised: runSetup() fills it in after loading.
  Object.defineProperty(script, 'toJSON', {
    value: () => ({ ...summary, setupData: script.setupData }),
    enumerable: false,
  });
  return script;
}

export async function loadTest(path: string, options: LoadOptions): Promise<LoadedTest> {
  const file = resolve(path);
  checkFile(file);
  let bundle: ScriptBundle | undefined;
  let ref: ScriptRef;
  if (isDeclarativeFile(file)) ref = { kind: 'declarative', path: file };
  else {
    bundle = await bundleScript(file);
    ref = { kind: 'bundle', bundlePath: bundle.path, scriptPath: file, trackVu: bundle.trackVu };
  }
  const dispose = (): void => bundle?.dispose();
  try {
    const module = await importTestModule(ref, { ...options.processEnv, ...options.env });
    selectScenarios(module, options.scenarios ?? [], path);
    // Every problem at once, from the one definition validator; the engine's own check of the
    // config (prepareTest) then adds only what the command line brought (--threshold).
    const problems = validateDefinition(module, path, threadState.customMetrics);
    const errors = problems.map(problemText);
    const config = definitionConfig(module.definition, options);
    let prepared: PreparedTest | undefined;
    try {
      prepared = prepareTest(config, threadState.customMetrics);
    } catch (err) {
      if (!(err instanceof VolleyError)) throw err;
      for (const e of err.details.length ? err.details : [err.message])
        if (!errors.includes(e)) errors.push(e);
    }
    if (errors.length > 0 || !prepared)
      throw new VolleyError('INVALID_SCRIPT', `${path}: ${errors[0] as string}`, {
        details: errors.map((e) => `${path}: ${e}`),
        problems,
      });
    config.script = storedAsSummary({
      ref: bundle ? bundleSource(bundle, file) : declarativeSource(file),
      ...(bundle ? { localBundlePath: bundle.path } : {}),
      env: { ...options.env },
      setupData: undefined,
      data: dataRegistry().portable(),
    });
    const customMetrics = [...threadState.customMetrics.values()];
    return { file, ref, module, config, prepared, customMetrics, dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}

/** An HTTP client for setup/teardown: the test's defaults, nothing recorded. */
async function withMainThreadClient<R>(
  def: TestDefinition,
  config: TestConfig,
  fn: (http: ScriptHttpClient) => Promise<R>,
): Promise<R> {
  // The HTTP stack (undici, tough-cookie) loads only for a script with setup/teardown.
  const { createHttpConnection } = await import('../protocols/http/connection.js');
  const { connectionOptions } = await import('../protocols/http/options.js');
  const { ScriptHttpClient } = await import('../protocols/http/script-client.js');
  const conn = createHttpConnection(connectionOptions(config.http));
  const http = new ScriptHttpClient(() => conn, httpDefaults(def), {
    assertRunning: () => {},
    record: () => {},
  });
  try {
    return await fn(http);
  } finally {
    conn.close();
  }
}

function scriptFailed(test: LoadedTest, hook: string, err: unknown): VolleyError {
  const { message, stack } = userStack(err);
  const text = `${test.file}: ${hook}() threw: ${message}`;
  return new VolleyError('SCRIPT_FAILED', text, {
    details: [stack ? `${text}\n${stack}` : text],
    cause: err,
  });
}

/** Runs `setup()` (if any) and stores its result for the workers. */
export async function runSetup(test: LoadedTest): Promise<unknown> {
  const setup = test.module.definition.setup;
  if (!setup) return undefined;
  let data: unknown;
  try {
    data = await withMainThreadClient(test.module.definition, test.config, async (http) => setup({ http }));
  } catch (err) {
    throw scriptFailed(test, 'setup', err);
  }
  try {
    structuredClone(data);
  } catch (err) {
    throw new VolleyError(
      'SCRIPT_FAILED',
      `${test.file}: setup() returned a value that cannot be copied to the workers (${(err as Error).message}): return plain data — objects, arrays, strings, numbers`,
    );
  }
  if (test.config.script) test.config.script.setupData = data;
  return data;
}

export async function runTeardown(test: LoadedTest, data: unknown): Promise<void> {
  const teardown = test.module.definition.teardown;
  if (!teardown) return;
  try {
    await withMainThreadClient(test.module.definition, test.config, async (http) => {
      await teardown({ http, data });
    });
  } catch (err) {
    throw scriptFailed(test, 'teardown', err);
  }
}
