/**
 * Knee detection on a ramping run: the load level past which the service stops scaling — where
 * latency bends or errors appear. Three signals, whichever comes first, each required to hold for
 * `SUSTAIN` seconds so one noisy second is not a knee:
 * - latency: the per-second p99 reaches twice the low-load baseline (and at least +2 ms);
 * - errors: the per-second failed share rises 1 point or more above the low-load baseline (and to at
 *   least twice it), with `MIN_FAILURES` failed requests over those seconds — a service that sheds
 *   load fast (503 beyond N in flight) never bends its latency, it fails;
 * - throughput: closed loop — requests/s stop rising while VUs keep rising (the plateau);
 *   open loop — the achieved rate falls more than 10% below the rate started (or arrivals drop).
 * `atSecond` is 0-based like every `second` in volley's documents (see `atSecondText`).
 */
import type { ScenarioPlan, TimelineSecond } from './input.js';
import { firstSustained, median, MIN_FAILURES, SUSTAIN } from './sustained.js';

export type KneeSignal = 'latency' | 'errors' | 'throughput';

export interface Knee {
  detected: boolean;
  reason: 'p99-doubled' | 'errors-rose' | 'throughput-plateau' | 'rate-not-sustained' | null;
  /** Which signal bent: latency (p99), errors (failed share) or throughput; null when none did. */
  signal: KneeSignal | null;
  /** Human explanation, with the numbers. */
  detail: string;
  /** Run second (0-based, as the series' `second`) where the sustained degradation began. */
  atSecond: number | null;
  time: string | null;
  /** The load then: VUs (closed loop) and arrivals started per second. */
  load: { vus: number; iterationsPerSec: number } | null;
  throughputRps: number | null;
  p99Ms: number | null;
  baselineP99Ms: number;
  /** Failed share of requests at low load (the seconds the baselines are read from). */
  baselineErrorRate: number;
  /** Failed share of requests in the knee's second; null when no knee. */
  errorRate: number | null;
  loadModel: 'closed' | 'open';
}

/** The knee's signal; summaries written before `signal` existed have only the reason. */
export function kneeSignal(k: Pick<Knee, 'signal' | 'reason'>): KneeSignal | null {
  if (k.signal) return k.signal;
  if (k.reason === null) return null;
  return k.reason === 'p99-doubled' ? 'latency' : k.reason === 'errors-rose' ? 'errors' : 'throughput';
}

const RAMPING = new Set(['ramping-vus', 'ramping-arrival-rate']);

/** Knee of a run whose scenarios ramp; null when no scenario ramps (nothing to read a knee from). */
export function detectKnee(timeline: readonly TimelineSecond[], plans: readonly ScenarioPlan[]): Knee | null {
  if (!plans.some((p) => RAMPING.has(p.scenario.executor))) return null;
  const open = plans.some((p) => p.plan.openLoop);
  const secs = timeline.filter((s) => s.requests > 0);
  const loadOf = (s: TimelineSecond): number => (open ? s.iterations + s.dropped : s.vus);
  const base: Knee = {
    detected: false,
    reason: null,
    signal: null,
    detail: '',
    atSecond: null,
    time: null,
    load: null,
    throughputRps: null,
    p99Ms: null,
    baselineP99Ms: 0,
    baselineErrorRate: 0,
    errorRate: null,
    loadModel: open ? 'open' : 'closed',
  };
  if (secs.length < SUSTAIN + 2)
    return { ...base, detail: `too few seconds with traffic (${secs.length}) to read a knee` };

  // Baseline: the seconds in the lowest quarter of the load range.
  const loads = secs.map(loadOf);
  const lo = Math.min(...loads);
  const hi = Math.max(...loads);
  // The first second carries connection set-up: it is not the service's low-load latency.
  const low = secs.slice(1).filter((s) => loadOf(s) <= lo + (hi - lo) * 0.25);
  const baseline = median(low.map((s) => s.latency.p99));
  base.baselineP99Ms = Math.round(baseline * 1000) / 1000;

  const errShare = (s: TimelineSecond): number => (s.requests > 0 ? s.failures / s.requests : 0);
  const baselineErr = median(low.map(errShare));
  base.baselineErrorRate = baselineErr;

  const candidates: { i: number; reason: Knee['reason']; signal: KneeSignal; detail: string }[] = [];
  const limit = Math.max(baseline * 2, baseline + 2);
  const lat = firstSustained(secs.length, (i) => (secs[i] as TimelineSecond).latency.p99 >= limit, {
    from: 1,
  });
  if (lat >= 0)
    candidates.push({
      i: lat,
      reason: 'p99-doubled',
      signal: 'latency',
      detail: `p99 reached ${(secs[lat] as TimelineSecond).latency.p99.toFixed(2)} ms, at least twice the low-load baseline of ${baseline.toFixed(2)} ms, and stayed there`,
    });

  const errLimit = Math.max(baselineErr * 2, baselineErr + 0.01);
  const err = firstSustained(secs.length, (i) => errShare(secs[i] as TimelineSecond) >= errLimit, {
    from: 1,
    weight: (i) => (secs[i] as TimelineSecond).failures,
    minWeight: MIN_FAILURES,
  });
  if (err >= 0) {
    const s = secs[err] as TimelineSecond;
    candidates.push({
      i: err,
      reason: 'errors-rose',
      signal: 'errors',
      detail: `errors rose with the load: ${s.failures} of ${s.requests} requests failed that second (${(errShare(s) * 100).toFixed(1)}%, against ${(baselineErr * 100).toFixed(1)}% at low load), and stayed up`,
    });
  }

  if (open) {
    const behind = firstSustained(secs.length, (i) => {
      const s = secs[i] as TimelineSecond;
      const started = s.iterations + s.dropped;
      return started > 0 && (s.dropped > started * 0.01 || s.requests < started * 0.9);
    });
    if (behind >= 0) {
      const s = secs[behind] as TimelineSecond;
      candidates.push({
        i: behind,
        reason: 'rate-not-sustained',
        signal: 'throughput',
        detail: `${s.requests} requests completed of ${s.iterations + s.dropped} arrivals due that second (${s.dropped} dropped): the service no longer absorbs the rate`,
      });
    }
  } else {
    // Plateau: over a sliding span, VUs grew by >= 20% but throughput by < 5% of the VU growth rate.
    const span = SUSTAIN;
    const plateau = firstSustained(secs.length - span, (i) => {
      const a = secs[i] as TimelineSecond;
      const b = secs[i + span] as TimelineSecond;
      if (a.vus <= 0 || b.vus < a.vus * 1.2) return false;
      const vuGrowth = b.vus / a.vus - 1;
      const rpsGrowth = b.requests / Math.max(1, a.requests) - 1;
      return rpsGrowth < vuGrowth * 0.25;
    });
    if (plateau >= 0) {
      const s = secs[plateau] as TimelineSecond;
      candidates.push({
        i: plateau,
        reason: 'throughput-plateau',
        signal: 'throughput',
        detail: `throughput stopped following the VUs: from ${s.vus} VUs on, more users brought less than a quarter of the proportional gain (${s.requests} req/s then)`,
      });
    }
  }
  if (candidates.length === 0)
    return {
      ...base,
      detail: `no knee: p99 stayed under twice the low-load baseline (${baseline.toFixed(2)} ms), errors did not rise with the load, and ${open ? 'the service absorbed every rate' : 'throughput kept rising with the VUs'}`,
    };
  candidates.sort((a, b) => a.i - b.i);
  const first = candidates[0] as (typeof candidates)[number];
  const s = secs[first.i] as TimelineSecond;
  return {
    ...base,
    detected: true,
    reason: first.reason,
    signal: first.signal,
    detail: first.detail,
    errorRate: errShare(s),
    atSecond: s.second,
    time: s.time,
    load: { vus: s.vus, iterationsPerSec: s.iterations + s.dropped },
    throughputRps: s.requests,
    p99Ms: s.latency.p99,
  };
}
