/**
 * `volley stress`: finds the highest arrival rate the target sustains within its SLOs, with
 * open-loop probes (src/analysis/stress.ts). Quick mode (`--url`) or a test file whose one
 * scenario (or `-s NAME`) becomes constant-arrival-rate at each probe's rate.
 */
import { basename } from 'node:path';
import { prepareTest } from '../loader/prepare.js';
import { positiveNumber, quickConfig, type QuickFlags } from '../loader/quick.js';
import { tryParseDurationMs } from '../config/duration.js';
import type { ScenarioConfig, TestConfig } from '../config/types.js';
import {
  stressSearch,
  type ProbeResult,
  type StressCeilingSoFar,
  type StressOptions,
  type StressResult,
} from '../analysis/stress.js';
import type { RunListener, RunResult } from '../engine/run.js';
import { VolleyError } from '../errors.js';
import { writeJsonSummary } from '../outputs/files.js';
import { parseOutSpec } from '../outputs/registry.js';
import { preflightTarget } from '../protocols/registry.js';
import { ms, table } from '../summary/format.js';
import { planMonitors, type MonitorFlags } from '../monitor/index.js';
import { capacityCells, DEFAULT_HEADROOM, parseHeadroom } from '../summary/capacity.js';
import type { Summary } from '../summary/summary.js';
import { loadTest, runSetup, runTeardown, type LoadedTest } from '../loader/load-test.js';
import { processRef } from '../store/pid-alive.js';
import { RunRecorder } from '../store/recorder.js';
import { randomUUID } from 'node:crypto';
import type { RunSource } from '../store/types.js';
import { runTest } from '../session/run-test.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';
import { parseEnv } from './run-command.js';
import { openStoreFor, type StoreFlags } from './store-flags.js';

export interface StressFlags extends StoreFlags, MonitorFlags {
  url?: string;
  method?: string;
  header?: string[];
  body?: string;
  timeout?: string;
  startRate?: string;
  maxRate?: string;
  probeDuration?: string;
  cooldown?: string;
  errorThreshold?: string;
  slo?: string[];
  resolution?: string;
  maxVus?: string;
  maxProbes?: string;
  workers?: string;
  out?: string[];
  env?: string[];
  scenario?: string[];
  insecure?: boolean;
  quiet?: boolean;
  headroom?: string;
  /** The run's id (the API creates its row first) and where it came from; default a new id, 'cli'. */
  runId?: string;
  source?: RunSource;
}

/** What the API's job process adds to a search: its listeners, its stop, and each probe as it ends. */
export interface StressHooks {
  listeners?: RunListener[];
  signal?: AbortSignal;
  onProbe?: (probe: ProbeResult, index: number, soFar: StressCeilingSoFar) => void;
}

/** '5%' or '0.05' → 0.05. */
export function parseShare(text: string, flag: string, errors: string[]): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!Number.isFinite(v) || v < 0 || v > 1) {
    errors.push(`${flag} must be a share like 5% or 0.05 (got '${text}')`);
    return 0;
  }
  return v;
}

/** An SLO on http_req_duration by default: 'p(99)<300' → 'http_req_duration:p(99)<300'. */
export function sloThreshold(slo: string): string {
  return /^[A-Za-z_][\w.]*(\{[^}]*\})?:/.test(slo) ? slo : `http_req_duration:${slo}`;
}

/** The search's options, plus what each probe needs. */
interface StressPlan extends StressOptions {
  maxVus: number | undefined;
  slos: string[];
}

function plan(flags: StressFlags): StressPlan {
  const errors: string[] = [];
  const startRate = positiveNumber(flags.startRate, '--start-rate', errors) ?? 10;
  const maxRate = positiveNumber(flags.maxRate, '--max-rate', errors) ?? 100_000;
  if (maxRate < startRate)
    errors.push(`--max-rate (${maxRate}) must be at least --start-rate (${startRate})`);
  const probeDurationMs = tryParseDurationMs(flags.probeDuration ?? '10s') ?? NaN;
  if (!(probeDurationMs >= 1000))
    errors.push(`--probe-duration must be a duration of at least 1s (got '${flags.probeDuration}')`);
  const cooldownMs = tryParseDurationMs(flags.cooldown ?? '2s') ?? NaN;
  if (!(cooldownMs >= 0)) errors.push(`--cooldown: malformed duration '${flags.cooldown}'`);
  const errorThreshold = parseShare(flags.errorThreshold ?? '5%', '--error-threshold', errors);
  const resolution = parseShare(flags.resolution ?? '5%', '--resolution', errors);
  if (resolution === 0 && errors.length === 0) errors.push('--resolution must be more than 0');
  const maxVus =
    flags.maxVus === undefined
      ? undefined
      : Math.round(positiveNumber(flags.maxVus, '--max-vus', errors) ?? 1);
  const maxProbes = Math.round(positiveNumber(flags.maxProbes, '--max-probes', errors) ?? 20);
  const slos = (flags.slo ?? []).map(sloThreshold);
  planMonitors(flags, errors, process.pid);
  const headroom = parseHeadroom(flags.headroom ?? '30%');
  if (headroom === undefined)
    errors.push(`--headroom must be a share below 100% like 30% or 0.3 (got '${flags.headroom}')`);
  if (errors.length > 0) throw new VolleyError('INVALID_USAGE', errors[0] as string, { details: errors });
  return {
    startRate,
    maxRate,
    probeDurationMs,
    cooldownMs,
    errorThreshold,
    resolution,
    maxVus,
    maxProbes,
    slos,
    headroom: headroom ?? DEFAULT_HEADROOM,
  };
}

/** VUs a probe may use: enough for 1 s of latency at its rate, within bounds. */
function vusFor(rate: number, p: StressPlan): { pre: number; max: number } {
  const max = p.maxVus ?? Math.min(5000, Math.max(20, Math.ceil(rate)));
  return { pre: Math.min(max, Math.max(5, Math.ceil(rate / 10))), max };
}

function probeScenario(base: ScenarioConfig, rate: number, p: StressPlan): ScenarioConfig {
  const { pre, max } = vusFor(rate, p);
  const s: ScenarioConfig = {
    executor: 'constant-arrival-rate',
    rate,
    timeUnit: '1s',
    duration: `${p.probeDurationMs}ms`,
    preAllocatedVUs: pre,
    maxVUs: max,
    gracefulStop: '5s',
  };
  if (base.exec !== undefined) s.exec = base.exec;
  if (base.tags !== undefined) s.tags = base.tags;
  // A user (tasks) scenario keeps its user; ScenarioConfig carries it as an extra field.
  const user = (base as ScenarioConfig & { user?: unknown }).user;
  if (user !== undefined) (s as ScenarioConfig & { user?: unknown }).user = user;
  return s;
}

function probeResult(rate: number, summary: Summary, p: StressPlan, durationMs: number): ProbeResult {
  const m = summary.metrics;
  const completed = m.http_reqs?.values.count ?? m.iterations?.values.count ?? 0;
  const due = rate * (p.probeDurationMs / 1000);
  const lat = m.http_req_duration?.values ?? {};
  const errorRate = m.http_req_failed?.values.rate ?? 0;
  const dropped = m.dropped_iterations?.values.count ?? 0;
  const failures: string[] = [];
  const failureKinds: ProbeResult['failureKinds'] = [];
  if (summary.thresholds.results.some((t) => !t.ok)) failureKinds.push('slo');
  for (const t of summary.thresholds.results)
    if (!t.ok)
      failures.push(
        `${t.metric} ${t.threshold} (was ${t.actual === null ? 'no data' : Math.round(t.actual * 1000) / 1000})`,
      );
  if (errorRate > p.errorThreshold) failureKinds.push('errors');
  if (errorRate > p.errorThreshold)
    failures.push(`error rate ${(errorRate * 100).toFixed(2)}% > ${(p.errorThreshold * 100).toFixed(2)}%`);
  const iterations = m.iterations?.values.count ?? 0;
  if (iterations < due * 0.95) failureKinds.push('rate');
  if (iterations < due * 0.95)
    failures.push(
      `only ${iterations} of ${Math.round(due)} arrivals ran (${dropped} dropped): the rate was not absorbed`,
    );
  return {
    rate,
    achievedRate: Math.round((completed / (p.probeDurationMs / 1000)) * 10) / 10,
    p50: lat.med ?? 0,
    p95: lat['p(95)'] ?? 0,
    p99: lat['p(99)'] ?? 0,
    errorRate,
    dropped,
    passed: failures.length === 0,
    failures,
    failureKinds,
    generatorSaturated: summary.generator.saturated,
    durationMs,
    ...targetReadings(summary),
  };
}

/**
 * A caller's listener across the probes: one start (the first probe's), seconds numbered on from
 * the previous probes like the stored run's, and no per-probe end (the search's end is the run's).
 */
function shifted(l: RunListener, shift: number): RunListener {
  const out: RunListener = {};
  if (l.onStart)
    out.onStart = (info) => {
      if (shift === 0) l.onStart?.(info);
    };
  if (l.onSnapshot) out.onSnapshot = (s) => l.onSnapshot?.({ ...s, second: s.second + shift });
  if (l.onThresholds) out.onThresholds = (r) => l.onThresholds?.(r);
  return out;
}

/** The target's CPU and memory during a probe, when a monitor read them. */
function targetReadings(
  summary: Summary,
): Pick<ProbeResult, 'targetCpuPercent' | 'targetRssMB' | 'targetMemoryPercent'> {
  const avg = (name: string): number | undefined => {
    const v = summary.metrics[name]?.values.avg;
    return v === undefined ? undefined : Math.round(v * 10) / 10;
  };
  const out: Pick<ProbeResult, 'targetCpuPercent' | 'targetRssMB' | 'targetMemoryPercent'> = {};
  const cpu = avg('target_cpu_percent');
  const rss = avg('target_rss_mb');
  const mem = avg('target_memory_percent');
  if (cpu !== undefined) out.targetCpuPercent = cpu;
  if (rss !== undefined) out.targetRssMB = rss;
  if (mem !== undefined) out.targetMemoryPercent = mem;
  return out;
}

export function probeLine(p: ProbeResult, index: number): string {
  return (
    `probe ${String(index + 1).padStart(2)}  ${String(p.rate).padStart(7)}/s → ${p.achievedRate.toFixed(1).padStart(8)}/s  ` +
    `p50 ${ms(p.p50).padStart(7)}  p95 ${ms(p.p95).padStart(7)}  p99 ${ms(p.p99).padStart(7)}  ` +
    `errors ${(p.errorRate * 100).toFixed(2).padStart(6)}%  ${p.passed ? '✓ passed' : `✗ ${p.failures.join('; ')}`}` +
    (p.generatorSaturated ? '  ⚠ generator saturated' : '')
  );
}

export function renderStress(r: StressResult): string {
  const lines = [
    '',
    '  volley stress',
    `    max sustainable rate: ${r.maxSustainableRate === null ? '— (none passed)' : `${r.maxSustainableRate}/s`}`,
    `    breakdown rate:       ${r.breakdownRate === null ? '— (none failed)' : `${r.breakdownRate}/s`}`,
    `    ceiling:              ${r.ceiling} — ${r.detail}`,
    '',
  ];
  if (r.capacityPlan && r.capacityPlan.rows.length > 0) {
    lines.push('  Capacity plan (probes by rate)');
    for (const line of table(capacityCells(r.capacityPlan, 'probe')).split('\n')) lines.push(`    ${line}`);
    lines.push(`    ${r.capacityPlan.detail}`, '');
  }
  return lines.join('\n');
}

export async function stressCommand(
  flags: StressFlags,
  io: CliIO,
  file?: string,
  hooks: StressHooks = {},
): Promise<ExitCodeValue> {
  if (file === undefined && flags.url === undefined)
    throw new VolleyError('INVALID_USAGE', 'give the target: --url URL, or a test file');
  if (file !== undefined && flags.url !== undefined)
    throw new VolleyError('INVALID_USAGE', `give either a test file (${file}) or --url, not both`);
  const p = plan(flags);
  const outs = (flags.out ?? []).map(parseOutSpec);
  if (outs.some((o) => o.kind !== 'json'))
    throw new VolleyError(
      'INVALID_USAGE',
      'volley stress writes --out json=FILE|- (the summary with its stress section)',
    );

  let loaded: LoadedTest | undefined;
  let base: TestConfig;
  let scenario: ScenarioConfig;
  // The probe keeps the scenario's name: a script's VUs find their code by it.
  let scenarioName = 'default';
  let name: string;
  if (file !== undefined) {
    const envErrors: string[] = [];
    const env = parseEnv(flags.env, envErrors);
    if (envErrors.length)
      throw new VolleyError('INVALID_USAGE', envErrors[0] as string, { details: envErrors });
    Object.assign(io.env, env);
    loaded = await loadTest(file, {
      env,
      scenarios: [],
      workers: flags.workers && flags.workers !== 'auto' ? Number(flags.workers) : 0,
      fastPath: true,
      insecureSkipTLSVerify: flags.insecure === true,
      stopGraceMs: 5000,
      tags: {},
      preciseSchedule: false,
      thresholds: {},
      processEnv: io.env,
    });
    const names = Object.keys(loaded.config.scenarios);
    const chosen = flags.scenario?.length ? flags.scenario : names;
    if (chosen.length !== 1 || !loaded.config.scenarios[chosen[0] as string])
      throw new VolleyError(
        'INVALID_USAGE',
        `volley stress drives one scenario at rising rates: pick it with -s (scenarios: ${names.join(', ')})`,
      );
    base = loaded.config;
    scenarioName = chosen[0] as string;
    scenario = loaded.config.scenarios[scenarioName] as ScenarioConfig;
    name = `stress ${basename(loaded.file)}`;
  } else {
    base = quickConfig({
      url: flags.url as string,
      rate: String(p.startRate),
      duration: `${p.probeDurationMs}ms`,
      ...(flags.method === undefined ? {} : { method: flags.method }),
      header: flags.header ?? [],
      ...(flags.body === undefined ? {} : { body: flags.body }),
      ...(flags.timeout === undefined ? {} : { timeout: flags.timeout }),
      ...(flags.workers === undefined ? {} : { workers: flags.workers }),
      insecure: flags.insecure === true,
      threshold: [],
    } satisfies QuickFlags);
    scenario = base.scenarios.default as ScenarioConfig;
    name = `stress ${base.request?.url ?? ''}`;
  }
  const customMetrics = new Map((loaded?.customMetrics ?? []).map((m) => [m.name, m]));
  const thresholds: TestConfig['thresholds'] = {};
  for (const slo of p.slos) {
    const i = slo.indexOf(':');
    (thresholds[slo.slice(0, i)] ??= []).push(slo.slice(i + 1));
  }
  // The SLOs are validated once, before any traffic.
  prepareTest(
    { ...base, thresholds, scenarios: { [scenarioName]: probeScenario(scenario, p.startRate, p) } },
    customMetrics,
  );

  const target = base.request?.url ?? loaded?.module.definition.baseUrl;
  if (target) await preflightTarget('http', new URL(target), base);
  const setupData = loaded ? await runSetup(loaded) : undefined;

  const store = openStoreFor(flags, io);
  const runId = flags.runId ?? randomUUID();
  const recorder = store
    ? new RunRecorder(store, {
        id: runId,
        source: flags.source ?? 'cli',
        name,
        config: base,
        process: processRef(process.pid),
        warn: (m) => io.stderr(`warning: ${m}\n`),
      })
    : undefined;
  let offset = 0;
  let started = false;
  let stopping = false;
  const stop = new AbortController();
  const offSignals = io.onSignals((sig) => {
    stopping = true;
    io.stderr(`\n${sig}: stopping after this probe is cut short\n`);
    if (!stop.signal.aborted) stop.abort({ reason: 'signal', detail: `stopped by ${sig}` });
  });
  const onHookStop = (): void => {
    stopping = true;
    if (!stop.signal.aborted) stop.abort(hooks.signal?.reason);
  };
  if (hooks.signal?.aborted) onHookStop();
  else hooks.signal?.addEventListener('abort', onHookStop, { once: true });
  const soFar: StressCeilingSoFar = { maxSustainableRate: null, breakdownRate: null };
  const probesSoFar: ProbeResult[] = [];
  const summaries: Summary[] = [];
  let lastResult: RunResult | undefined;
  let result: StressResult;
  try {
    if (!flags.quiet)
      io.stderr(
        `volley stress: ${p.startRate}/s doubling up to ${p.maxRate}/s, probes of ${p.probeDurationMs / 1000}s, cooldown ${p.cooldownMs / 1000}s, errors ≤ ${(p.errorThreshold * 100).toFixed(2)}%${p.slos.length ? `, SLOs ${p.slos.join(', ')}` : ''}, resolution ${(p.resolution * 100).toFixed(1)}%\n`,
      );
    result = await stressSearch(
      // --headroom over the test file's capacityHeadroom over the default.
      {
        ...p,
        headroom:
          (flags.headroom === undefined ? base.capacityHeadroom : undefined) ??
          p.headroom ??
          DEFAULT_HEADROOM,
      },
      async (rate, index) => {
        if (stopping) throw new VolleyError('RUNTIME', 'stopped');
        const config: TestConfig = {
          ...base,
          thresholds,
          scenarios: { [scenarioName]: probeScenario(scenario, rate, p) },
        };
        const shift = offset;
        const relay: RunListener = {
          onStart: (info) => {
            if (!started) recorder?.onStart(info);
            started = true;
          },
          onSnapshot: (s) => recorder?.onSnapshot({ ...s, second: s.second + shift }),
          onEnd: (r) => recorder?.onEnd(r),
        };
        const t0 = Date.now();
        // Preflight, setup and teardown happen once around the whole search; the stress run's
        // store row spans every probe (the relay above), so a probe records nothing of its own.
        const { summary, result: r } = await runTest(
          { test: prepareTest(config, customMetrics), config, ...(loaded && { script: loaded }) },
          {
            io,
            listeners: [relay, ...(hooks.listeners ?? []).map((l) => shifted(l, shift))],
            signal: stop.signal,
            preflight: false,
            lifecycle: false,
            monitors: flags,
          },
        );
        lastResult = r;
        summaries[index] = summary;
        // A probe cut short by a stop is no verdict on its rate: the search ends with the probes before it.
        if (stopping) throw new VolleyError('RUNTIME', 'stopped');
        offset += Math.ceil(r.durationMs / 1000) + Math.ceil(p.cooldownMs / 1000);
        const pr = probeResult(rate, summary, p, Date.now() - t0);
        if (!flags.quiet) io.stderr(`${probeLine(pr, index)}\n`);
        if (pr.passed && (soFar.maxSustainableRate === null || rate > soFar.maxSustainableRate))
          soFar.maxSustainableRate = rate;
        if (!pr.passed && (soFar.breakdownRate === null || rate < soFar.breakdownRate))
          soFar.breakdownRate = rate;
        probesSoFar.push(pr);
        hooks.onProbe?.(pr, index, { ...soFar });
        return pr;
      },
      (msDelay) => new Promise((res) => setTimeout(res, msDelay)),
    );
  } catch (err) {
    offSignals();
    if (stopping && summaries.length > 0 && lastResult) {
      io.stderr('stopped: the probes so far are in the store and the summary\n');
    } else {
      recorder?.fail((err as Error).message, null);
      store?.close();
      throw err;
    }
    // The probes that ended are kept; the bounds they give are what the search knew when stopped.
    result = {
      ...soFar,
      ceiling: 'probe-limit',
      detail: hooks.signal?.aborted ? 'stopped from the API' : 'stopped by a signal',
      probes: probesSoFar,
    };
  } finally {
    offSignals();
    hooks.signal?.removeEventListener('abort', onHookStop);
  }
  if (loaded) {
    await runTeardown(loaded, setupData);
    loaded.dispose();
  }
  // The document: the summary of the best passing probe (or the last probe), with the search.
  const bestIndex = result.probes.reduce(
    (b, pr, i) => (pr.passed && pr.rate === result.maxSustainableRate ? i : b),
    -1,
  );
  const chosen = summaries[bestIndex >= 0 ? bestIndex : summaries.length - 1] as Summary;
  const doc = {
    ...chosen,
    stress: { ...result, probeDurationMs: p.probeDurationMs, slos: p.slos, errorThreshold: p.errorThreshold },
  };
  for (const o of outs) writeJsonSummary(o.target, doc, io.stdout);
  const human = outs.some((o) => o.target === '-') ? io.stderr : io.stdout;
  if (!flags.quiet) human(renderStress(result));
  const code = stopping ? ExitCode.ABORTED_BY_SIGNAL : ExitCode.OK;
  recorder?.finish(doc as Summary, code);
  if (recorder && !flags.quiet) io.stderr(`stored as run ${runId.slice(0, 8)} in ${store?.path}\n`);
  store?.close();
  return code;
}
