/** `volley run`: quick mode (`--url`) or a test file (script or YAML/JSON). Owns signals, outputs and the exit code. */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { prepareTest } from '../config/prepare.js';
import {
  parseTagFlags,
  parseThresholdFlags,
  quickConfig,
  QUICK_DEFAULTS,
  type QuickFlags,
} from '../config/quick.js';
import type { TestConfig } from '../config/types.js';
import { tryParseDurationMs } from '../config/duration.js';
import { TestRun, type PreparedTest, type RunListener, type RunResult } from '../engine/run.js';
import { VolleyError } from '../errors.js';
import { planMonitors, startMonitors, type MonitorFlags } from '../monitor/index.js';
import { CsvOutput } from '../outputs/csv.js';
import {
  FILE_KINDS,
  assertWritable,
  NdjsonOutput,
  parseOutSpec,
  writeJsonSummary,
  type OutputSpec,
} from '../outputs/files.js';
import { parsePrometheusSpec } from '../outputs/prometheus.js';
import { preflight } from '../protocols/http/preflight.js';
import { Progress } from '../report/progress.js';
import { buildSummary, type Summary } from '../summary/summary.js';
import { renderSummary } from '../report/terminal.js';
import { loadTest, runSetup, runTeardown, type LoadedTest } from '../script/session.js';
import { forbidProcessExit } from '../script/exit-guard.js';
import { processRef } from '../store/pid-alive.js';
import { RunRecorder } from '../store/recorder.js';
import type { RunStore } from '../store/run-store.js';
import type { RunSource } from '../store/types.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';
import { loadWithTypeProblems } from './problems.js';
import { volleyCommand } from './self-command.js';
import { openStoreFor, type StoreFlags } from './store-flags.js';

export interface RunFlags extends QuickFlags, StoreFlags, MonitorFlags {
  out?: string[];
  /** The run's id (the API picks it before the run process starts); a new UUID otherwise. */
  runId?: string;
  source?: RunSource;
  preflight?: boolean;
  quiet?: boolean;
  env?: string[];
  typecheck?: boolean;
  scenario?: string[];
}

function checkWritable(spec: OutputSpec): void {
  if (FILE_KINDS.includes(spec.kind) && spec.target !== '-')
    assertWritable(spec.target, `--out ${spec.kind}=${spec.target}`);
}

export function exitCodeFor(summary: Summary, result: RunResult): ExitCodeValue {
  if (result.aborted?.reason === 'signal') return ExitCode.ABORTED_BY_SIGNAL;
  if (summary.verdict === 'error') return ExitCode.RUN_ERROR;
  // A worker that died or was terminated is a run error (97) above, whatever it completed.
  if (!summary.thresholds.ok) return ExitCode.THRESHOLDS_FAILED;
  return ExitCode.OK;
}

/** Flags that shape quick mode's one scenario: a test file sets its scenarios itself. */
const QUICK_ONLY: [keyof RunFlags, string][] = [
  ['rate', '--rate'],
  ['vus', '--vus'],
  ['maxVus', '--max-vus'],
  ['duration', '--duration'],
  ['iterations', '--iterations'],
  ['executor', '--executor'],
  ['think', '--think'],
  ['method', '-X'],
  ['body', '--body'],
  ['maxRedirects', '--max-redirects'],
  ['timeout', '--timeout'],
  ['gracefulStop', '--graceful-stop'],
];

/** `-e KEY=VALUE` pairs. */
export function parseEnv(list: readonly string[] | undefined, errors: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of list ?? []) {
    const idx = e.indexOf('=');
    if (idx <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.slice(0, idx)))
      errors.push(`-e '${e}' must be KEY=VALUE`);
    else env[e.slice(0, idx)] = e.slice(idx + 1);
  }
  return env;
}

/** The command-line options that apply to a test file, every problem at once. */
export function fileRunOptions(flags: RunFlags, file: string) {
  const errors: string[] = [];
  if (flags.url !== undefined) errors.push(`give either a test file (${file}) or --url, not both`);
  for (const [key, flag] of QUICK_ONLY)
    if (flags[key] !== undefined)
      errors.push(`${flag} shapes quick mode (--url); in a test file, set it in the scenario instead`);
  if ((flags.stage ?? []).length > 0)
    errors.push('--stage shapes quick mode (--url); in a test file, use stages in the scenario');
  if ((flags.header ?? []).length > 0)
    errors.push('-H applies to quick mode; in a test file, use http.headers');
  const env = parseEnv(flags.env, errors);
  const thresholds = parseThresholdFlags(flags.threshold, errors);
  const tags = parseTagFlags(flags.tag, errors);
  let workers = 0;
  if (flags.workers !== undefined && flags.workers !== 'auto') {
    workers = Number(flags.workers);
    if (!Number.isInteger(workers) || workers < 1)
      errors.push(`--workers must be an integer >= 1 or auto (got '${flags.workers}')`);
  }
  const grace = tryParseDurationMs(flags.grace ?? QUICK_DEFAULTS.grace);
  if (grace === undefined) errors.push(`--grace: malformed duration '${flags.grace}'`);
  if (errors.length > 0) throw new VolleyError('INVALID_USAGE', errors[0] as string, { details: errors });
  return {
    env,
    scenarios: flags.scenario ?? [],
    workers,
    fastPath: flags.fastPath !== false,
    insecureSkipTLSVerify: flags.insecure === true,
    stopGraceMs: grace as number,
    tags,
    preciseSchedule: flags.precise === true,
    thresholds,
  };
}

interface Outputs {
  specs: OutputSpec[];
}

function outputs(flags: RunFlags): Outputs {
  const specs = (flags.out ?? []).map(parseOutSpec);
  specs.forEach(checkWritable);
  const toStdout = specs.filter((o) => FILE_KINDS.includes(o.kind) && o.target === '-');
  if (toStdout.length > 1) {
    throw new VolleyError(
      'INVALID_USAGE',
      `only one --out may write to stdout (-): got ${toStdout.map((o) => `${o.kind}=-`).join(', ')}`,
    );
  }
  for (const o of specs) if (o.kind === 'prometheus') parsePrometheusSpec(o.target);
  if (specs.filter((o) => o.kind === 'prometheus').length > 1)
    throw new VolleyError('INVALID_USAGE', 'only one --out prometheus per run');
  return { specs };
}

/** html=FILE and junit=FILE, written once the summary exists. */
async function writeEndReports(outs: Outputs, summary: Summary, io: CliIO): Promise<void> {
  for (const o of outs.specs) {
    if (o.kind !== 'html' && o.kind !== 'junit') continue;
    // Loaded only when asked for: start-up stays fast (docs/benchmarks.md, section 6).
    const { renderHtmlReport } = await import('../report/html-report.js');
    const { renderJunitReport } = await import('../report/junit-report.js');
    const text = o.kind === 'html' ? renderHtmlReport(summary) : renderJunitReport(summary);
    try {
      if (o.target === '-') io.stdout(text);
      else writeFileSync(o.target, text);
    } catch (err) {
      io.stderr(
        `error: --out ${o.kind}=${o.target}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})\n`,
      );
    }
  }
}

/** The ports a run sends to (quick mode's URL, a script's baseUrl): where the monitored target listens. */
function targetPorts(config: TestConfig, script: LoadedTest | undefined): number[] {
  const ports: number[] = [];
  for (const text of [config.request?.url, script?.module.definition.baseUrl]) {
    if (!text) continue;
    try {
      const u = new URL(text);
      ports.push(Number(u.port || (u.protocol === 'https:' ? 443 : 80)));
    } catch {
      // Not a URL: nothing to prefer.
    }
  }
  return ports;
}

/** What a caller embedding the run (the API's run process) can add: listeners, and the run itself to steer. */
export interface RunHooks {
  listeners?: RunListener[];
  onRun?: (run: TestRun) => void;
}

export async function runCommand(
  flags: RunFlags,
  io: CliIO,
  file?: string,
  hooks: RunHooks = {},
): Promise<ExitCodeValue> {
  // Before anything is sent (setup, preflight): a monitor that cannot work is a usage error.
  const monitorErrors: string[] = [];
  planMonitors(flags, monitorErrors);
  if (monitorErrors.length > 0)
    throw new VolleyError('INVALID_USAGE', monitorErrors[0] as string, { details: monitorErrors });
  if (file === undefined) {
    const fileOnly = [
      (flags.scenario ?? []).length > 0 ? '--scenario' : undefined,
      (flags.env ?? []).length > 0 ? '-e/--env' : undefined,
      flags.typecheck ? '--typecheck' : undefined,
    ].filter((x): x is string => x !== undefined);
    if (fileOnly.length > 0)
      throw new VolleyError(
        'INVALID_USAGE',
        `${fileOnly.join(', ')} appl${fileOnly.length === 1 ? 'ies' : 'y'} to a test file (volley run FILE), not to --url`,
      );
    const config = quickConfig(flags);
    const test = prepareTest(config);
    const outs = outputs(flags);
    if (flags.preflight !== false && config.request) {
      await preflight(new URL(config.request.url), 3000, config.http.insecureSkipTLSVerify);
    }
    const store = openStoreFor(flags, io);
    try {
      return await execute(test, config, flags, outs, io, hooks, store);
    } finally {
      store?.close();
    }
  }

  const options = fileRunOptions(flags, file);
  const outs = outputs(flags);
  const typeProblems: string[] = [];
  if (flags.typecheck) {
    const { typecheckScript } = await import('../script/typecheck.js');
    typeProblems.push(...typecheckScript(file));
  }
  // The script's own process.env (main thread: top-level code and setup); workers get it too.
  Object.assign(io.env, options.env);
  // Script code in this thread (top level, setup, teardown) must not end volley silently.
  const allowExit = forbidProcessExit(process, file);
  let loaded: LoadedTest;
  try {
    // With type errors, validation still runs: every problem of the file in one pass, as volley check.
    loaded = await loadWithTypeProblems(
      typeProblems,
      () => loadTest(file, { ...options, processEnv: io.env }),
      (t) => t.dispose(),
      'the type check found the TS errors; run without --typecheck to run anyway',
    );
  } catch (err) {
    allowExit();
    throw err;
  }
  const store = openStoreFor(flags, io);
  try {
    const base = loaded.module.definition.baseUrl;
    if (flags.preflight !== false && base)
      await preflight(new URL(base), 3000, loaded.config.http.insecureSkipTLSVerify);
    const data = await runSetup(loaded);
    return await execute(loaded.prepared, loaded.config, flags, outs, io, hooks, store, loaded, data);
  } finally {
    allowExit();
    store?.close();
    loaded.dispose();
  }
}

async function execute(
  test: PreparedTest,
  config: TestConfig,
  flags: RunFlags,
  outs: Outputs,
  io: CliIO,
  hooks: RunHooks,
  store: RunStore | undefined,
  script?: LoadedTest,
  setupData?: unknown,
): Promise<ExitCodeValue> {
  const dataToStdout = outs.specs.some((o) => o.target === '-');
  const human = dataToStdout ? io.stderr : io.stdout;
  const ndjson = outs.specs
    .filter((o) => o.kind === 'ndjson')
    .map((o) => new NdjsonOutput(o.target, io.stdout));
  const csv = outs.specs.filter((o) => o.kind === 'csv').map((o) => new CsvOutput(o.target, io.stdout));
  const runId = flags.runId ?? randomUUID();
  const logLine = (line: string): void => io.stderr(`${line}\n`);
  const live: { close(): Promise<void> }[] = [];
  const liveListeners: RunListener[] = [];
  try {
    for (const o of outs.specs) {
      if (o.kind === 'prometheus') {
        const { PrometheusOutput } = await import('../outputs/prometheus.js');
        const prom = await PrometheusOutput.start(o.target, logLine);
        live.push(prom);
        liveListeners.push(prom); // start() prints the URL on stderr
      } else if (o.kind === 'otlp') {
        const { OtlpOutput } = await import('../outputs/otlp.js');
        const otlp = new OtlpOutput(o.target, { runId, log: logLine });
        live.push(otlp);
        liveListeners.push(otlp);
      }
    }
  } catch (err) {
    for (const l of live) await l.close();
    for (const c of csv) c.close();
    for (const n of ndjson) n.close();
    throw err;
  }
  const closeLive = async (): Promise<void> => {
    for (const l of live.splice(0)) {
      try {
        await l.close();
      } catch (err) {
        io.stderr(`warning: closing an output: ${(err as Error).message}\n`);
      }
    }
  };
  const listeners: RunListener[] = [...ndjson, ...csv, ...liveListeners, ...(hooks.listeners ?? [])];
  if (!flags.quiet)
    listeners.push(new Progress({ write: io.stderr, tty: io.stderrIsTTY && !io.ci, plainEverySeconds: 5 }));
  const recorder = store
    ? new RunRecorder(store, {
        id: runId,
        source: flags.source ?? 'cli',
        name: script ? basename(script.file) : (config.request?.url ?? 'run'),
        config,
        process: processRef(process.pid),
        warn: (m) => io.stderr(`warning: ${m}\n`),
      })
    : undefined;
  // First, so the store says 'running' before any other listener (the API relay) tells of the start.
  if (recorder) listeners.unshift(recorder);
  const run = new TestRun(test, listeners, runId);
  const monitorWarn = (m: string): void => io.stderr(`warning: ${m}\n`);
  const monitorProblems: string[] = []; // a monitored pid that exited since the check above
  const monitors = startMonitors(
    planMonitors(flags, monitorProblems),
    monitorWarn,
    targetPorts(config, script),
  );
  monitorProblems.forEach(monitorWarn);
  for (const m of monitors) run.addSampler(m);
  hooks.onRun?.(run);

  let signals = 0;
  const onSignal = (name: string): void => {
    signals++;
    if (signals === 1) {
      io.stderr(
        `\n${name}: stopping — in-flight requests get ${config.stopGraceMs / 1000}s (press Ctrl-C again to stop now)\n`,
      );
      run.stop('signal', `stopped by ${name}`);
    } else {
      run.stop('signal', `stopped by ${name}`, 0);
    }
  };
  const offSignals = io.onSignals(onSignal, { hangup: true });
  let result: RunResult;
  try {
    result = await run.run();
  } catch (err) {
    recorder?.fail((err as Error).message, null);
    for (const c of csv) c.close();
    await closeLive();
    throw err;
  } finally {
    offSignals();
    for (const m of monitors) void m.close?.();
  }
  let teardownError: VolleyError | undefined;
  if (script && result.aborted?.reason !== 'signal') {
    try {
      await runTeardown(script, setupData);
    } catch (err) {
      if (!(err instanceof VolleyError)) throw err;
      teardownError = err;
    }
  }
  const summary = buildSummary(result, config, script?.file);
  for (const o of outs.specs) if (o.kind === 'json') writeJsonSummary(o.target, summary, io.stdout);
  for (const n of ndjson) {
    n.writeSummary(summary);
    n.close();
  }
  for (const c of csv) c.close();
  await writeEndReports(outs, summary, io);
  await closeLive();
  if (!flags.quiet) human(renderSummary(summary, { color: io.color }));
  let code = exitCodeFor(summary, result);
  if (teardownError) {
    for (const d of teardownError.details.length ? teardownError.details : [teardownError.message])
      io.stderr(`error: ${d}\n`);
    if (code === ExitCode.OK) code = ExitCode.SCRIPT_FAILED;
  }
  recorder?.finish(summary, code);
  if (recorder && !flags.quiet)
    io.stderr(
      `run ${runId.slice(0, 8)} stored in ${store?.path} (${volleyCommand(io.env)} runs show ${runId.slice(0, 8)})\n`,
    );
  return code;
}
