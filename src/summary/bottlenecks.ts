/**
 * Bottleneck hints: which signal degraded first, and when. Each signal is read per second from
 * the run's timeline and counts only when it holds for a few seconds in a row (one bad second is
 * noise). Ordered by when it began, so the first one is the likeliest cause and the rest effects.
 */
import { headlineMetrics } from '../metrics/definitions.js';
import type { TimelineSecond } from './input.js';
import { atSecondText, firstSustained, median, MIN_FAILURES, SUSTAIN } from './sustained.js';

export type SignalKind = 'latency' | 'errors' | 'target-cpu' | 'series' | 'generator';

export interface DegradedSignal {
  signal: SignalKind;
  /**
   * The metric read: the protocols' headline duration or failure rate (`http_req_duration`; two
   * joined by ` + ` when the run spoke two protocols), target_cpu_percent, prom_…, generator.
   */
  metric: string;
  atSecond: number;
  time: string;
  detail: string;
}

export interface BottleneckHints {
  /** The signal that degraded first, or null when nothing did. */
  first: SignalKind | null;
  signals: DegradedSignal[];
  summary: string;
}

/** firstSustained over snapshots; `weight`/`minWeight`: the held seconds must total that many events. */
function firstHeld(
  secs: readonly TimelineSecond[],
  pred: (s: TimelineSecond) => boolean,
  need = SUSTAIN,
  count?: { weight: (s: TimelineSecond) => number; min: number },
): number {
  return firstSustained(secs.length, (i) => pred(secs[i] as TimelineSecond), {
    need,
    ...(count
      ? { weight: (i: number) => count.weight(secs[i] as TimelineSecond), minWeight: count.min }
      : {}),
  });
}

/** The early part of a run, its reference level: the first fifth of the seconds (at least 2). */
function early(secs: readonly TimelineSecond[]): readonly TimelineSecond[] {
  return secs.slice(0, Math.max(2, Math.floor(secs.length / 5)));
}

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));

/** The names the latency and error signals give as their metric (the timeline merges every protocol's). */
export interface HeadlineNames {
  duration: string;
  failures: string;
}

export function bottleneckHints(
  timeline: readonly TimelineSecond[],
  headline: HeadlineNames = headlineMetrics()[0] ?? {
    duration: 'request duration',
    failures: 'request failures',
  },
): BottleneckHints {
  const secs = timeline.filter((s) => s.requests > 0 || s.iterations > 0);
  const out: DegradedSignal[] = [];
  const push = (i: number, signal: SignalKind, metric: string, detail: string): void => {
    const s = secs[i] as TimelineSecond;
    out.push({ signal, metric, atSecond: s.second, time: s.time, detail });
  };
  if (secs.length >= SUSTAIN + 1) {
    const baseP99 = median(early(secs).map((s) => s.latency.p99));
    const limit = Math.max(baseP99 * 2, baseP99 + 2);
    const lat = firstHeld(secs, (s) => s.latency.p99 >= limit);
    if (lat >= 0)
      push(
        lat,
        'latency',
        headline.duration,
        `p99 ${fmt((secs[lat] as TimelineSecond).latency.p99)} ms, ≥ 2× the early ${fmt(baseP99)} ms`,
      );

    // A share over 1% for SUSTAIN seconds, carried by at least MIN_FAILURES failed requests.
    const err = firstHeld(secs, (s) => s.errorRate > 0.01, SUSTAIN, {
      weight: (s) => s.failures,
      min: MIN_FAILURES,
    });
    if (err >= 0)
      push(
        err,
        'errors',
        headline.failures,
        `${((secs[err] as TimelineSecond).errorRate * 100).toFixed(1)}% of requests failed (> 1%)`,
      );

    const cpu = firstHeld(secs, (s) => (s.metrics.target_cpu_percent?.max ?? 0) >= 80);
    if (cpu >= 0)
      push(
        cpu,
        'target-cpu',
        'target_cpu_percent',
        `target CPU ${fmt((secs[cpu] as TimelineSecond).metrics.target_cpu_percent?.max ?? 0)}% of a core (≥ 80%)`,
      );

    const names = new Set<string>();
    for (const s of secs) for (const n of Object.keys(s.metrics)) if (n.startsWith('prom_')) names.add(n);
    for (const name of [...names].sort()) {
      const level = (s: TimelineSecond): number | undefined => s.metrics[name]?.avg ?? s.metrics[name]?.value;
      const ref = median(
        early(secs)
          .map(level)
          .filter((v): v is number => v !== undefined),
      );
      const i = firstHeld(secs, (s) => {
        const v = level(s);
        return v !== undefined && v > Math.max(ref * 2, ref + 1);
      });
      if (i >= 0)
        push(
          i,
          'series',
          name,
          `${name} ${fmt(level(secs[i] as TimelineSecond) ?? 0)}, more than twice its early ${fmt(ref)}`,
        );
    }

    // `saturated` is already sustained per resource (src/engine/saturation.ts).
    const gen = firstHeld(secs, (s) => s.generator.saturated, 1);
    if (gen >= 0)
      push(
        gen,
        'generator',
        'generator',
        `the load generator saturated: ${(secs[gen] as TimelineSecond).generator.reasons.join('; ')}`,
      );
  }
  out.sort((a, b) => a.atSecond - b.atSecond);
  const first = out[0];
  const summary = !first
    ? 'no signal degraded: latency, errors and every monitored series held, and the generator kept up'
    : first.signal === 'generator'
      ? `the generator saturated first (at ${atSecondText(first.atSecond)}): what followed may be volley's limit, not the target's`
      : `${first.metric} degraded first, at ${atSecondText(first.atSecond)} (${first.detail})` +
        (out.length > 1
          ? `; then ${out
              .slice(1)
              .map((o) => `${o.metric} at ${atSecondText(o.atSecond)}`)
              .join(', ')}`
          : '');
  return { first: first?.signal ?? null, signals: out, summary };
}
