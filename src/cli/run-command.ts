/** `volley run`: quick mode (`--url`) or a test file (script or YAML/JSON). Owns signals, outputs and the exit code. */
import { prepareTest } from '../loader/prepare.js';
import {
  parseTagFlags,
  parseThresholdFlags,
  quickConfig,
  QUICK_DEFAULTS,
  type QuickFlags,
} from '../loader/quick.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { tryParseDurationMs } from '../config/duration.js';
import type { HandleSummary } from '../script/api.js';
import type { Summary } from '../summary/summary.js';
import type { TestConfig } from '../config/types.js';
import { parseTrendStats } from '../metrics/summary-values.js';
import type { TestRun } from '../engine/run.js';
import { VolleyError } from '../errors.js';
import { mergeMonitorFlags, monitorOptionFlags, planMonitors, type MonitorFlags } from '../monitor/index.js';
import type { MonitorOptions } from '../config/types.js';
import { parseHeadroom } from '../summary/capacity.js';
import { parseOutputs, writesToStdout, type OutputSpec } from '../outputs/registry.js';
import { Progress } from '../report/progress.js';
import { renderSummary } from '../report/terminal.js';
import { loadTest, type LoadedTest } from '../loader/load-test.js';
import { forbidProcessExit } from '../script/exit-guard.js';
import type { RunStore } from '../store/run-store.js';
import type { RunSource } from '../store/types.js';
import { runTest, type RunPlan, type SessionListener, type StopRequest } from '../session/run-test.js';
import { httpDepthFlags } from '../protocols/http/depth-options.js';
import type { ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';
import { loadWithTypeProblems } from './problems.js';
import { volleyCommand } from './self-command.js';
import { openStoreFor, type StoreFlags } from './store-flags.js';
import { reserveAgents, type DistributedFlags } from './distributed-run.js';

export interface RunFlags extends QuickFlags, StoreFlags, MonitorFlags, DistributedFlags {
  out?: string[];
  /** An API body's `monitor` (not a command-line flag: the terminal has --monitor-*). */
  monitorOptions?: MonitorOptions;
  /** The capacity plan's headroom: `30%` or `0.3`. */
  headroom?: string;
  /** The run's id (the API picks it before the run process starts); a new UUID otherwise. */
  runId?: string;
  source?: RunSource;
  preflight?: boolean;
  quiet?: boolean;
  env?: string[];
  typecheck?: boolean;
  scenario?: string[];
  /** `-n`: the old spelling of `-i/--iterations`. */
  n?: string;
  /** false with `--no-thresholds`. */
  thresholds?: boolean;
  summaryTrendStats?: string;
  allowConcurrent?: boolean;
  /** `--http-debug` (true) or `--http-debug=full`. */
  httpDebug?: boolean | string;
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
  ['wsMessagesPerSession', '--ws-messages-per-session'],
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
  if (flags.expectedStatus !== undefined)
    errors.push('--expected-status applies to quick mode; in a test file, use http.expectedStatuses');
  // --ca/--cert/--key/--proxy apply to a test file too (over its own http.tls / http.proxy).
  const httpDepth = httpDepthFlags(
    {
      ca: flags.ca,
      cert: flags.cert,
      key: flags.key,
      proxy: flags.proxy,
      http2Connections: flags.http2Connections,
      http2Streams: flags.http2Streams,
    },
    errors,
  );
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
    httpDepth,
  };
}

/** What a caller embedding the run (the API's job process) can add: listeners, its own stops, the run itself to steer. */
export interface RunHooks {
  listeners?: SessionListener[];
  /** Stops besides SIGINT/SIGTERM/SIGHUP (StopRequest reasons; src/session/run-test.ts). */
  signal?: AbortSignal;
  stopNow?: AbortSignal;
  onRun?: (run: TestRun) => void;
}

export async function runCommand(
  flags: RunFlags,
  io: CliIO,
  file?: string,
  hooks: RunHooks = {},
): Promise<ExitCodeValue> {
  // `--http-debug FILE`: commander hands an optional value the next word; k6's flag takes only
  // `--http-debug=full`, so a word other than `full` is the test file.
  if (typeof flags.httpDebug === 'string' && flags.httpDebug !== 'full' && file === undefined) {
    file = flags.httpDebug;
    flags = { ...flags, httpDebug: true };
  }
  if (flags.n !== undefined) {
    if (flags.iterations !== undefined)
      throw new VolleyError('INVALID_USAGE', 'give -i/--iterations or -n, not both');
    flags = { ...flags, iterations: flags.n };
    delete flags.n;
  }
  // Before anything is sent (setup, preflight): a monitor that cannot work is a usage error.
  const monitorErrors: string[] = [];
  const monitors = runMonitorFlags(flags);
  if (monitors) planMonitors(monitors, monitorErrors, process.pid);
  let headroom: number | undefined;
  if (flags.headroom !== undefined) {
    headroom = parseHeadroom(flags.headroom);
    if (headroom === undefined)
      monitorErrors.push(`--headroom must be a share below 100% like 30% or 0.3 (got '${flags.headroom}')`);
  }
  const trendStats =
    flags.summaryTrendStats === undefined
      ? undefined
      : parseTrendStats(flags.summaryTrendStats, monitorErrors);
  if (flags.httpDebug !== undefined && flags.httpDebug !== true && flags.httpDebug !== 'full')
    monitorErrors.push(`--http-debug takes no value or 'full' (got '${String(flags.httpDebug)}')`);
  if (monitorErrors.length > 0)
    throw new VolleyError('INVALID_USAGE', monitorErrors[0] as string, { details: monitorErrors });
  const shape = (config: TestConfig): void => {
    if (trendStats) config.summaryTrendStats = trendStats;
    if (flags.httpDebug !== undefined) config.http.debug = flags.httpDebug === 'full' ? 'full' : 'headers';
  };
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
    if (headroom !== undefined) config.capacityHeadroom = headroom;
    shape(config);
    const test = prepareTest(config);
    const outs = parseOutputs(flags.out ?? []);
    return execute({ test, config }, flags, outs, io, hooks);
  }

  const options = fileRunOptions(flags, file);
  const outs = parseOutputs(flags.out ?? []);
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
  // --http2 switches a test file to HTTP/2 as well (its own http2 option may already have).
  if (flags.http2) loaded.config.http.http2 = true;
  if (headroom !== undefined) loaded.config.capacityHeadroom = headroom;
  Object.assign(loaded.config.http, options.httpDepth);
  shape(loaded.config);
  try {
    return await execute(
      { test: loaded.prepared, config: loaded.config, script: loaded },
      flags,
      outs,
      io,
      hooks,
    );
  } finally {
    allowExit();
    loaded.dispose();
  }
}

/** The `--monitor-*` flags with an API body's `monitor` added. */
function runMonitorFlags(flags: RunFlags): MonitorFlags | undefined {
  return mergeMonitorFlags(flags, flags.monitorOptions && monitorOptionFlags(flags.monitorOptions));
}

/**
 * k6's `handleSummary(data)`: the script's export (or its definition's field) gets the summary and
 * returns files to write; `stdout` and `stderr` are printed instead. True when it printed to
 * stdout (that replaces the terminal summary, as in k6). A failure is reported and the normal
 * summary printed: a broken handleSummary never loses the results (the store and --out have them).
 */
async function handleSummary(script: LoadedTest, summary: Summary, io: CliIO): Promise<boolean> {
  const fn = script.module.definition.handleSummary ?? script.module.exports.handleSummary;
  if (typeof fn !== 'function') return false;
  let files: Record<string, string>;
  try {
    const out: unknown = await (fn as HandleSummary)(structuredClone(summary));
    if (typeof out !== 'object' || out === null || Array.isArray(out))
      throw new Error(`must return an object of path → content (got ${out === null ? 'null' : typeof out})`);
    files = out as Record<string, string>;
  } catch (err) {
    io.stderr(`error: handleSummary: ${(err as Error).message ?? String(err)}; the normal summary follows\n`);
    return false;
  }
  let printed = false;
  for (const [path, content] of Object.entries(files)) {
    const text = typeof content === 'string' ? content : JSON.stringify(content, null, 2);
    if (path === 'stdout') {
      io.stdout(text);
      printed = true;
    } else if (path === 'stderr') io.stderr(text);
    else {
      try {
        const abs = resolve(path);
        mkdirSync(dirname(abs), { recursive: true });
        writeFileSync(abs, text);
      } catch (err) {
        io.stderr(`error: handleSummary: cannot write ${path}: ${(err as Error).message}\n`);
      }
    }
  }
  return printed;
}

/** The run through the session; the terminal's part (signals, progress, summary, messages) stays here. */
async function execute(
  plan: RunPlan,
  flags: RunFlags,
  outs: OutputSpec[],
  io: CliIO,
  hooks: RunHooks,
): Promise<ExitCodeValue> {
  const human = outs.some(writesToStdout) ? io.stderr : io.stdout;
  const listeners: SessionListener[] = [...(hooks.listeners ?? [])];
  if (!flags.quiet)
    listeners.push(new Progress({ write: io.stderr, tty: io.stderrIsTTY && !io.ci, plainEverySeconds: 5 }));
  const stop = new AbortController();
  const stopNow = new AbortController();
  let signals = 0;
  const onSignal = (name: string): void => {
    signals++;
    const request: StopRequest = { reason: 'signal', detail: `stopped by ${name}` };
    if (signals === 1) {
      io.stderr(
        `\n${name}: stopping — in-flight requests get ${plan.config.stopGraceMs / 1000}s (press Ctrl-C again to stop now)\n`,
      );
      stop.abort(request);
    } else {
      stopNow.abort(request);
    }
  };
  // Subscribed while the run exists (as before the session): a signal during setup ends volley.
  let offSignals: (() => void) | undefined;
  let store: RunStore | undefined;
  // --nats: the agents are reserved before anything is sent, and freed whatever happens.
  const agents = await reserveAgents(flags, io);
  try {
    const session = await runTest(plan, {
      io,
      listeners,
      outputs: outs,
      // The caller's stops (the API's) and the process's signals, whichever comes first.
      signal: hooks.signal ? AbortSignal.any([hooks.signal, stop.signal]) : stop.signal,
      stopNow: hooks.stopNow ? AbortSignal.any([hooks.stopNow, stopNow.signal]) : stopNow.signal,
      store: () => (store = openStoreFor(flags, io)),
      source: flags.source ?? 'cli',
      preflight: flags.preflight !== false,
      ...(runMonitorFlags(flags) ? { monitors: runMonitorFlags(flags) as MonitorFlags } : {}),
      warnNoSlo: true,
      noThresholds: flags.thresholds === false,
      refuseConcurrent: flags.allowConcurrent !== true,
      ...(flags.runId === undefined ? {} : { runId: flags.runId }),
      ...(agents ? { runId: agents.runId, generators: agents.generators, timings: agents.timings } : {}),
      onRun: (run) => {
        offSignals = io.onSignals(onSignal, { hangup: true });
        hooks.onRun?.(run);
      },
    });
    offSignals?.();
    offSignals = undefined;
    const { summary, teardownError } = session;
    const handled = plan.script ? await handleSummary(plan.script, summary, io) : false;
    if (!flags.quiet && !handled) human(renderSummary(summary, { color: io.color }));
    if (teardownError)
      for (const d of teardownError.details.length ? teardownError.details : [teardownError.message])
        io.stderr(`error: ${d}\n`);
    if (store && !flags.quiet)
      io.stderr(
        `run ${summary.runId.slice(0, 8)} stored in ${store.path} (${volleyCommand(io.env)} runs show ${summary.runId.slice(0, 8)})\n`,
      );
    return session.exitCode;
  } finally {
    offSignals?.();
    store?.close();
    await agents?.close();
  }
}
