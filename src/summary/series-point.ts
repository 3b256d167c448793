/** What a run streams live, cut from the engine's events: the compact per-second point the charts draw, and live thresholds. */
import type { ThresholdResult } from '../thresholds/evaluate.js';
import type { TimelineSecond } from './input.js';
import type { LiveThreshold, SeriesPoint } from './types.js';

/** The chart point of one second (an engine Snapshot is a TimelineSecond). */
export function seriesPoint(s: TimelineSecond): SeriesPoint {
  return {
    second: s.second,
    time: s.time,
    requests: s.requests,
    failures: s.failures,
    iterations: s.iterations,
    dropped: s.dropped,
    vus: s.vus,
    latency: s.latency,
    cpuPercent: s.generator.cpuPercent,
    rssMB: s.generator.rssMB,
    saturated: s.generator.saturated,
    ...(s.protocols && s.protocols.length > 1
      ? {
          protocols: s.protocols.map((p) => ({
            protocol: p.protocol,
            requests: p.requests,
            failures: p.failures,
            latency: p.latency,
          })),
        }
      : {}),
  };
}

/** Live threshold results as stored and streamed: full precision (displays round). */
export function liveThresholds(results: readonly ThresholdResult[]): LiveThreshold[] {
  return results.map((t) => ({
    key: t.key,
    source: t.source,
    ok: t.ok,
    actual: t.actual ?? null,
    ...(t.reason === undefined ? {} : { reason: t.reason }),
  }));
}
