/**
 * The capacity plan of a ramping run (seed 002's tables): one row per stage of each ramping
 * scenario — the load it drove, what it achieved, its latency, errors and the target's resources —
 * and a recommended operating point: the highest load that held every SLO, less a headroom.
 *
 * Rows are read from the per-second timeline, which holds one second's values, not its histogram:
 * a stage's percentiles are its **worst second's** (the highest per-second p50/p95/p99), an upper
 * bound and never an average of percentiles. A stage holds an SLO when every second of it does
 * (percentiles, max), or when the stage as a whole does (rates, averages, which sum exactly).
 */
import type { ThresholdSpec } from '../config/types.js';
import { parseThresholdKey, type Operator } from '../thresholds/parse.js';
import { compare } from '../thresholds/evaluate.js';
import type { ScenarioPlan, TimelineSecond } from './input.js';

export const DEFAULT_HEADROOM = 0.3;
/** Without thresholds, a stage passes when at most this share of its requests failed. */
const DEFAULT_ERROR_SLO = 0.01;
/** An open-loop stage fails when fewer than this share of its due arrivals ran. */
const ABSORBED = 0.95;

export interface CapacityRow {
  /** 0-based stage index within its scenario (or the probe's index for a stress search). */
  index: number;
  /** The run seconds [fromSecond, toSecond) the row is read from (0-based, as the series). */
  fromSecond: number;
  toSecond: number;
  /** The load the stage ramps to: VUs (closed loop) or arrivals per second (open loop). */
  load: number;
  /** The load at the stage's start (equal to `load` on a plateau). */
  startLoad: number;
  /** Requests per second achieved over the stage. */
  throughputRps: number;
  /** The worst second's percentiles, in ms. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Failed share of the stage's requests, 0..1. */
  errorRate: number;
  /** The target's CPU (% of one core) and memory, averaged over the stage; null without a monitor. */
  targetCpuPercent: number | null;
  targetRssMB: number | null;
  targetMemoryPercent: number | null;
  /** null: the stage did not run (no second of it in the timeline). */
  passed: boolean | null;
  /** The SLOs it broke, with the stage's value. */
  failures: string[];
}

export interface CapacityPlan {
  scenario: string;
  /** 'vus' for ramping-vus, 'arrivals/s' for ramping-arrival-rate and stress probes. */
  unit: 'vus' | 'arrivals/s';
  /** The SLOs each stage was judged against, as written (`metric: expr`). */
  slos: string[];
  /** Thresholds that cannot be read per stage (tag filters, counts, statistics not kept per second). */
  notEvaluated: string[];
  /** 0..1: the share of the highest passing load left unused. */
  headroom: number;
  rows: CapacityRow[];
  /** The highest load held by a passing stage below the lowest failing one; null when none passed. */
  highestPassingLoad: number | null;
  /** `highestPassingLoad × (1 − headroom)`, rounded down; null when no stage passed. */
  recommended: number | null;
  /** One sentence: "recommended: 280/s (the highest passing stage held 400/s; 30% headroom)". */
  detail: string;
}

const RAMPING = new Set(['ramping-vus', 'ramping-arrival-rate']);

interface Slo {
  text: string;
  metric: string;
  stat: string;
  op: Operator;
  value: number;
}

const EXPR =
  /^\s*(avg|min|max|med|count|rate|value|p\([^)]*\))\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/;

/** The SLOs of a threshold map that can be judged per stage; the others are listed as not evaluated. */
function stageSlos(thresholds: Record<string, readonly ThresholdSpec[]>): {
  slos: Slo[];
  notEvaluated: string[];
} {
  const slos: Slo[] = [];
  const notEvaluated: string[] = [];
  for (const [key, list] of Object.entries(thresholds)) {
    const parsed = parseThresholdKey(key);
    for (const spec of list) {
      const source = typeof spec === 'string' ? spec : spec.threshold;
      const text = `${key}: ${source}`;
      const m = EXPR.exec(source);
      if (typeof parsed === 'string' || parsed.filter || !m || m[1] === 'count') {
        notEvaluated.push(text);
        continue;
      }
      slos.push({
        text,
        metric: parsed.metric,
        stat: m[1] as string,
        op: (m[2] === '===' ? '==' : m[2]) as Operator,
        value: Number(m[3]),
      });
    }
  }
  return { slos, notEvaluated };
}

/**
 * A stage's value of one SLO's statistic, or undefined when the seconds do not say. Rates and
 * averages are summed exactly over the stage; percentiles, `min` and `max` take the second least
 * favourable to the SLO (the highest for `<`, the lowest for `>`).
 */
function stageValue(slo: Slo, secs: readonly TimelineSecond[]): number | undefined {
  const vals = secs
    .map((s) => s.metrics[slo.metric])
    .filter((v): v is Record<string, number> => v !== undefined);
  if (vals.length === 0) return undefined;
  if (slo.stat === 'rate' && vals[0]?.passes !== undefined) {
    const passes = vals.reduce((a, v) => a + (v.passes ?? 0), 0);
    const fails = vals.reduce((a, v) => a + (v.fails ?? 0), 0);
    return passes + fails > 0 ? passes / (passes + fails) : 0;
  }
  if (slo.stat === 'rate' && vals[0]?.count !== undefined)
    return vals.reduce((a, v) => a + (v.count ?? 0), 0) / secs.length;
  if (slo.stat === 'avg' && vals[0]?.count !== undefined) {
    const n = vals.reduce((a, v) => a + (v.count ?? 0), 0);
    return n > 0 ? vals.reduce((a, v) => a + (v.avg ?? 0) * (v.count ?? 0), 0) / n : undefined;
  }
  const stat = slo.stat === 'med' && vals[0]?.med === undefined ? 'p(50)' : slo.stat;
  const xs = vals.map((v) => v[stat]).filter((x): x is number => x !== undefined);
  if (xs.length === 0) return undefined;
  const upper = slo.op === '<' || slo.op === '<=' || slo.op === '==' || slo.op === '!=';
  return upper ? Math.max(...xs) : Math.min(...xs);
}

const avgOf = (secs: readonly TimelineSecond[], metric: string): number | null => {
  const xs = secs.map((s) => s.metrics[metric]?.avg).filter((x): x is number => x !== undefined);
  return xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10 : null;
};

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** One row from the seconds of a stage. */
function capacityRow(
  index: number,
  load: number,
  startLoad: number,
  fromSecond: number,
  toSecond: number,
  timeline: readonly TimelineSecond[],
  slos: readonly Slo[],
  openLoop: boolean,
): CapacityRow {
  const secs = timeline.filter((s) => s.second >= fromSecond && s.second < toSecond);
  const requests = secs.reduce((a, s) => a + s.requests, 0);
  const failures = secs.reduce((a, s) => a + s.failures, 0);
  const errorRate = requests > 0 ? failures / requests : 0;
  const row: CapacityRow = {
    index,
    fromSecond,
    toSecond,
    load,
    startLoad,
    throughputRps: secs.length ? Math.round((requests / secs.length) * 10) / 10 : 0,
    p50Ms: secs.length ? round3(Math.max(...secs.map((s) => s.latency.p50))) : 0,
    p95Ms: secs.length ? round3(Math.max(...secs.map((s) => s.latency.p95))) : 0,
    p99Ms: secs.length ? round3(Math.max(...secs.map((s) => s.latency.p99))) : 0,
    errorRate: Math.round(errorRate * 1e6) / 1e6,
    targetCpuPercent: avgOf(secs, 'target_cpu_percent'),
    targetRssMB: avgOf(secs, 'target_rss_mb'),
    targetMemoryPercent: avgOf(secs, 'target_memory_percent'),
    passed: null,
    failures: [],
  };
  if (secs.length === 0) return row;
  if (slos.length === 0 && errorRate > DEFAULT_ERROR_SLO)
    row.failures.push(
      `error rate ${(errorRate * 100).toFixed(2)}% > ${(DEFAULT_ERROR_SLO * 100).toFixed(0)}% (no thresholds: the default SLO)`,
    );
  for (const slo of slos) {
    const v = stageValue(slo, secs);
    // A monitor SLO without readings cannot be held (as for the run's thresholds).
    if (v === undefined) {
      if (/^(target|prom)_/.test(slo.metric)) row.failures.push(`${slo.text} (no readings)`);
      continue;
    }
    if (!compare(v, slo.op, slo.value)) row.failures.push(`${slo.text} (stage: ${round3(v)})`);
  }
  if (openLoop) {
    const due = secs.reduce((a, s) => a + s.iterations + s.dropped, 0);
    const ran = secs.reduce((a, s) => a + s.iterations, 0);
    if (due > 0 && ran < due * ABSORBED)
      row.failures.push(
        `rate not absorbed: ${ran} of ${due} due arrivals ran (${((ran / due) * 100).toFixed(1)}%)`,
      );
  }
  row.passed = row.failures.length === 0;
  return row;
}

/** Rounds a recommended load down: whole VUs; arrivals whole above 10/s, tenths below. */
function roundDown(load: number, unit: CapacityPlan['unit']): number {
  if (unit === 'vus') return Math.floor(load);
  return load >= 10 ? Math.floor(load) : Math.floor(load * 10) / 10;
}

/** The recommendation over rows: the highest passing load below the lowest failing one, less the headroom. */
export function recommend(
  rows: readonly CapacityRow[],
  unit: CapacityPlan['unit'],
  headroom: number,
  what: 'stage' | 'probe' = 'stage',
): Pick<CapacityPlan, 'highestPassingLoad' | 'recommended' | 'detail'> {
  const failing = rows.filter((r) => r.passed === false).map((r) => r.load);
  const lowestFailing = failing.length ? Math.min(...failing) : Infinity;
  const passing = rows
    .filter((r) => r.passed === true && r.load < lowestFailing && r.load > 0)
    .map((r) => r.load);
  const u = unit === 'vus' ? ' VUs' : '/s';
  if (passing.length === 0) {
    const ran = rows.filter((r) => r.passed !== null).length;
    return {
      highestPassingLoad: null,
      recommended: null,
      detail:
        ran === 0
          ? `no recommendation: no ${what} ran`
          : `no recommendation: no ${what} held every SLO (the lowest, ${Math.min(...rows.filter((r) => r.passed !== null).map((r) => r.load))}${u}, already failed): lower the load`,
    };
  }
  const highest = Math.max(...passing);
  const recommended = roundDown(highest * (1 - headroom), unit);
  const above = Number.isFinite(lowestFailing) ? `, the lowest failing held ${lowestFailing}${u}` : '';
  return {
    highestPassingLoad: highest,
    recommended,
    detail: `recommended: ${recommended}${u} (the highest passing ${what} held ${highest}${u}${above}; ${Math.round(headroom * 100)}% headroom)`,
  };
}

/**
 * The capacity plans of a run: one per ramping scenario, its rows its stages (zero-length stages
 * are skipped: they move the level, they hold nothing). Empty when no scenario ramps. The seconds
 * a stage is read from are those wholly inside it; a stage shorter than a second gets the second it
 * starts in.
 */
export function capacityPlans(
  timeline: readonly TimelineSecond[],
  plans: readonly ScenarioPlan[],
  thresholds: Record<string, readonly ThresholdSpec[]>,
  headroom: number = DEFAULT_HEADROOM,
): CapacityPlan[] {
  const out: CapacityPlan[] = [];
  const { slos, notEvaluated } = stageSlos(thresholds);
  for (const { scenario, plan } of plans) {
    if (!RAMPING.has(scenario.executor)) continue;
    const open = scenario.executor === 'ramping-arrival-rate';
    const unit: CapacityPlan['unit'] = open ? 'arrivals/s' : 'vus';
    const perSec = (x: number): number => (open ? (x * 1000) / scenario.timeUnitMs : x);
    const rows: CapacityRow[] = [];
    let atMs = scenario.startTimeMs;
    let prev = perSec(open ? scenario.startRate : scenario.startVUs);
    scenario.stages.forEach((stage, i) => {
      const fromMs = atMs;
      atMs += stage.durationMs;
      const load = Math.round(perSec(stage.target) * 1000) / 1000;
      const startLoad = prev;
      prev = load;
      if (stage.durationMs <= 0) return;
      let from = Math.ceil(fromMs / 1000);
      let to = Math.floor(atMs / 1000);
      if (to <= from) {
        from = Math.floor(fromMs / 1000);
        to = from + 1;
      }
      rows.push(capacityRow(i, load, startLoad, from, to, timeline, slos, plan.openLoop));
    });
    out.push({
      scenario: scenario.name,
      unit,
      slos: slos.length
        ? slos.map((s) => s.text)
        : [`error rate ≤ ${(DEFAULT_ERROR_SLO * 100).toFixed(0)}% (no thresholds)`],
      notEvaluated,
      headroom,
      rows,
      ...recommend(rows, unit, headroom),
    });
  }
  return out;
}

/** Parses a headroom: `30%`, `0.3` or `30` (a number above 1 is a percentage); undefined when malformed or not in [0, 100%). */
export function parseHeadroom(text: string | number): number | undefined {
  const s = String(text).trim();
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  const share = m[2] === '%' || n > 1 ? n / 100 : n;
  return share >= 0 && share < 1 ? share : undefined;
}

/** A plan as text cells for people (terminal, Markdown, HTML): a header row, then one row per stage. */
export function capacityCells(plan: CapacityPlan, what: 'stage' | 'probe' = 'stage'): string[][] {
  const u = plan.unit === 'vus' ? 'VUs' : 'arrivals/s';
  const hasCpu = plan.rows.some((r) => r.targetCpuPercent !== null);
  const hasMem = plan.rows.some((r) => r.targetRssMB !== null);
  const hasMemPct = plan.rows.some((r) => r.targetMemoryPercent !== null);
  const head = [what, u, 'req/s', 'p50', 'p95', 'p99', 'errors'];
  if (hasCpu) head.push('target CPU');
  if (hasMem) head.push('target RSS');
  if (hasMemPct) head.push('target mem');
  head.push('verdict');
  const ms = (x: number): string => (x >= 100 ? `${Math.round(x)}ms` : `${x.toFixed(1)}ms`);
  const rows = plan.rows.map((r) => {
    const load = r.startLoad !== r.load && what === 'stage' ? `${r.startLoad}→${r.load}` : String(r.load);
    const cells = [
      String(r.index + 1),
      load,
      r.throughputRps.toFixed(1),
      ms(r.p50Ms),
      ms(r.p95Ms),
      ms(r.p99Ms),
      `${(r.errorRate * 100).toFixed(2)}%`,
    ];
    if (hasCpu) cells.push(r.targetCpuPercent === null ? '—' : `${r.targetCpuPercent}%`);
    if (hasMem) cells.push(r.targetRssMB === null ? '—' : `${r.targetRssMB} MB`);
    if (hasMemPct) cells.push(r.targetMemoryPercent === null ? '—' : `${r.targetMemoryPercent}%`);
    cells.push(r.passed === null ? 'not run' : r.passed ? '✓ passed' : `✗ ${r.failures.join('; ')}`);
    return cells;
  });
  return [head, ...rows];
}
