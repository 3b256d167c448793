/**
 * The end-of-test summary document: k6's summary JSON shape (`metrics.<name>.type`, `.values`,
 * `.thresholds.<expr>.ok`) plus volley's own top-level keys. Schema: docs/output-schema.md.
 */
import type { TestConfig } from '../config/types.js';
import { BUILTIN_BY_NAME, headlineMetrics, type ProtocolHeadline } from '../metrics/definitions.js';
import { latencyStats, metricValues, type LatencyStats } from '../metrics/summary-values.js';
import { parseThresholdKey } from '../thresholds/parse.js';
import { bottleneckHints, type BottleneckHints } from './bottlenecks.js';
import { count } from './format.js';
import type { ProtocolSummary } from './headline.js';
import type { GeneratorSummary, SummaryInput, TimelineSecond } from './input.js';
import { detectKnee, type Knee } from './knee.js';
import { capacityPlans, DEFAULT_HEADROOM, type CapacityPlan } from './capacity.js';
import { analysePhases, phaseSpans, type PhaseAnalysis } from './phases.js';
import { seriesPoint } from './series-point.js';
import type { ScriptErrorEntry, SeriesPoint, Verdict } from './types.js';

export const SUMMARY_SCHEMA = 'volley.summary/1';

export interface SummaryMetric {
  type: string;
  contains: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean; actual: number | null }>;
}

export interface EndpointSummary {
  /** The protocol whose headline metrics these are (a gRPC method, a WebSocket URL are endpoints). */
  protocol: string;
  scenario: string;
  name: string;
  method: string;
  requests: number;
  failures: number;
  rps: number;
  latency: LatencyStats;
  statuses: Record<string, number>;
}

/** Per scenario: what was planned against what happened (`planned` is null for open-ended executors). */
export interface ExecutionRow {
  scenario: string;
  planned: number | null;
  started: number;
  completed: number;
  dropped: number;
  interrupted: number;
}

export interface Summary {
  schema: typeof SUMMARY_SCHEMA;
  runId: string;
  startedAt: string;
  endedAt: string;
  state: {
    testRunDurationMs: number;
    aborted: boolean;
    abortReason: string | null;
    abortDetail: string | null;
  };
  verdict: Verdict;
  /** Why the verdict is `error` (empty otherwise): the run did not do what it planned. */
  runErrors: string[];
  /** Planned vs started vs completed iterations per scenario. */
  execution: ExecutionRow[];
  config: {
    scenarios: TestConfig['scenarios'];
    thresholds: TestConfig['thresholds'];
    request: TestConfig['request'] | null;
    /** The test file (absolute path) when the run came from a script or YAML/JSON file. */
    script: string | null;
    /** `--summary-trend-stats`: the trend statistics the terminal shows, in order (absent: the default ones). */
    summaryTrendStats?: string[];
    workers: number;
    plans: {
      scenario: string;
      executor: string;
      durationMs: number;
      maxDurationMs: number;
      maxVUs: number;
      plannedIterations: number | null;
      openLoop: boolean;
    }[];
  };
  metrics: Record<string, SummaryMetric>;
  /**
   * Every protocol that sent requests, most requests first: its headline numbers. Absent in
   * summaries written before volley had protocol modules (read them through summaryProtocols).
   */
  protocols?: ProtocolSummary[];
  /** The run's main protocol (most requests); null when no protocol sent any. Absent like `protocols`. */
  headline?: string | null;
  /** Open loop: what the service time hides. Absent when no arrival-rate scenario ran. */
  correctedLatency: { serviceTime: LatencyStats; iterationLatency: LatencyStats; differs: boolean } | null;
  endpoints: EndpointSummary[];
  errors: Record<string, number>;
  /** Every check by group and name (k6's checks tree, flattened). */
  checks: { scenario: string; group: string; name: string; passes: number; fails: number }[];
  /** Exceptions in script code, per scenario and message, with the first stack seen. */
  scriptErrors: ScriptErrorEntry[];
  thresholds: {
    ok: boolean;
    /** `--no-thresholds`: none was evaluated; each result is listed with `skipped`. */
    skipped?: true;
    results: {
      metric: string;
      threshold: string;
      ok: boolean;
      actual: number | null;
      abortOnFail: boolean;
      /** Why it failed without a value (a monitor metric with no samples). */
      reason?: string;
      /** Not evaluated (`--no-thresholds`): `ok` is true and `actual` null. */
      skipped?: true;
    }[];
  };
  generator: GeneratorSummary & { warnings: string[] };
  workerErrors: string[];
  /** Read from the per-second timeline: the knee of a ramping run, and what degraded first. */
  analysis: { knee: Knee | null; bottlenecks: BottleneckHints };
  /**
   * Per ramping scenario, a row per stage (load, throughput, worst-second percentiles, errors, the
   * target's CPU and memory) and the recommended operating point (src/summary/capacity.ts). Empty
   * when nothing ramps; absent in summaries written before it existed.
   */
  capacityPlan?: CapacityPlan[];
  /**
   * A run whose stages carry phase names (fivePhase, spike, soak, stress presets): a row per
   * phase, the five-phase recovery verdict, a soak's memory growth. Null otherwise; absent in
   * summaries written before phases existed.
   */
  phases?: PhaseAnalysis | null;
  /** One compact point per second, so a summary file alone can be charted (reports, dashboard). */
  series: SeriesPoint[];
  /** Per second, the mean of every monitored metric (target_*, prom_*), aligned with `series`. */
  monitored: Record<string, (number | null)[]>;
  /** A run over agents (volley run --nats): each agent's part, and whether one was lost. Absent otherwise. */
  distributed?: DistributedSummary;
}

/** One agent of a distributed run: its segment of the test, where it ran, and how it ended. */
export interface AgentPart {
  name: string;
  /** `0-1/2`: the execution segment it owned. */
  segment: string;
  /** Its share of the load, 0..1 (in proportion to its threads). */
  share: number;
  /** Worker threads it ran its share on. */
  threads: number;
  state: 'finished' | 'lost';
  /** Lost: the run second (1-based) at which the loss was detected, and why. */
  lostAtSecond: number | null;
  lostReason: string | null;
  /**
   * Lost: the first run second (1-based) missing from its results — its share from then on is not
   * in the run (whether or not it was still sent before the loss was detected).
   */
  missingFromSecond: number | null;
  /** The last run second (0-based) it reported; -1: none. */
  lastSecond: number;
  /** Requests it reported (every protocol's headline count). */
  requests: number;
  /**
   * How its threads fared (the busiest one each second): event-loop utilisation avg/max (0..1),
   * event-loop delay p99 at its worst, heap of all its threads at most. Null when it reported nothing.
   */
  health: { elu: { avg: number; max: number }; loopDelayP99Ms: number; heapUsedMB: number } | null;
  /** Version, host, cores, clock offset, tags: as the agent announced them. */
  details: Record<string, string | number>;
}

export interface DistributedSummary {
  agents: AgentPart[];
  /** An agent was lost: the run went on without its share from the second it was lost. */
  degraded: boolean;
  /** One line per lost agent: which segment, from which second, why. */
  lost: string[];
}

/** The distributed section, when the run's generators described themselves (agents); undefined for threads. */
export function distributedSummary(
  generators: SummaryInput['generators'],
  perWorker: GeneratorSummary['perWorker'] = [],
): DistributedSummary | undefined {
  const all = generators ?? [];
  if (!all.some((g) => g.description !== undefined)) return undefined;
  const health = (i: number): AgentPart['health'] => {
    const w = perWorker[i];
    return w && w.elu.max > 0
      ? { elu: w.elu, loopDelayP99Ms: w.loopDelayP99Ms.max, heapUsedMB: w.heapUsedMB.max }
      : null;
  };
  const remote = all.map((g, i) => ({ g, i })).filter(({ g }) => g.description !== undefined);
  const agents: AgentPart[] = remote.map(({ g, i }) => ({
    name: g.description?.name ?? g.label,
    segment: g.segment,
    share: g.share,
    threads: g.weight,
    state: g.state,
    lostAtSecond: g.lostAtSecond ?? null,
    missingFromSecond: g.state === 'lost' ? g.lastSecond + 2 : null,
    lostReason: g.lostReason ?? null,
    lastSecond: g.lastSecond,
    requests: g.requests,
    health: health(i),
    details: g.description?.details ?? {},
  }));
  const lost = agents
    .filter((a) => a.state === 'lost')
    .map(
      (a) =>
        `agent ${a.name} (segment ${a.segment}, ${Math.round(a.share * 1000) / 10}% of the load) ${a.lostReason ?? 'was lost'}, detected at second ${a.lostAtSecond}: ${a.lastSecond < 0 ? 'nothing it measured arrived, so its whole share is missing' : `its results end with second ${a.lastSecond + 1}, so its share from second ${a.missingFromSecond} on is missing`}`,
    );
  return { agents, degraded: lost.length > 0, lost };
}

/**
 * The corrected latency "differs" when, at p50, p95 or p99, it is more than 10% and more than
 * 1 ms above the service time beyond what the generator's own dispatch lag explains.
 */
export function correctedDiffers(service: LatencyStats, corrected: LatencyStats, lagP99Ms = 0): boolean {
  const d = (a: number, b: number): boolean => b > a * 1.1 && b - a > 1 + lagP99Ms;
  return d(service.p99, corrected.p99) || d(service.p50, corrected.p50) || d(service.p95, corrected.p95);
}

function monitoredSeries(timeline: readonly TimelineSecond[]): Record<string, (number | null)[]> {
  const names = new Set<string>();
  for (const s of timeline)
    for (const n of Object.keys(s.metrics))
      if (n.startsWith('target_') || n.startsWith('prom_')) names.add(n);
  const out: Record<string, (number | null)[]> = {};
  for (const n of [...names].sort()) out[n] = timeline.map((s) => s.metrics[n]?.avg ?? null);
  return out;
}

/** Each protocol that sent requests, with its headline totals, most requests first. */
function protocolSummaries(
  agg: SummaryInput['aggregator'],
  heads: readonly ProtocolHeadline[],
  elapsedS: number,
): ProtocolSummary[] {
  const out: ProtocolSummary[] = [];
  for (const h of heads) {
    const requests = agg.total(h.count)?.sum ?? 0;
    if (requests <= 0) continue;
    const failures = agg.total(h.failures)?.trues ?? 0;
    out.push({
      name: h.protocol,
      metrics: { count: h.count, failures: h.failures, duration: h.duration },
      requests,
      failures,
      errorRate: failures / requests,
      rps: Math.round((requests / elapsedS) * 10) / 10,
      latency: latencyStats(agg.total(h.duration)),
    });
  }
  // Stable: registration order breaks ties.
  return out.sort((a, b) => b.requests - a.requests);
}

/** One row per (protocol, scenario, name, method) that sent requests, most requests first. */
function endpointSummaries(
  agg: SummaryInput['aggregator'],
  heads: readonly ProtocolHeadline[],
  elapsedS: number,
): EndpointSummary[] {
  // Requests by status (or error class) per headline count and endpoint, in one pass over the series.
  const key = (metric: string, scenario = '', name = '', method = ''): string =>
    `${metric}\u0000${scenario}\u0000${name}\u0000${method}`;
  const counts = new Set(heads.map((h) => h.count));
  const statusesOf = new Map<string, Record<string, number>>();
  for (const s of agg.series.values()) {
    if (!counts.has(s.metric)) continue;
    const k = key(s.metric, s.tags.scenario, s.tags.name, s.tags.method);
    const statuses = statusesOf.get(k) ?? {};
    const label = s.tags.error ? `error:${s.tags.error}` : (s.tags.status ?? '?');
    statuses[label] = (statuses[label] ?? 0) + (agg.cumulative.get(s.key)?.sum ?? 0);
    statusesOf.set(k, statuses);
  }
  const endpoints: EndpointSummary[] = [];
  for (const f of agg.endpoints()) {
    for (const h of heads) {
      const requests = agg.total(h.count, f)?.sum ?? 0;
      if (requests <= 0) continue;
      endpoints.push({
        protocol: h.protocol,
        ...f,
        requests,
        failures: agg.total(h.failures, f)?.trues ?? 0,
        rps: Math.round((requests / elapsedS) * 10) / 10,
        latency: latencyStats(agg.total(h.duration, f)),
        statuses: statusesOf.get(key(h.count, f.scenario, f.name, f.method)) ?? {},
      });
    }
  }
  return endpoints.sort((a, b) => b.requests - a.requests);
}

/**
 * The summary of a finished run. The knee and the bottleneck hints are read from the run's
 * timeline here, beside the rest of the document, so every caller (CLI, stress probes, bench, the
 * API's job process) gets the same analysis without computing it itself.
 */
/** The phases of the first scenario whose stages are named (src/summary/phases.ts); null when none are. */
export function runPhases(
  plans: SummaryInput['plans'],
  config: TestConfig,
  series: readonly SeriesPoint[],
  monitored: Record<string, (number | null)[]>,
): PhaseAnalysis | null {
  for (const { scenario: sc, plan } of plans) {
    const named = config.scenarios[sc.name]?.stages;
    if (!named?.some((st) => st.phase !== undefined)) continue;
    const stages = sc.stages.map((st, i) => ({ ...st, phase: named[i]?.phase }));
    const spans = phaseSpans(sc.startTimeMs, plan.openLoop ? sc.startRate : sc.startVUs, stages);
    if (spans.length === 0) continue;
    return analysePhases(sc.name, plan.openLoop ? 'per-second' : 'vus', spans, series, monitored);
  }
  return null;
}

export function buildSummary(result: SummaryInput, config: TestConfig, scriptFile?: string): Summary {
  const agg = result.aggregator;
  const elapsedS = Math.max(0.001, result.durationMs / 1000);
  const trendStats = config.summaryTrendStats ?? [];
  const metrics: Record<string, SummaryMetric> = {};
  for (const name of agg.metricNames().sort()) {
    const st = agg.total(name);
    if (!st) continue;
    metrics[name] = { type: st.type, contains: st.contains, values: metricValues(st, elapsedS, trendStats) };
  }
  // Tagged sub-metrics named in thresholds get their own entries, as k6 does.
  for (const key of Object.keys(config.thresholds)) {
    const parsed = parseThresholdKey(key);
    if (typeof parsed === 'string' || !parsed.filter) continue;
    const st = agg.total(parsed.metric, parsed.filter);
    const def = BUILTIN_BY_NAME.get(parsed.metric);
    metrics[key] = st
      ? { type: st.type, contains: st.contains, values: metricValues(st, elapsedS, trendStats) }
      : { type: def?.type ?? 'trend', contains: def?.contains ?? 'default', values: {} };
  }
  for (const r of result.thresholds) {
    const m = metrics[r.key];
    if (!m) continue;
    (m.thresholds ??= {})[r.source] = { ok: r.ok, actual: r.actual ?? null };
  }

  const heads = headlineMetrics();
  const protocols = protocolSummaries(agg, heads, elapsedS);
  const main = heads.find((h) => h.protocol === protocols[0]?.name);
  const endpoints = endpointSummaries(agg, heads, elapsedS);

  const errors: Record<string, number> = {};
  for (const s of agg.series.values()) {
    if (s.tags.error && heads.some((h) => h.count === s.metric))
      errors[s.tags.error] = (errors[s.tags.error] ?? 0) + (agg.cumulative.get(s.key)?.sum ?? 0);
  }

  const checks = new Map<string, Summary['checks'][number]>();
  for (const s of agg.series.values()) {
    if (s.metric !== 'checks') continue;
    const st = agg.cumulative.get(s.key);
    if (!st) continue;
    const c = { scenario: s.tags.scenario ?? '', group: s.tags.group ?? '', name: s.tags.check ?? '' };
    const key = `${c.scenario}\u0000${c.group}\u0000${c.name}`;
    const e = checks.get(key) ?? { ...c, passes: 0, fails: 0 };
    e.passes += st.trues;
    e.fails += st.count - st.trues;
    checks.set(key, e);
  }

  const itLat = agg.total('iteration_latency');
  // The service time is the main protocol's: with two protocols, the one that carried the run.
  const service = latencyStats(main ? agg.total(main.duration) : undefined);
  const corrected = itLat && itLat.count > 0 ? latencyStats(itLat) : undefined;
  const lagP99 = latencyStats(agg.total('schedule_lag')).p99;

  const warnings: string[] = [];
  if (result.generator.saturated) {
    warnings.push(
      `generator saturated in ${result.generator.saturatedSeconds} of ${result.generator.seconds} seconds (${result.generator.reasons.join(', ')}): numbers may describe the generator, not the target`,
    );
  }
  const scriptErrorCount = result.scriptErrors.reduce((a, e) => a + e.count, 0);
  if (scriptErrorCount > 0) {
    warnings.push(
      `${scriptErrorCount} iterations threw an exception in script code (${result.scriptErrors.length} distinct: see scriptErrors)`,
    );
  }
  const dropped = agg.total('dropped_iterations')?.sum ?? 0;
  if (dropped > 0) {
    warnings.push(
      `${dropped} iterations dropped: no free VU with the queue full, or still queued when the run ended (a slow target, or too few VUs: raise --max-vus)`,
    );
  }
  const targetCpu = agg.total('target_cpu_percent');
  const sent = protocols.reduce((a, p) => a + p.requests, 0);
  if (targetCpu && targetCpu.count > 0 && sent >= 1000 && (metricValues(targetCpu, 1).max ?? 0) < 0.5) {
    warnings.push(
      `the monitored process used 0% CPU while the target was sent ${sent} requests: --monitor-pid probably names a process that does not serve them (a wrapper such as npm exec or a shell, or another host's process); give the pid of the server itself`,
    );
  }

  const execution: ExecutionRow[] = result.plans.map(({ scenario, plan }) => {
    const f = { scenario: scenario.name };
    return {
      scenario: scenario.name,
      planned: plan.plannedIterations ?? null,
      started: result.started[scenario.name] ?? 0,
      completed: agg.total('iterations', f)?.sum ?? 0,
      dropped: agg.total('dropped_iterations', f)?.sum ?? 0,
      interrupted: agg.total('interrupted_iterations', f)?.sum ?? 0,
    };
  });
  const runErrors = [...result.runErrors];
  // An open-loop scenario that ran its whole course owes every planned arrival: started, or
  // counted as dropped. Anything else went missing (a schedule bug, a lost worker).
  if (!result.aborted) {
    for (const [k, { plan }] of result.plans.entries()) {
      const row = execution[k] as ExecutionRow;
      if (!plan.openLoop || row.planned === null) continue;
      const missing = row.planned - row.started - row.dropped;
      if (missing > 0)
        runErrors.push(
          `scenario '${row.scenario}': ${count(row.planned)} iterations planned, ${count(row.started)} started and ${count(row.dropped)} dropped: ${count(missing)} planned arrivals never started`,
        );
    }
  }
  warnings.push(...runErrors.map((e) => `run error: ${e}`));

  const distributed = distributedSummary(result.generators, result.generator.perWorker);
  const series = result.timeline.map(seriesPoint);
  const monitored = monitoredSeries(result.timeline);
  const thresholdsOk = result.thresholds.every((t) => t.ok);
  const verdict: Verdict =
    result.aborted?.reason === 'signal' || result.aborted?.reason === 'api'
      ? 'aborted'
      : runErrors.length > 0
        ? 'error'
        : thresholdsOk
          ? 'passed'
          : 'failed';
  return {
    schema: SUMMARY_SCHEMA,
    runId: result.runId,
    startedAt: result.startedAt.toISOString(),
    endedAt: result.endedAt.toISOString(),
    state: {
      testRunDurationMs: Math.round(result.durationMs),
      aborted: result.aborted !== undefined,
      abortReason: result.aborted?.reason ?? null,
      abortDetail: result.aborted?.detail ?? null,
    },
    verdict,
    runErrors,
    execution,
    config: {
      scenarios: config.scenarios,
      thresholds: config.thresholds,
      request: config.request ?? null,
      script: scriptFile ?? null,
      ...(config.summaryTrendStats ? { summaryTrendStats: config.summaryTrendStats } : {}),
      workers: result.generator.workers,
      plans: result.plans.map((p) => ({
        scenario: p.scenario.name,
        executor: p.scenario.executor,
        durationMs: p.plan.durationMs,
        maxDurationMs: p.plan.maxDurationMs,
        maxVUs: p.plan.maxVUs,
        plannedIterations: p.plan.plannedIterations ?? null,
        openLoop: p.plan.openLoop,
      })),
    },
    metrics,
    protocols,
    headline: protocols[0]?.name ?? null,
    correctedLatency: corrected
      ? {
          serviceTime: service,
          iterationLatency: corrected,
          differs: correctedDiffers(service, corrected, lagP99),
        }
      : null,
    endpoints,
    errors,
    checks: [...checks.values()],
    scriptErrors: result.scriptErrors,
    thresholds: {
      ok: thresholdsOk,
      results: result.thresholds.map((t) => ({
        metric: t.key,
        threshold: t.source,
        ok: t.ok,
        actual: t.actual ?? null,
        abortOnFail: t.abortOnFail,
        ...(t.reason === undefined ? {} : { reason: t.reason }),
      })),
    },
    generator: { ...result.generator, warnings },
    workerErrors: result.workerErrors,
    analysis: {
      knee: detectKnee(result.timeline, result.plans),
      bottlenecks: bottleneckHints(result.timeline, {
        duration: protocols.map((p) => p.metrics.duration).join(' + ') || 'request duration',
        failures: protocols.map((p) => p.metrics.failures).join(' + ') || 'request failures',
      }),
    },
    capacityPlan: capacityPlans(
      result.timeline,
      result.plans,
      config.thresholds,
      config.capacityHeadroom ?? DEFAULT_HEADROOM,
    ),
    series,
    monitored,
    phases: runPhases(result.plans, config, series, monitored),
    ...(distributed ? { distributed } : {}),
  };
}
