/**
 * Phase analysis of a run built from a preset whose stages carry phase names (fivePhase, spike,
 * soak, stress): a row per phase read from the per-second timeline, the five-phase recovery
 * verdict (did the recovery phase return to the warm-up baseline, and how fast) and, for a soak,
 * the memory-growth verdict (least-squares slope of the target's and the generator's RSS).
 *
 * Everything here reads the compact per-second series (SeriesPoint) and the monitored series, so
 * the same functions run on a stored summary, a synthetic timeline in a test, or live data.
 */
import { median } from './sustained.js';
import type { SeriesPoint } from './types.js';

/** One named phase of a scenario: where it lies in run time and the load its stages ask for. */
export interface PhaseSpan {
  name: string;
  /** Run time (ms from the start) where the phase begins and ends (end exclusive). */
  startMs: number;
  endMs: number;
  /** The stage target when the phase begins and when it ends (VUs, or arrivals/s when open loop). */
  loadFrom: number;
  loadTo: number;
}

export interface PhaseRow {
  name: string;
  /**
   * First run second (0-based) of the phase, and the second after its last (end exclusive):
   * the phase's bounds rounded to the nearest second, so consecutive phases share no second.
   */
  startSecond: number;
  endSecond: number;
  /** The planned load: stage target at the start and at the end, in `loadUnit`. */
  load: { from: number; to: number };
  /** Mean VUs active over the phase's seconds (measured). */
  vusAvg: number;
  requests: number;
  failures: number;
  /** Requests per second over the phase's seconds. */
  throughputRps: number;
  /**
   * Latency over the phase, ms: each second's percentile weighted by that second's requests
   * (the timeline keeps per-second percentiles, not per-second histograms, so this approximates
   * the phase's percentile; the run's own percentiles are exact, from merged histograms).
   */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** failures / requests over the phase (0..1). */
  errorRate: number;
}

/** The five-phase verdict's tolerance: p99 within `p99Ratio` of the warm-up's, error rate within `errorRatePoints`. */
export interface RecoveryTolerance {
  /** 0.2: the recovery's p99 may be up to 20% above the warm-up's. */
  p99Ratio: number;
  /** 0.005: the recovery's error rate may be up to 0.5 points above the warm-up's. */
  errorRatePoints: number;
  /** An absolute floor on the p99 slack, ms, so a 1 ms baseline is not held to 0.2 ms. */
  minP99SlackMs: number;
}

export const DEFAULT_RECOVERY_TOLERANCE: RecoveryTolerance = {
  p99Ratio: 0.2,
  errorRatePoints: 0.005,
  minP99SlackMs: 2,
};

/** Seconds in the rolling window the recovery is judged on. */
export const RECOVERY_WINDOW = 3;

export interface RecoveryVerdict {
  recovered: boolean;
  /** Seconds from the start of the recovery phase until the rolling values stayed within tolerance; null when they did not. */
  recoveredInS: number | null;
  /** Run second (0-based) from which the values stayed within tolerance; null when they did not. */
  recoveredAtSecond: number | null;
  baselineP99Ms: number;
  baselineErrorRate: number;
  /** The rolling values over the recovery's last seconds. */
  finalP99Ms: number;
  finalErrorRate: number;
  tolerance: RecoveryTolerance;
  /** "recovered in 4 s" or "did not recover: p99 140 ms vs warm-up 20 ms". */
  detail: string;
}

/**
 * Memory counts as growing at GROWTH_MB_PER_HOUR or more, with a fit that explains the samples
 * (r² >= MIN_R2) and at least MIN_GROWTH_MB of fitted growth over the phase (so a short soak's
 * warm-up, a few MB in seconds, is not called a leak).
 */
export const GROWTH_MB_PER_HOUR = 10;
export const MIN_R2 = 0.5;
export const MIN_GROWTH_MB = 5;

export interface MemoryGrowth {
  /** `target`: the monitored process (target_rss_mb); `generator`: volley's own RSS. */
  source: 'target' | 'generator';
  metric: string;
  /** Least-squares slope over the soak phase, MB per hour. */
  mbPerHour: number;
  /** Coefficient of determination of the fit, 0..1. */
  r2: number;
  seconds: number;
  verdict: 'growing' | 'flat';
  detail: string;
}

export interface PhaseAnalysis {
  /** The scenario the phases come from. */
  scenario: string;
  /** `vus` (closed loop) or `per-second` (arrivals, open loop). */
  loadUnit: 'vus' | 'per-second';
  phases: PhaseRow[];
  /** Five-phase runs (a `warm-up` and a `recovery` phase): the recovery verdict. Null otherwise. */
  recovery: RecoveryVerdict | null;
  /** Soak runs (a `soak` phase): memory growth of the target (when monitored) and of the generator. */
  memory: MemoryGrowth[];
}

/** Stages of one scenario with their phase names → the named spans (consecutive stages of one name merge). */
export function phaseSpans(
  startTimeMs: number,
  startLoad: number,
  stages: readonly { durationMs: number; target: number; phase?: string | undefined }[],
): PhaseSpan[] {
  const out: PhaseSpan[] = [];
  let t = startTimeMs;
  let load = startLoad;
  for (const st of stages) {
    const end = t + st.durationMs;
    if (st.phase !== undefined) {
      const last = out.at(-1);
      if (last && last.name === st.phase && last.endMs === t) {
        last.endMs = end;
        last.loadTo = st.target;
      } else {
        out.push({ name: st.phase, startMs: t, endMs: end, loadFrom: load, loadTo: st.target });
      }
    }
    t = end;
    load = st.target;
  }
  return out;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const r3 = (v: number): number => Math.round(v * 1000) / 1000;

/** Requests-weighted mean of a per-second latency figure over some seconds (0 without requests). */
function weighted(points: readonly SeriesPoint[], key: 'p50' | 'p95' | 'p99'): number {
  const n = sum(points.map((p) => p.requests));
  if (n === 0) return 0;
  return sum(points.map((p) => p.latency[key] * p.requests)) / n;
}

function secondsOf(series: readonly SeriesPoint[], startSecond: number, endSecond: number): SeriesPoint[] {
  return series.filter((p) => p.second >= startSecond && p.second < endSecond);
}

/** A phase's row from the seconds it covers. */
export function phaseRow(span: PhaseSpan, series: readonly SeriesPoint[]): PhaseRow {
  // Boundaries round to the nearest second, so consecutive phases share no second.
  const startSecond = Math.round(span.startMs / 1000);
  const endSecond = Math.max(startSecond + 1, Math.round(span.endMs / 1000));
  const pts = secondsOf(series, startSecond, endSecond);
  const requests = sum(pts.map((p) => p.requests));
  const failures = sum(pts.map((p) => p.failures));
  return {
    name: span.name,
    startSecond,
    endSecond,
    load: { from: span.loadFrom, to: span.loadTo },
    vusAvg: pts.length ? r3(sum(pts.map((p) => p.vus)) / pts.length) : 0,
    requests,
    failures,
    throughputRps: pts.length ? r3(requests / pts.length) : 0,
    p50Ms: r3(weighted(pts, 'p50')),
    p95Ms: r3(weighted(pts, 'p95')),
    p99Ms: r3(weighted(pts, 'p99')),
    errorRate: requests ? r3(failures / requests) : 0,
  };
}

const fmtMs = (v: number): string => (v >= 100 ? `${Math.round(v)} ms` : `${Number(v.toPrecision(2))} ms`);
const fmtPct = (v: number): string => `${Number((v * 100).toFixed(2))}%`;

/**
 * The five-phase verdict. Baseline: the warm-up's seconds with requests (their median p99 and
 * their pooled error rate). Recovery: over a rolling window of RECOVERY_WINDOW seconds (trailing,
 * inside the recovery phase), the requests-weighted p99 and the pooled error rate. Recovered when
 * the windows are within tolerance to the end of the phase; the recovery time runs to the first
 * second of the first window from which every later window is within tolerance.
 */
export function recoveryVerdict(
  warmUp: PhaseRow,
  recovery: PhaseRow,
  series: readonly SeriesPoint[],
  tolerance: RecoveryTolerance = DEFAULT_RECOVERY_TOLERANCE,
): RecoveryVerdict | null {
  const base = secondsOf(series, warmUp.startSecond, warmUp.endSecond).filter((p) => p.requests > 0);
  const rec = secondsOf(series, recovery.startSecond, recovery.endSecond).filter((p) => p.requests > 0);
  if (base.length === 0 || rec.length === 0) return null;
  const baselineP99Ms = median(base.map((p) => p.latency.p99));
  const baseReq = sum(base.map((p) => p.requests));
  const baselineErrorRate = baseReq ? sum(base.map((p) => p.failures)) / baseReq : 0;
  const maxP99 = baselineP99Ms + Math.max(baselineP99Ms * tolerance.p99Ratio, tolerance.minP99SlackMs);
  const maxErr = baselineErrorRate + tolerance.errorRatePoints;
  const windows = rec.map((_, i) => {
    const w = rec.slice(Math.max(0, i - RECOVERY_WINDOW + 1), i + 1);
    const req = sum(w.map((p) => p.requests));
    return { p99: weighted(w, 'p99'), err: req ? sum(w.map((p) => p.failures)) / req : 0 };
  });
  const ok = windows.map((w) => w.p99 <= maxP99 && w.err <= maxErr);
  let from = ok.length;
  while (from > 0 && ok[from - 1]) from--;
  const last = windows.at(-1) as { p99: number; err: number };
  const recovered = from < ok.length;
  // The window ending at `from` is the first good one (every later one is good too): the values
  // were back from its first second.
  const atSecond = recovered ? (rec[Math.max(0, from - RECOVERY_WINDOW + 1)] as SeriesPoint).second : null;
  const inS = atSecond === null ? null : Math.max(0, atSecond - recovery.startSecond);
  let detail: string;
  if (recovered) {
    detail = `recovered in ${inS} s (p99 ${fmtMs(last.p99)} vs warm-up ${fmtMs(baselineP99Ms)}, errors ${fmtPct(last.err)} vs ${fmtPct(baselineErrorRate)})`;
  } else {
    const why: string[] = [];
    if (last.p99 > maxP99) why.push(`p99 ${fmtMs(last.p99)} vs warm-up ${fmtMs(baselineP99Ms)}`);
    if (last.err > maxErr) why.push(`error rate ${fmtPct(last.err)} vs warm-up ${fmtPct(baselineErrorRate)}`);
    detail = `did not recover: ${why.join(', ')}`;
  }
  return {
    recovered,
    recoveredInS: inS,
    recoveredAtSecond: atSecond,
    baselineP99Ms: r3(baselineP99Ms),
    baselineErrorRate: r3(baselineErrorRate),
    finalP99Ms: r3(last.p99),
    finalErrorRate: r3(last.err),
    tolerance,
    detail,
  };
}

/** Least-squares line through (x, y): slope and r². Null with fewer than 3 points. */
export function leastSquares(
  xs: readonly number[],
  ys: readonly number[],
): { slope: number; r2: number } | null {
  const n = Math.min(xs.length, ys.length);
  if (n < 3) return null;
  const mx = sum(xs.slice(0, n)) / n;
  const my = sum(ys.slice(0, n)) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const r2 = syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  return { slope, r2 };
}

/** Memory growth over some seconds: MB/hour by least squares, `growing` at >= GROWTH_MB_PER_HOUR with r² >= MIN_R2. */
export function memoryGrowth(
  source: MemoryGrowth['source'],
  metric: string,
  seconds: readonly number[],
  mb: readonly (number | null)[],
): MemoryGrowth | null {
  const xs: number[] = [];
  const ys: number[] = [];
  seconds.forEach((s, i) => {
    const v = mb[i];
    if (typeof v === 'number' && Number.isFinite(v)) {
      xs.push(s);
      ys.push(v);
    }
  });
  const fit = leastSquares(xs, ys);
  if (!fit) return null;
  const mbPerHour = Math.round(fit.slope * 3600 * 10) / 10;
  const spanS = Math.max(...xs) - Math.min(...xs);
  const growing = mbPerHour >= GROWTH_MB_PER_HOUR && fit.r2 >= MIN_R2 && fit.slope * spanS >= MIN_GROWTH_MB;
  const who = source === 'target' ? 'target' : 'generator';
  return {
    source,
    metric,
    mbPerHour,
    r2: r3(fit.r2),
    seconds: xs.length,
    verdict: growing ? 'growing' : 'flat',
    detail: `${who} RSS ${growing ? 'growing' : 'flat'}: ${mbPerHour >= 0 ? '+' : ''}${mbPerHour} MB/h over ${xs.length} s (r² ${fit.r2.toFixed(2)}; growing from ${GROWTH_MB_PER_HOUR} MB/h with r² >= ${MIN_R2} and ${MIN_GROWTH_MB} MB over the phase)`,
  };
}

/** Monitored series names that are the target's resident memory, in MB. */
const TARGET_RSS = /^target_(rss|memory)/;

/** The whole analysis: rows, the recovery verdict when the phases are five-phase's, memory growth for a soak. */
export function analysePhases(
  scenario: string,
  loadUnit: PhaseAnalysis['loadUnit'],
  spans: readonly PhaseSpan[],
  series: readonly SeriesPoint[],
  monitored: Readonly<Record<string, readonly (number | null)[]>> = {},
  tolerance: RecoveryTolerance = DEFAULT_RECOVERY_TOLERANCE,
): PhaseAnalysis {
  const phases = spans.map((s) => phaseRow(s, series));
  const warm = phases.find((p) => p.name === 'warm-up');
  const rec = phases.find((p) => p.name === 'recovery');
  const recovery = warm && rec ? recoveryVerdict(warm, rec, series, tolerance) : null;
  const memory: MemoryGrowth[] = [];
  const soak = phases.find((p) => p.name === 'soak');
  if (soak) {
    const idx = series.flatMap((p, i) =>
      p.second >= soak.startSecond && p.second < soak.endSecond ? [i] : [],
    );
    const secs = idx.map((i) => (series[i] as SeriesPoint).second);
    const target = Object.keys(monitored).find((k) => TARGET_RSS.test(k));
    if (target) {
      const col = monitored[target] ?? [];
      const g = memoryGrowth(
        'target',
        target,
        secs,
        idx.map((i) => col[i] ?? null),
      );
      if (g) memory.push(g);
    }
    const g = memoryGrowth(
      'generator',
      'rssMB',
      secs,
      idx.map((i) => (series[i] as SeriesPoint).rssMB),
    );
    if (g) memory.push(g);
  }
  return { scenario, loadUnit, phases, recovery, memory };
}

/** The per-phase table as text cells (header first), for the terminal and the reports. */
export function phaseTableRows(pa: PhaseAnalysis): string[][] {
  const unit = pa.loadUnit === 'vus' ? ' VUs' : '/s';
  const lvl = (p: PhaseRow): string =>
    p.load.from === p.load.to ? `${p.load.to}${unit}` : `${p.load.from}→${p.load.to}${unit}`;
  return [
    ['phase', 'seconds', 'load', 'requests', 'req/s', 'p50', 'p95', 'p99', 'errors'],
    ...pa.phases.map((p) => [
      p.name,
      `${p.startSecond}-${p.endSecond}`,
      lvl(p),
      String(p.requests),
      p.throughputRps.toFixed(1),
      fmtMs(p.p50Ms),
      fmtMs(p.p95Ms),
      fmtMs(p.p99Ms),
      fmtPct(p.errorRate),
    ]),
  ];
}

/** The verdict lines: recovery (five-phase) and memory growth (soak). */
export function phaseVerdictLines(pa: PhaseAnalysis): string[] {
  const out: string[] = [];
  if (pa.recovery) out.push(`Recovery: ${pa.recovery.detail}`);
  for (const m of pa.memory) out.push(`Memory: ${m.detail}`);
  return out;
}
