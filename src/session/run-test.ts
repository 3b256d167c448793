/**
 * One run session: everything between "a test is prepared" and "here is its summary and exit
 * code", the same for `volley run`, every `volley stress` probe, `volley bench` and the API's job
 * process. Preflight, setup, the outputs, the store recorder, the monitors, stopping through an
 * AbortSignal, teardown, the summary and the exit code (130 > 97 > 99 > 0).
 *
 * It never prints and never exits: lines go to the caller's sink, the exit code is returned. The
 * caller turns signals into an aborted signal and decides what the terminal shows.
 */
import { localTestRun } from '../generators/local-run.js';
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import type { TestConfig } from '../config/types.js';
import { TestRun, type AbortReason, type PreparedTest, type RunResult } from '../engine/run.js';
import type { CoordinatorTimings } from '../engine/coordinator.js';
import type { GeneratorFactory } from '../engine/generator.js';
import { VolleyError } from '../errors.js';
import {
  mergeMonitorFlags,
  monitorOptionFlags,
  planMonitors,
  startMonitors,
  type MonitorFlags,
} from '../monitor/index.js';
import type { SessionListener } from '../outputs/listener.js';
import { createOutputs, type OutputSpec } from '../outputs/registry.js';
import { preflightTarget, protocolForUrl } from '../protocols/registry.js';
import { buildSummary, type Summary } from '../summary/summary.js';
import { runSetup, runTeardown, type LoadedTest } from '../loader/load-test.js';
import { processAlive, processRef } from '../store/pid-alive.js';
import { RunRecorder } from '../store/recorder.js';
import type { RunStore } from '../store/run-store.js';
import type { RunSource } from '../store/types.js';
import { ExitCode, exitCodeFor, type ExitCodeValue } from './exit-codes.js';

export type { SessionListener } from '../outputs/listener.js';

/** What a session runs: a prepared test, its config, and the script it came from (if any). */
export interface RunPlan {
  test: PreparedTest;
  config: TestConfig;
  /** A test file: its setup() runs before the load and its teardown() after (not after a signal). */
  script?: LoadedTest;
  /** The run's name in the store (default: the script's file name or the quick-mode URL). */
  name?: string;
}

/**
 * Why a session is stopped: the reason of the AbortSignal. `detail` is the summary's
 * `abortDetail`; `graceMs` defaults to the test's grace (`--grace`) for the first stop and to 0 for
 * `stopNow`. Any other abort reason stops as a signal would.
 */
export interface StopRequest {
  reason: AbortReason;
  detail: string;
  graceMs?: number;
}

/** Where a session's text goes: stdout for `--out …=-`, stderr for notices, warnings and errors. */
export interface SessionIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export interface RunTestOptions {
  io: SessionIO;
  /** The run's id (the API picks it before the run process starts); a new UUID otherwise. */
  runId?: string;
  /** After the outputs, in this order; a progress display is one of them when the caller wants one. */
  listeners?: readonly SessionListener[];
  /** `--out` outputs, parsed before (src/outputs/registry.ts); created once setup has run. */
  outputs?: readonly OutputSpec[];
  /** Stops the run (in-flight requests get the grace); the reason may be a StopRequest. */
  signal?: AbortSignal;
  /** A second, harder stop (Ctrl-C twice): in-flight requests get its graceMs, default 0. */
  stopNow?: AbortSignal;
  /**
   * The run store to record the run in, or how to open it (called once preflight has passed, so
   * an unreachable target leaves no trace); the caller closes it.
   */
  store?: RunStore | (() => RunStore | undefined);
  /** What the store records as the run's origin. Default 'cli'. */
  source?: RunSource;
  /** Connects to the target before anything is sent (default true). */
  preflight?: boolean;
  /** Run setup() before and teardown() after (default true); false when the caller runs them around many sessions. */
  lifecycle?: boolean;
  /**
   * Resource monitors (`--monitor-*`), checked by the caller beforehand; a config's `monitor`
   * (test file, API body) is added to them and checked here.
   */
  monitors?: MonitorFlags;
  /** The TestRun, once it exists: to steer it (live control) or to subscribe to signals while it runs. */
  onRun?: (run: TestRun) => void;
  /** Who generates the load (default: worker threads of this process); agents over NATS, say. */
  generators?: GeneratorFactory;
  /** The coordinator's timings for those generators (a network needs a later start instant). */
  timings?: Partial<CoordinatorTimings>;
  /**
   * Warn when the test has no threshold (`volley run`): such a run cannot fail. Stress probes and
   * benches have their own pass criteria and leave it off.
   */
  warnNoSlo?: boolean;
  /** `--no-thresholds`: evaluate none; they are listed as skipped and cannot fail the run. */
  noThresholds?: boolean;
  /**
   * Refuse the run (exit 2) when another active run in the store sends to the same host:port:
   * `volley run` and the API's runs ask for it unless `--allow-concurrent`. Bench and stress runs
   * do not (they have their own flags and runs).
   */
  refuseConcurrent?: boolean;
}

/** The no-SLO warning's text (after `warning: `): a test without thresholds always passes. */
export const NO_SLO_WARNING =
  "no SLOs: this run can't fail (add thresholds, e.g. --threshold 'http_req_failed:rate<0.01')";

/**
 * The host:port a run sends to: quick mode's URL, a script's baseUrl, or the gRPC target; undefined
 * when it names none (a script with only absolute URLs). The default port is written out, so
 * `http://h/` and `http://h:80/` are the same target.
 */
export function targetHost(config: TestConfig, script: LoadedTest | undefined): string | undefined {
  if (config.grpcRequest) return config.grpcRequest.target.toLowerCase();
  const text = config.request?.url ?? script?.module.definition.baseUrl;
  if (!text) return undefined;
  try {
    const u = new URL(text);
    const secure = u.protocol === 'https:' || u.protocol === 'wss:';
    return `${u.hostname.toLowerCase()}:${u.port || (secure ? 443 : 80)}`;
  } catch {
    return undefined;
  }
}

/** Refuses a run whose target already has an active run in `store` (not counting `runId` itself). */
function refuseConcurrent(store: RunStore, target: string, runId: string): void {
  const busy = store.activeOnTarget(target, processAlive, runId)[0];
  if (!busy) return;
  throw new VolleyError(
    'INVALID_USAGE',
    `run ${busy.id} (${busy.source}: ${busy.name}) is already active against ${target} in the run store ${store.path}: two runs against one host measure each other`,
    { hint: 'wait for it to end, or pass --allow-concurrent to run anyway' },
  );
}

export interface RunTestResult {
  summary: Summary;
  result: RunResult;
  exitCode: ExitCodeValue;
  /** teardown() threw (exit code 4 unless a stronger one applied); the results were written first. */
  teardownError?: VolleyError;
  /** The store the run was recorded in (undefined: not recorded). */
  store?: RunStore;
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

function stopRequest(signal: AbortSignal, fallbackGraceMs?: number): StopRequest {
  const r = signal.reason as Partial<StopRequest> | undefined;
  const req: StopRequest =
    r && typeof r === 'object' && typeof r.reason === 'string' && typeof r.detail === 'string'
      ? { reason: r.reason, detail: r.detail }
      : { reason: 'signal', detail: 'stopped' };
  const graceMs = r && typeof r === 'object' && typeof r.graceMs === 'number' ? r.graceMs : fallbackGraceMs;
  if (graceMs !== undefined) req.graceMs = graceMs;
  return req;
}

/** Calls `fn` on each listener that has the hook, in order; the first error is rethrown after all ran. */
async function each(
  listeners: readonly SessionListener[],
  fn: (l: SessionListener) => void | Promise<void>,
): Promise<void> {
  let first: unknown;
  for (const l of listeners) {
    try {
      await fn(l);
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}

/**
 * Runs one test to its summary. Throws (after closing every listener) when nothing could be
 * measured: an unreachable target, a failing setup, an output that cannot start, a run that crashed;
 * a crash is recorded in the store as failed, with every second measured up to it.
 */
export async function runTest(plan: RunPlan, opts: RunTestOptions): Promise<RunTestResult> {
  const { config, script } = plan;
  const { io } = opts;
  const warn = (m: string): void => io.stderr(`warning: ${m}\n`);
  const listeners: SessionListener[] = [...(opts.listeners ?? [])];
  let closed = false;
  const closeAll = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const l of listeners) {
      try {
        await l.close?.();
      } catch (err) {
        io.stderr(`warning: closing an output: ${(err as Error).message}\n`);
      }
    }
  };

  const noSlo = Object.keys(config.thresholds).length === 0;
  if (opts.warnNoSlo && noSlo) warn(NO_SLO_WARNING);
  try {
    // A test file's (or an API body's) monitor: what cannot work is refused before anything is sent.
    const configMonitor = config.monitor ? monitorOptionFlags(config.monitor) : undefined;
    if (configMonitor) {
      const problems: string[] = [];
      planMonitors(configMonitor, problems, process.pid);
      if (problems.length > 0)
        throw new VolleyError('INVALID_CONFIG', problems[0] as string, { details: problems });
    }
    const monitorFlags = mergeMonitorFlags(opts.monitors, configMonitor);
    if (opts.preflight !== false) {
      const target = config.request?.url ?? script?.module.definition.baseUrl;
      // The HTTP module's preflight: quick mode's URL, or the base URL a script's requests resolve against.
      if (target) await preflightTarget(protocolForUrl(target).name, new URL(target), config);
      // Quick mode over gRPC: the server answers, and (by reflection) has the method.
      if (config.grpcRequest)
        await preflightTarget('grpc', new URL(`grpc://${config.grpcRequest.target}`), config);
    }
    const store = typeof opts.store === 'function' ? opts.store() : opts.store;
    const runId = opts.runId ?? randomUUID();
    const target = targetHost(config, script);
    if (store && target !== undefined && opts.refuseConcurrent === true)
      refuseConcurrent(store, target, runId);
    const lifecycle = opts.lifecycle !== false && script !== undefined;
    const setupData = lifecycle ? await runSetup(script) : undefined;

    // Outputs first, in --out order, then the caller's listeners. createOutputs closes those it
    // started when one fails; the caller's are closed below.
    const outputs = await createOutputs(opts.outputs ?? [], {
      runId,
      stdout: io.stdout,
      log: (line) => io.stderr(`${line}\n`),
    });
    listeners.unshift(...outputs);

    const recorder = store
      ? new RunRecorder(store, {
          id: runId,
          source: opts.source ?? 'cli',
          name:
            plan.name ??
            (script
              ? basename(script.file)
              : (config.request?.url ??
                (config.grpcRequest ? `${config.grpcRequest.target} ${config.grpcRequest.method}` : 'run'))),
          config,
          process: processRef(process.pid),
          warn,
          ...(target === undefined ? {} : { target }),
        })
      : undefined;
    // First, so the store says 'running' before any other listener (the API relay) tells of the start.
    const runListeners = recorder ? [recorder, ...listeners] : listeners;
    // --no-thresholds: the engine gets none (no live evaluation, no abortOnFail); the summary lists them as skipped.
    const test = opts.noThresholds ? { ...plan.test, thresholds: [] } : plan.test;
    const run = opts.generators
      ? new TestRun(test, runListeners, runId, {
          generators: opts.generators,
          ...(opts.timings ? { timings: opts.timings } : {}),
        })
      : localTestRun(test, runListeners, runId);
    const monitorProblems: string[] = []; // a monitored pid that exited since the caller's check
    const monitors = monitorFlags
      ? startMonitors(
          planMonitors(monitorFlags, monitorProblems, process.pid),
          warn,
          targetPorts(config, script),
        )
      : [];
    monitorProblems.forEach(warn);
    for (const m of monitors) run.addSampler(m);
    opts.onRun?.(run);

    const stop = (signal: AbortSignal, graceMs?: number): void => {
      const req = stopRequest(signal, graceMs);
      if (req.graceMs === undefined) run.stop(req.reason, req.detail);
      else run.stop(req.reason, req.detail, req.graceMs);
    };
    const onAbort = (): void => stop(opts.signal as AbortSignal);
    const onStopNow = (): void => stop(opts.stopNow as AbortSignal, 0);
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.stopNow?.aborted) onStopNow();
    else opts.stopNow?.addEventListener('abort', onStopNow, { once: true });

    let result: RunResult;
    try {
      result = await run.run();
    } catch (err) {
      recorder?.fail((err as Error).message, null);
      throw err;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      opts.stopNow?.removeEventListener('abort', onStopNow);
      for (const m of monitors) void m.close?.();
    }

    let teardownError: VolleyError | undefined;
    if (lifecycle && result.aborted?.reason !== 'signal') {
      try {
        await runTeardown(script, setupData);
      } catch (err) {
        if (!(err instanceof VolleyError)) throw err;
        teardownError = err;
      }
    }
    const summary = buildSummary(result, config, script?.file);
    if (opts.noThresholds && plan.test.thresholds.length > 0)
      summary.thresholds = {
        ok: true,
        skipped: true,
        results: plan.test.thresholds.map((t) => ({
          metric: t.key,
          threshold: t.source,
          ok: true,
          actual: null,
          abortOnFail: t.abortOnFail,
          skipped: true,
        })),
      };
    if (opts.warnNoSlo && noSlo) summary.generator.warnings.unshift(NO_SLO_WARNING);
    await each(listeners, (l) => l.onSummary?.(summary));
    await closeAll();
    let exitCode = exitCodeFor(summary, result);
    if (teardownError && exitCode === ExitCode.OK) exitCode = ExitCode.SCRIPT_FAILED;
    recorder?.finish(summary, exitCode);
    const out: RunTestResult = { summary, result, exitCode };
    if (teardownError) out.teardownError = teardownError;
    if (store) out.store = store;
    return out;
  } finally {
    await closeAll();
  }
}
