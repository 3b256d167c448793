/**
 * `volley compare`: two end-of-test summaries (BASE, NEW) -> a comparison document with deltas per
 * metric and per endpoint and a verdict. Pure: no I/O; the CLI reads the inputs and prints.
 *
 * A row regresses when NEW is worse than BASE by more than the relative tolerance AND by more than
 * an absolute floor: `minDeltaMs` for time statistics (sub-millisecond jitter is not a regression),
 * `minDeltaRate` for rate statistics (0 -> 0.0005 errors is not a regression). Docs:
 * docs/analysis.md#gate-regressions-in-ci-volley-compare.
 */
import { VolleyError } from '../errors.js';
// Metric directions read the protocols' headline counts, registered when the registry loads.
import '../protocols/registry.js';
import { summaryHeadline, summaryProtocols } from '../summary/headline.js';
import { headlineMetrics, type HeadlineMetrics } from '../metrics/definitions.js';
import type { EndpointSummary, Summary, SummaryMetric } from '../summary/summary.js';
import type { CapacityPlan } from '../summary/capacity.js';

export const COMPARE_SCHEMA = 'volley.compare/1';

export type Direction = 'lower-is-better' | 'higher-is-better';
export type RowStatus = 'ok' | 'regressed' | 'improved' | 'added' | 'removed';
export type Unit = 'ms' | 'ratio' | 'per-second' | 'bytes' | 'count' | '';

/** One `--metric NAME:STAT[:DIRECTION][:tolerance=T]`. */
export interface MetricSelector {
  metric: string;
  stat: string;
  /** Overrides the default direction (needed for custom metrics where "more" is good). */
  direction?: Direction;
  /** This metric's relative tolerance (0.05 = 5%), instead of `--tolerance`. */
  tolerance?: number;
}

/**
 * A percentile of a whole-run trend recomputed from a run's stored final histogram (ms for time
 * trends); undefined when the run has no histogram of that metric (a summary file, a tag filter).
 */
export type PercentileLookup = (metric: string, percentile: number) => number | undefined;

export interface CompareOptions {
  /** Relative tolerance: 0.1 = NEW may be up to 10% worse. */
  tolerance: number;
  /** Time statistics: changes of at most this many ms never regress nor improve. */
  minDeltaMs: number;
  /** Rate statistics (0..1): changes of at most this much never regress nor improve. */
  minDeltaRate: number;
  /** Endpoints with fewer requests than this in either run are shown but do not gate. */
  minRequests: number;
  /** What gates; undefined = the defaults (DEFAULT_GATES). */
  metrics?: readonly MetricSelector[];
  /**
   * Percentiles a summary does not hold (`p(99.9)`) recomputed from each run's stored histograms:
   * given for runs read from the store.
   */
  percentiles?: { base?: PercentileLookup | undefined; new?: PercentileLookup | undefined };
}

export const DEFAULT_OPTIONS: CompareOptions = {
  tolerance: 0.1,
  minDeltaMs: 1,
  minDeltaRate: 0.001,
  minRequests: 50,
};

export interface CompareRow {
  metric: string;
  stat: string;
  unit: Unit;
  direction: Direction;
  /** Whether this row can fail the comparison (shown-only rows: med, avg, per-endpoint req/s). */
  gate: boolean;
  base: number | null;
  new: number | null;
  /** new - base. */
  delta: number | null;
  /** (new - base) / base; null when base is 0 (or a side is missing). */
  deltaRatio: number | null;
  status: RowStatus;
  /** The relative tolerance this row was judged with (a `--metric …:tolerance=` or `--tolerance`). */
  tolerance?: number;
  /** The values were recomputed from the runs' stored histograms (the summaries did not hold this percentile). */
  fromHistograms?: boolean;
}

/**
 * What moved in capacity: the knee's load, a stress search's ceiling, each phase's p99 and the
 * five-phase recovery. `label` names it; the row compares like a metric row.
 */
export interface CapacityRow extends CompareRow {
  kind: 'knee' | 'ceiling' | 'operating-point' | 'phase' | 'recovery';
  /** One sentence: "the knee moved from 400 to 620/s". */
  message: string;
}

export interface EndpointComparison {
  scenario: string;
  method: string;
  name: string;
  status: RowStatus;
  requests: { base: number | null; new: number | null };
  /** False when the endpoint has fewer than `minRequests` requests in either run. */
  gate: boolean;
  rows: CompareRow[];
}

export interface Regression {
  /** `run` for the whole-run metrics, else `scenario METHOD name` of the endpoint. */
  scope: string;
  metric: string;
  stat: string;
  base: number;
  new: number;
  delta: number;
  deltaRatio: number | null;
  message: string;
}

export interface RunRef {
  id: string;
  /** Where it came from: a file path, `store:<db path>` or `stdin` (the CLI), `store` (GET /api/compare). */
  source: string;
}

export interface Comparison {
  schema: typeof COMPARE_SCHEMA;
  base: RunRef;
  new: RunRef;
  tolerance: number;
  floors: { minDeltaMs: number; minDeltaRate: number; minRequests: number };
  metrics: CompareRow[];
  /** Knees, stress ceilings, phases: present when either run has them (absent in older documents). */
  capacity?: CapacityRow[];
  endpoints: EndpointComparison[];
  regressions: Regression[];
  /** Differences in shape between the runs and generator saturation: the comparison may mislead. */
  warnings: string[];
  verdict: 'passed' | 'regressed';
}

/**
 * `10%` or `0.1` -> 0.1, for `--tolerance` and `--min-delta-rate`. A bare number above 1 is
 * refused: `10` is ambiguous (10% or 1000%?).
 */
export function parseFraction(text: string, flag = '--tolerance'): number {
  const t = text.trim();
  const pctMatch = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (pctMatch) return Number(pctMatch[1]) / 100;
  if (/^\d+(?:\.\d+)?$/.test(t)) {
    const v = Number(t);
    if (v <= 1) return v;
    throw new VolleyError('INVALID_USAGE', `${flag} '${text}' is ambiguous: write ${t}% or a fraction <= 1`);
  }
  throw new VolleyError(
    'INVALID_USAGE',
    `${flag} '${text}' must be a percentage (10%) or a fraction (0.1), >= 0`,
  );
}

/** A count or a number of ms given as text (`--min-delta-ms 2`, `2ms`): undefined when not given. */
function nonNegative(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text.replace(/ms$/, ''));
  if (text.trim() === '' || !Number.isFinite(v) || v < 0)
    throw new VolleyError('INVALID_USAGE', `${flag} must be a number >= 0 (got '${text}')`);
  return v;
}

/**
 * The comparison options as text, as `volley compare` takes them in flags and `GET /api/compare`
 * in query parameters of the same names (`min-delta-ms`, `metric` repeated): one parser for both,
 * so the CLI gate and the dashboard judge with the same limits.
 */
export interface CompareOptionsText {
  tolerance?: string | undefined;
  minDeltaMs?: string | undefined;
  minDeltaRate?: string | undefined;
  minRequests?: string | undefined;
  metric?: readonly string[] | undefined;
}

/** Parses every option; `problems` holds every one that is wrong (messages name the CLI flags). */
export function parseCompareOptions(text: CompareOptionsText): {
  options: Partial<CompareOptions>;
  problems: string[];
} {
  const problems: string[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof VolleyError)) throw err;
      problems.push(err.message);
      return undefined;
    }
  };
  const options: Partial<CompareOptions> = {};
  const tolerance = attempt(() => (text.tolerance === undefined ? undefined : parseFraction(text.tolerance)));
  if (tolerance !== undefined) options.tolerance = tolerance;
  const rate = attempt(() =>
    text.minDeltaRate === undefined ? undefined : parseFraction(text.minDeltaRate, '--min-delta-rate'),
  );
  if (rate !== undefined) options.minDeltaRate = rate;
  const ms = attempt(() => nonNegative(text.minDeltaMs, '--min-delta-ms'));
  if (ms !== undefined) options.minDeltaMs = ms;
  const requests = attempt(() => nonNegative(text.minRequests, '--min-requests'));
  if (requests !== undefined) options.minRequests = requests;
  const metrics = (text.metric ?? []).map((m) => attempt(() => parseMetricSelector(m)));
  if (metrics.length > 0) options.metrics = metrics.filter((m) => m !== undefined);
  return { options, problems };
}

const STAT = /^(avg|min|max|med|count|rate|value|passes|fails|p\(\d+(?:\.\d+)?\))$/;

/**
 * `NAME:STAT[:DIRECTION]`, NAME possibly with a tag filter as in thresholds
 * (`http_req_duration{name:GET /api}:p(99)`). Throws on syntax; existence is checked later.
 */
export function parseMetricSelector(text: string): MetricSelector {
  let rest = text.trim();
  let direction: Direction | undefined;
  let tolerance: number | undefined;
  // Trailing options, in any order: a direction and `tolerance=5%`.
  for (;;) {
    const opt = /:(lower-is-better|higher-is-better|tolerance=([^:]*))$/.exec(rest);
    if (!opt) break;
    if (opt[2] !== undefined) tolerance = parseFraction(opt[2], `--metric '${text}': tolerance`);
    else direction = opt[1] as Direction;
    rest = rest.slice(0, opt.index);
  }
  const idx = rest.lastIndexOf(':');
  const metric = idx > 0 ? rest.slice(0, idx) : '';
  const stat = idx > 0 ? rest.slice(idx + 1).replace(/\s+/g, '') : '';
  if (metric === '' || metric.endsWith('{') || !STAT.test(stat) || /\{[^}]*$/.test(metric)) {
    throw new VolleyError(
      'INVALID_USAGE',
      `--metric '${text}' must be NAME:STAT, e.g. http_req_duration:p(99), http_req_failed:rate, http_reqs:rate (optionally :higher-is-better or :lower-is-better, and :tolerance=5%)`,
    );
  }
  return {
    metric,
    stat,
    ...(direction ? { direction } : {}),
    ...(tolerance !== undefined ? { tolerance } : {}),
  };
}

/** Counters that should go up: the engine's, and every protocol's headline request count. */
const THROUGHPUT = new Set(['iterations', 'data_sent', 'data_received']);
const isThroughput = (name: string): boolean =>
  THROUGHPUT.has(name) || headlineMetrics().some((h) => h.count === name);

/** Which way is worse, for the built-in metrics; custom metrics default to lower-is-better. */
export function defaultDirection(metric: string, stat: string, type: string): Direction {
  const base = metric.replace(/\{.*\}$/s, '');
  if (type === 'trend') return stat === 'count' ? 'higher-is-better' : 'lower-is-better';
  if (isThroughput(base)) return 'higher-is-better';
  if (type === 'rate') {
    // `passes` counts true events, `fails` false ones: checks are good when true, failures bad.
    const trueIsGood = base === 'checks';
    if (stat === 'fails') return trueIsGood ? 'lower-is-better' : 'higher-is-better';
    return trueIsGood ? 'higher-is-better' : 'lower-is-better';
  }
  return 'lower-is-better';
}

function unitOf(m: SummaryMetric, stat: string): Unit {
  if (m.type === 'trend') return stat === 'count' ? 'count' : m.contains === 'time' ? 'ms' : '';
  if (m.type === 'rate') return stat === 'rate' ? 'ratio' : 'count';
  if (m.type === 'counter') {
    if (stat === 'rate') return 'per-second';
    return m.contains === 'data' ? 'bytes' : 'count';
  }
  return m.contains === 'data' ? 'bytes' : '';
}

const EPS = 1e-9;

function classify(
  base: number,
  next: number,
  direction: Direction,
  floor: number,
  tolerance: number,
): 'ok' | 'regressed' | 'improved' {
  const worse = direction === 'lower-is-better' ? next - base : base - next;
  const size = Math.abs(worse);
  if (size <= floor + EPS) return 'ok';
  // From a base of 0 any change beyond the floor is beyond every relative tolerance.
  if (base !== 0 && size / Math.abs(base) <= tolerance + EPS) return 'ok';
  return worse > 0 ? 'regressed' : 'improved';
}

function makeRow(
  spec: { metric: string; stat: string; unit: Unit; direction: Direction; gate: boolean; tolerance?: number },
  base: number | undefined,
  next: number | undefined,
  options: CompareOptions,
): CompareRow {
  const opts = spec.tolerance === undefined ? options : { ...options, tolerance: spec.tolerance };
  const b = base ?? null;
  const n = next ?? null;
  const floor = spec.unit === 'ms' ? opts.minDeltaMs : spec.unit === 'ratio' ? opts.minDeltaRate : 0;
  let status: RowStatus;
  if (b === null && n === null) status = 'ok';
  else if (b === null) status = 'added';
  else if (n === null) status = 'removed';
  else if (spec.unit === 'ratio' && spec.direction === 'higher-is-better')
    // A pass rate is judged by its failing share: 100% -> 95% checks is 0 -> 5% failing, not -5%.
    status = classify(1 - b, 1 - n, 'lower-is-better', floor, opts.tolerance);
  else status = classify(b, n, spec.direction, floor, opts.tolerance);
  const delta = b !== null && n !== null ? round(n - b) : null;
  const deltaRatio =
    b !== null && n !== null ? (b === 0 ? (n === 0 ? 0 : null) : round((n - b) / Math.abs(b), 6)) : null;
  return { ...spec, base: b, new: n, delta, deltaRatio, status, tolerance: opts.tolerance };
}

const round = (v: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

interface RowSpec {
  metric: string;
  stat: string;
  gate: boolean;
  direction?: Direction;
  tolerance?: number;
}

/** The headline metrics of every protocol in either summary, by protocol (NEW's order, then BASE's). */
function protocolMetrics(base: Summary, next: Summary): (HeadlineMetrics & { protocol: string })[] {
  const out = new Map<string, HeadlineMetrics & { protocol: string }>();
  for (const doc of [next, base]) {
    const ps = summaryProtocols(doc);
    if (ps.length === 0) {
      const h = summaryHeadline(doc);
      if (!out.has(h.protocol)) out.set(h.protocol, h);
    }
    for (const p of ps) if (!out.has(p.name)) out.set(p.name, { protocol: p.name, ...p.metrics });
  }
  return [...out.values()];
}

/** The default rows: what gates and what is shown alongside. */
function defaultSpecs(base: Summary, next: Summary): RowSpec[] {
  const has = (name: string): boolean => name in base.metrics || name in next.metrics;
  // Each protocol either run spoke (the new run's main one first): its headline metrics.
  const specs: RowSpec[] = protocolMetrics(base, next).flatMap((h) => [
    { metric: h.duration, stat: 'med', gate: false },
    { metric: h.duration, stat: 'avg', gate: false },
    { metric: h.duration, stat: 'p(95)', gate: true },
    { metric: h.duration, stat: 'p(99)', gate: true },
    { metric: h.failures, stat: 'rate', gate: true },
    { metric: h.count, stat: 'rate', gate: true },
  ]);
  if (has('iteration_latency')) specs.push({ metric: 'iteration_latency', stat: 'p(99)', gate: true });
  if (has('checks')) specs.push({ metric: 'checks', stat: 'rate', gate: true });
  return specs.filter((s) => has(s.metric));
}

function describeAvailable(base: Summary, next: Summary): string {
  const names = [...new Set([...Object.keys(base.metrics), ...Object.keys(next.metrics)])].sort();
  return names
    .map((n) => {
      const m = base.metrics[n] ?? next.metrics[n];
      return `${n} (${Object.keys(m?.values ?? {}).join(', ')})`;
    })
    .join('; ');
}

/** Every unknown metric or statistic at once, with what exists. */
function checkSelectors(selectors: readonly MetricSelector[], base: Summary, next: Summary): void {
  const problems: string[] = [];
  for (const s of selectors) {
    const where = (doc: Summary): SummaryMetric | undefined => doc.metrics[s.metric];
    const b = where(base);
    const n = where(next);
    if (!b && !n) {
      problems.push(`--metric ${s.metric}:${s.stat}: no metric '${s.metric}' in either run`);
      continue;
    }
    if (!b || !n) {
      problems.push(`--metric ${s.metric}:${s.stat}: '${s.metric}' is only in ${b ? 'BASE' : 'NEW'}`);
      continue;
    }
    for (const [label, m] of [
      ['BASE', b],
      ['NEW', n],
    ] as const) {
      if (!(s.stat in m.values)) {
        problems.push(
          `--metric ${s.metric}:${s.stat}: ${label} has no '${s.stat}' for ${s.metric} (it has ${Object.keys(m.values).join(', ') || 'no values'})`,
        );
        break;
      }
    }
  }
  if (problems.length > 0) {
    throw new VolleyError('INVALID_USAGE', problems[0] as string, {
      details: problems,
      hint: `metrics in the summaries: ${describeAvailable(base, next)}`,
    });
  }
}

/** An endpoint's identity: protocol (a summary written before protocols had none: its headline's), scenario, method, name. */
const endpointKey = (e: EndpointSummary, headline: string): string =>
  `${(e.protocol as string | undefined) ?? headline}\u0000${e.scenario}\u0000${e.method}\u0000${e.name}`;
export const endpointLabel = (e: { scenario: string; method: string; name: string }): string =>
  e.method === '' || e.name === e.method || e.name.startsWith(`${e.method} `)
    ? `${e.scenario} ${e.name}`
    : `${e.scenario} ${e.method} ${e.name}`;

const LATENCY_KEY: Record<string, keyof EndpointSummary['latency']> = {
  avg: 'avg',
  min: 'min',
  med: 'p50',
  'p(50)': 'p50',
  'p(90)': 'p90',
  'p(95)': 'p95',
  'p(99)': 'p99',
  max: 'max',
};

function compareEndpoints(
  base: Summary,
  next: Summary,
  latencyGates: readonly string[],
  errorGate: boolean,
  opts: CompareOptions,
): EndpointComparison[] {
  // Shown always: p(95), p(99) of the service time, error rate, req/s; gated as the run metrics are.
  const latencyStats = [...new Set(['p(95)', 'p(99)', ...latencyGates])].filter((s) => s in LATENCY_KEY);
  const byProtocol = new Map(protocolMetrics(base, next).map((h) => [h.protocol, h]));
  const fallback = summaryHeadline(next);
  const rowsFor = (b: EndpointSummary | undefined, n: EndpointSummary | undefined, gate: boolean) => {
    const rows: CompareRow[] = [];
    const e = (n ?? b) as EndpointSummary;
    const h = byProtocol.get((e.protocol as string | undefined) ?? fallback.protocol) ?? fallback;
    for (const stat of latencyStats) {
      const k = LATENCY_KEY[stat] as keyof EndpointSummary['latency'];
      rows.push(
        makeRow(
          {
            metric: h.duration,
            stat,
            unit: 'ms',
            direction: 'lower-is-better',
            gate: gate && latencyGates.includes(stat),
          },
          b?.latency[k],
          n?.latency[k],
          opts,
        ),
      );
    }
    const errRate = (e: EndpointSummary | undefined): number | undefined =>
      e ? (e.requests > 0 ? e.failures / e.requests : 0) : undefined;
    rows.push(
      makeRow(
        {
          metric: h.failures,
          stat: 'rate',
          unit: 'ratio',
          direction: 'lower-is-better',
          gate: gate && errorGate,
        },
        errRate(b),
        errRate(n),
        opts,
      ),
    );
    // Per-endpoint throughput follows the script's mix: shown, never gated.
    rows.push(
      makeRow(
        { metric: h.count, stat: 'rate', unit: 'per-second', direction: 'higher-is-better', gate: false },
        b?.rps,
        n?.rps,
        opts,
      ),
    );
    return rows;
  };

  const baseHead = summaryHeadline(base).protocol;
  const newByKey = new Map(next.endpoints.map((e) => [endpointKey(e, fallback.protocol), e]));
  const out: EndpointComparison[] = [];
  for (const b of base.endpoints) {
    const n = newByKey.get(endpointKey(b, baseHead));
    newByKey.delete(endpointKey(b, baseHead));
    const gate = n !== undefined && b.requests >= opts.minRequests && n.requests >= opts.minRequests;
    const rows = rowsFor(b, n, gate);
    out.push({
      scenario: b.scenario,
      method: b.method,
      name: b.name,
      status: n === undefined ? 'removed' : aggregateStatus(rows),
      requests: { base: b.requests, new: n?.requests ?? null },
      gate,
      rows,
    });
  }
  for (const n of newByKey.values()) {
    out.push({
      scenario: n.scenario,
      method: n.method,
      name: n.name,
      status: 'added',
      requests: { base: null, new: n.requests },
      gate: false,
      rows: rowsFor(undefined, n, false),
    });
  }
  return out;
}

function aggregateStatus(rows: readonly CompareRow[]): RowStatus {
  const gated = rows.filter((r) => r.gate);
  if (gated.some((r) => r.status === 'regressed')) return 'regressed';
  if (gated.some((r) => r.status === 'improved')) return 'improved';
  return 'ok';
}

export function formatValue(v: number, unit: Unit): string {
  switch (unit) {
    case 'ms':
      return `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)}ms`;
    case 'ratio':
      return `${(v * 100).toFixed(2)}%`;
    case 'per-second':
      return `${v.toFixed(1)}/s`;
    default:
      return Number.isInteger(v) ? String(v) : v.toFixed(3);
  }
}

export function formatDelta(row: Pick<CompareRow, 'delta' | 'unit'>): string {
  if (row.delta === null) return '—';
  const sign = row.delta > 0 ? '+' : row.delta < 0 ? '-' : '±';
  // Rates move in percentage points, not percent.
  if (row.unit === 'ratio') return `${sign}${(Math.abs(row.delta) * 100).toFixed(2)}pp`;
  return `${sign}${formatValue(Math.abs(row.delta), row.unit)}`;
}

export function formatDeltaPct(deltaRatio: number | null, delta: number | null): string {
  if (deltaRatio === null) return delta === null || delta === 0 ? '—' : 'new>0';
  const p = deltaRatio * 100;
  return `${p > 0 ? '+' : p < 0 ? '-' : '±'}${Math.abs(p).toFixed(1)}%`;
}

function regressionOf(scope: string, r: CompareRow, tolerance: number): Regression {
  const b = r.base as number;
  const n = r.new as number;
  const what = `${r.metric} ${r.stat}`;
  const pct = formatDeltaPct(r.deltaRatio, r.delta);
  const failing =
    r.unit === 'ratio' && r.direction === 'higher-is-better'
      ? `; failing share ${formatValue(1 - b, r.unit)} -> ${formatValue(1 - n, r.unit)}`
      : '';
  return {
    scope,
    metric: r.metric,
    stat: r.stat,
    base: b,
    new: n,
    delta: r.delta as number,
    deltaRatio: r.deltaRatio,
    message: `${scope === 'run' ? '' : `${scope}: `}${what} ${formatValue(b, r.unit)} -> ${formatValue(n, r.unit)} (${formatDelta(r)}, ${pct}; tolerance ${round((r.tolerance ?? tolerance) * 100, 2)}%, ${r.direction}${failing})`,
  };
}

/** Differences that make BASE and NEW measure different things, and generator saturation. */
export function shapeWarnings(base: Summary, next: Summary): string[] {
  const w: string[] = [];
  const bReq = base.config.request;
  const nReq = next.config.request;
  if ((bReq?.url ?? null) !== (nReq?.url ?? null) || (bReq?.method ?? null) !== (nReq?.method ?? null))
    w.push(
      `different targets: BASE ${bReq ? `${bReq.method} ${bReq.url}` : 'a script'}, NEW ${nReq ? `${nReq.method} ${nReq.url}` : 'a script'}`,
    );
  if (base.config.script !== next.config.script)
    w.push(
      `different test files: BASE ${base.config.script ?? 'quick mode'}, NEW ${next.config.script ?? 'quick mode'}`,
    );
  const bPlans = new Map(base.config.plans.map((p) => [p.scenario, p]));
  const nPlans = new Map(next.config.plans.map((p) => [p.scenario, p]));
  const names = [...new Set([...bPlans.keys(), ...nPlans.keys()])];
  for (const name of names) {
    const b = bPlans.get(name);
    const n = nPlans.get(name);
    if (!b || !n) {
      w.push(`scenario '${name}' is only in ${b ? 'BASE' : 'NEW'}`);
      continue;
    }
    if (b.executor !== n.executor)
      w.push(`scenario '${name}': executor ${b.executor} in BASE, ${n.executor} in NEW`);
    if (b.durationMs !== n.durationMs)
      w.push(`scenario '${name}': duration ${b.durationMs / 1000}s in BASE, ${n.durationMs / 1000}s in NEW`);
    const bs = base.config.scenarios[name] as unknown as Record<string, unknown> | undefined;
    const ns = next.config.scenarios[name] as unknown as Record<string, unknown> | undefined;
    if (bs && ns && b.executor === n.executor) {
      const keys = [...new Set([...Object.keys(bs), ...Object.keys(ns)])].filter(
        (k) => !['executor', 'duration', 'exec', 'tags', 'env'].includes(k),
      );
      const diff = keys.filter((k) => JSON.stringify(bs[k]) !== JSON.stringify(ns[k]));
      if (diff.length > 0)
        w.push(
          `scenario '${name}' load differs: ${diff.map((k) => `${k} ${JSON.stringify(bs[k]) ?? '—'} -> ${JSON.stringify(ns[k]) ?? '—'}`).join(', ')}`,
        );
    }
  }
  for (const [label, doc] of [
    ['BASE', base],
    ['NEW', next],
  ] as const) {
    if (doc.generator.saturated)
      w.push(
        `${label}: the generator was saturated in ${doc.generator.saturatedSeconds} of ${doc.generator.seconds} seconds (${doc.generator.reasons.join(', ')}): the comparison may measure the generator, not the target`,
      );
    if (doc.state.aborted)
      w.push(`${label}: the run was stopped early (${doc.state.abortDetail ?? 'aborted'})`);
    const n = doc.metrics[summaryHeadline(doc).duration]?.values.count;
    if (n !== undefined && n > 0 && n < 100)
      w.push(`${label}: only ${n} requests: p(99) of fewer than 100 samples is close to the max and noisy`);
  }
  if (base.config.workers !== next.config.workers)
    w.push(`different worker threads: ${base.config.workers} in BASE, ${next.config.workers} in NEW`);
  return w;
}

/** Compares NEW against BASE. Throws INVALID_USAGE for a `--metric` that names nothing in the summaries. */
export function compareSummaries(
  base: Summary,
  next: Summary,
  refs: { base: RunRef; new: RunRef },
  options: Partial<CompareOptions> = {},
): Comparison {
  const opts: CompareOptions = { ...DEFAULT_OPTIONS, ...options };
  if (!(opts.tolerance >= 0)) throw new VolleyError('INVALID_USAGE', 'tolerance must be >= 0');
  let specs: RowSpec[];
  const recomputed = new Set<string>();
  if (opts.metrics && opts.metrics.length > 0) {
    base = withPercentiles(base, opts.metrics, opts.percentiles?.base, recomputed);
    next = withPercentiles(next, opts.metrics, opts.percentiles?.new, recomputed);
    checkSelectors(opts.metrics, base, next);
    specs = opts.metrics.map((s) => ({ ...s, gate: true }));
  } else specs = defaultSpecs(base, next);

  const metrics: CompareRow[] = [];
  const seen = new Set<string>();
  for (const s of specs) {
    const key = `${s.metric}:${s.stat}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const m = (base.metrics[s.metric] ?? next.metrics[s.metric]) as SummaryMetric;
    metrics.push(
      makeRow(
        {
          metric: s.metric,
          stat: s.stat,
          unit: unitOf(m, s.stat),
          direction: s.direction ?? defaultDirection(s.metric, s.stat, m.type),
          gate: s.gate,
          ...(s.tolerance !== undefined ? { tolerance: s.tolerance } : {}),
        },
        base.metrics[s.metric]?.values[s.stat],
        next.metrics[s.metric]?.values[s.stat],
        opts,
      ),
    );
    if (recomputed.has(key)) (metrics.at(-1) as CompareRow).fromHistograms = true;
  }
  const capacity = compareCapacity(base, next, opts);

  // Endpoints gate on the same statistics of the protocols' headline duration and failures as the run.
  const heads = protocolMetrics(base, next);
  const gatedRows = metrics.filter((r) => r.gate);
  const latencyGates = gatedRows.filter((r) => heads.some((h) => h.duration === r.metric)).map((r) => r.stat);
  const errorGate = gatedRows.some((r) => heads.some((h) => h.failures === r.metric) && r.stat === 'rate');
  const endpoints = compareEndpoints(base, next, latencyGates, errorGate, opts);

  const regressions: Regression[] = [];
  for (const r of metrics)
    if (r.gate && r.status === 'regressed') regressions.push(regressionOf('run', r, opts.tolerance));
  for (const r of capacity)
    if (r.gate && r.status === 'regressed')
      regressions.push({
        scope: r.kind,
        metric: r.metric,
        stat: r.stat,
        base: r.base ?? NaN,
        new: r.new ?? NaN,
        delta: r.delta ?? NaN,
        deltaRatio: r.deltaRatio,
        message: r.message,
      });
  for (const e of endpoints)
    for (const r of e.rows)
      if (r.gate && r.status === 'regressed')
        regressions.push(regressionOf(endpointLabel(e), r, opts.tolerance));

  return {
    schema: COMPARE_SCHEMA,
    base: refs.base,
    new: refs.new,
    tolerance: opts.tolerance,
    floors: { minDeltaMs: opts.minDeltaMs, minDeltaRate: opts.minDeltaRate, minRequests: opts.minRequests },
    metrics,
    ...(capacity.length > 0 ? { capacity } : {}),
    endpoints,
    regressions,
    warnings: shapeWarnings(base, next),
    verdict: regressions.length > 0 ? 'regressed' : 'passed',
  };
}

const PERCENTILE = /^p\((\d+(?:\.\d+)?)\)$/;

/**
 * A copy of the summary with the selected percentiles it lacks (`p(99.9)` when the run kept
 * p(90), p(95), p(99)) recomputed from the run's stored histograms; `recomputed` collects them.
 */
function withPercentiles(
  doc: Summary,
  selectors: readonly MetricSelector[],
  lookup: PercentileLookup | undefined,
  recomputed: Set<string>,
): Summary {
  if (!lookup) return doc;
  let metrics = doc.metrics;
  for (const sel of selectors) {
    const m = metrics[sel.metric];
    const p = PERCENTILE.exec(sel.stat);
    if (!m || m.type !== 'trend' || !p || sel.stat in m.values) continue;
    const v = lookup(sel.metric, Number(p[1]));
    if (v === undefined) continue;
    if (metrics === doc.metrics) metrics = { ...doc.metrics };
    metrics[sel.metric] = { ...m, values: { ...m.values, [sel.stat]: v } };
    recomputed.add(`${sel.metric}:${sel.stat}`);
  }
  return metrics === doc.metrics ? doc : { ...doc, metrics };
}

/** Seconds two recovery times may differ by before the recovery row regresses or improves. */
export const RECOVERY_SLACK_S = 2;

/** A summary may carry `volley stress`'s result (its ceiling and its capacity plan). */
type MaybeStress = Summary & {
  stress?: { maxSustainableRate: number | null; capacityPlan?: CapacityPlan | null };
};

/** The recommended operating points a summary holds, by plan: each ramping scenario's, and a stress search's. */
function operatingPoints(s: Summary): Map<string, CapacityPlan> {
  const out = new Map<string, CapacityPlan>();
  for (const p of s.capacityPlan ?? []) out.set(`scenario ${p.scenario}`, p);
  const stressPlan = (s as MaybeStress).stress?.capacityPlan;
  if (stressPlan) out.set('stress search', stressPlan);
  return out;
}

const fmtLoad = (v: number, unit: Unit): string =>
  unit === 'per-second' ? `${round(v, 1)}/s` : `${round(v, 1)} VUs`;

/** Knees, stress ceilings and phases: what moved in capacity between BASE and NEW. */
export function compareCapacity(
  base: Summary,
  next: Summary,
  options: Partial<CompareOptions> = {},
): CapacityRow[] {
  const opts: CompareOptions = { ...DEFAULT_OPTIONS, ...options };
  const out: CapacityRow[] = [];
  // The knee: the load where the service stopped scaling; higher is better.
  // Summaries read from files may be partial or old: no analysis, no knee.
  const bk = (base.analysis as Summary['analysis'] | undefined)?.knee ?? null;
  const nk = (next.analysis as Summary['analysis'] | undefined)?.knee ?? null;
  if (bk || nk) {
    const open = (bk ?? nk)?.loadModel === 'open';
    const unit: Unit = open ? 'per-second' : 'count';
    const level = (k: typeof bk): number | undefined =>
      k?.detected && k.load ? (open ? k.load.iterationsPerSec : k.load.vus) : undefined;
    const b = level(bk);
    const n = level(nk);
    const row = makeRow(
      {
        metric: 'knee',
        stat: open ? 'arrivals/s' : 'VUs',
        unit,
        direction: 'higher-is-better',
        gate: b !== undefined && n !== undefined,
      },
      b,
      n,
      opts,
    );
    const u = (v: number): string => fmtLoad(v, open ? 'per-second' : 'count');
    const message =
      b !== undefined && n !== undefined
        ? b === n
          ? `the knee stayed at ${u(b)}`
          : `the knee moved from ${u(b)} to ${u(n)}`
        : b !== undefined
          ? `no knee in NEW (BASE bent at ${u(b)})`
          : n !== undefined
            ? `NEW bent at ${u(n)} (no knee in BASE)`
            : 'no knee in either run';
    out.push({ ...row, kind: 'knee', message });
  }
  // A stress search's ceiling: the highest rate that held every SLO; higher is better.
  const bc = (base as MaybeStress).stress?.maxSustainableRate;
  const nc = (next as MaybeStress).stress?.maxSustainableRate;
  if (bc !== undefined || nc !== undefined) {
    const row = makeRow(
      {
        metric: 'stress ceiling',
        stat: 'max sustainable',
        unit: 'per-second',
        direction: 'higher-is-better',
        gate: typeof bc === 'number' && typeof nc === 'number',
      },
      bc ?? undefined,
      nc ?? undefined,
      opts,
    );
    const message =
      typeof bc === 'number' && typeof nc === 'number'
        ? bc === nc
          ? `the ceiling stayed at ${bc}/s`
          : `the ceiling moved from ${bc}/s to ${nc}/s`
        : `ceiling ${bc ?? '—'}/s in BASE, ${nc ?? '—'}/s in NEW`;
    out.push({ ...row, kind: 'ceiling', message });
  }
  // The recommended operating points (the capacity plan's: the highest load that held every SLO,
  // less the headroom), matched by scenario; higher is better.
  const bo = operatingPoints(base);
  const no = operatingPoints(next);
  for (const [key, np] of no) {
    const bp = bo.get(key);
    if (!bp) continue;
    const unit: Unit = np.unit === 'vus' ? 'count' : 'per-second';
    const b = bp.recommended ?? undefined;
    const n = np.recommended ?? undefined;
    const row = makeRow(
      {
        metric: `operating point (${key})`,
        stat: 'recommended',
        unit,
        direction: 'higher-is-better',
        gate: b !== undefined && n !== undefined,
      },
      b,
      n,
      opts,
    );
    const u = (v: number): string => fmtLoad(v, unit);
    const message =
      b !== undefined && n !== undefined
        ? b === n
          ? `the recommended operating point (${key}) stayed at ${u(b)}`
          : `the recommended operating point (${key}) moved from ${u(b)} to ${u(n)}`
        : `recommended operating point (${key}): ${b === undefined ? 'none' : u(b)} in BASE, ${n === undefined ? 'none' : u(n)} in NEW`;
    out.push({ ...row, kind: 'operating-point', message });
  }
  // Phases, when both runs have them: each phase's p99 by name, and the recovery verdict.
  const bp = base.phases;
  const np = next.phases;
  if (bp && np) {
    for (const phase of np.phases) {
      const b = bp.phases.find((p) => p.name === phase.name);
      if (!b) continue;
      const row = makeRow(
        {
          metric: `phase ${phase.name}`,
          stat: 'p(99)',
          unit: 'ms',
          direction: 'lower-is-better',
          gate: true,
        },
        b.p99Ms,
        phase.p99Ms,
        opts,
      );
      out.push({
        ...row,
        kind: 'phase',
        message: `phase ${phase.name}: p99 ${formatValue(b.p99Ms, 'ms')} -> ${formatValue(phase.p99Ms, 'ms')}`,
      });
    }
    if (bp.recovery && np.recovery) {
      const b = bp.recovery.recoveredInS;
      const n = np.recovery.recoveredInS;
      // Did not recover is worse than any recovery time; two recovery times differ when they are
      // more than RECOVERY_SLACK_S apart (the verdict is read to the second).
      const status: RowStatus =
        b !== null && n !== null
          ? n - b > RECOVERY_SLACK_S
            ? 'regressed'
            : b - n > RECOVERY_SLACK_S
              ? 'improved'
              : 'ok'
          : b === n
            ? 'ok'
            : n === null
              ? 'regressed'
              : 'improved';
      const text = (r: NonNullable<typeof bp.recovery>): string =>
        r.recoveredInS === null ? 'did not recover' : `recovered in ${r.recoveredInS} s`;
      out.push({
        metric: 'recovery',
        stat: 'seconds',
        unit: '',
        direction: 'lower-is-better',
        gate: true,
        base: b,
        new: n,
        delta: b !== null && n !== null ? n - b : null,
        deltaRatio: b !== null && n !== null && b !== 0 ? round((n - b) / b, 6) : null,
        status,
        kind: 'recovery',
        message: `recovery: BASE ${text(bp.recovery)}, NEW ${text(np.recovery)}`,
      });
    }
  }
  return out;
}
