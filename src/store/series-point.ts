/** The compact per-second point the charts draw, cut from a full snapshot (stored and streamed). */
import type { Snapshot } from '../engine/snapshot.js';
import type { SeriesPoint } from './types.js';

export function seriesPoint(s: Snapshot): SeriesPoint {
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
  };
}
