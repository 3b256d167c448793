/**
 * Per-second points held for the charts with a bound on their number, so an hour-long run at one
 * update per second draws as fast as a one-minute run.
 *
 * Past `maxPoints` buckets, adjacent pairs merge (a bucket then covers 2, 4, 8… seconds) and new
 * seconds accumulate into the last bucket until it is as wide as the others, so the resolution
 * stays even across the chart. Merging rules:
 * - counts (requests, failures, dropped) add up and are shown divided by the seconds the bucket
 *   really holds, so a rate stays a rate;
 * - maxima (latency max, VUs, generator CPU/RSS) take the max;
 * - percentiles cannot be merged from per-second values (that needs the histograms, which only
 *   the server has): the merged p50/p95/p99 is the *max* of the pair's — an upper bound that
 *   keeps every spike visible. Never an average of percentiles.
 */
import type { SeriesPoint } from '../../src/server/wire.js';

export const MAX_POINTS = 900;

interface Bucket {
  /** First second the bucket covers (seconds since the run's start). */
  start: number;
  /** Seconds actually merged in (≤ the current width). */
  seconds: number;
  requests: number;
  failures: number;
  dropped: number;
  vus: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  cpuPercent: number;
  rssMB: number;
  saturated: boolean;
  /** Per protocol, when the run speaks more than one (SeriesPoint.protocols). */
  protocols: Map<string, ProtocolBucket>;
}

interface ProtocolBucket {
  requests: number;
  failures: number;
  p99: number;
}

/** One protocol's columns, aligned with `x`. */
export interface ProtocolColumns {
  name: string;
  rps: number[];
  /** null for a point where the protocol sent nothing. */
  p99: (number | null)[];
  errorPct: (number | null)[];
}

/** Column arrays in uPlot's shape: x first, then one array per series. */
export interface SeriesColumns {
  /** Seconds since the start (bucket start). */
  x: number[];
  rps: number[];
  failuresPerSecond: number[];
  errorPct: number[];
  droppedPerSecond: number[];
  vus: number[];
  /** Latency is null for a point without requests: a gap in the line, not a fall to 0 ms. */
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
  max: (number | null)[];
  cpuPercent: number[];
  rssMB: number[];
  /** One entry per protocol seen in a point's `protocols` (empty for a one-protocol run). */
  protocols: ProtocolColumns[];
}

function bucketOf(p: SeriesPoint): Bucket {
  return {
    start: p.second,
    seconds: 1,
    requests: p.requests,
    failures: p.failures,
    dropped: p.dropped,
    vus: p.vus,
    p50: p.latency.p50,
    p95: p.latency.p95,
    p99: p.latency.p99,
    max: p.latency.max,
    cpuPercent: p.cpuPercent,
    rssMB: p.rssMB,
    saturated: p.saturated,
    protocols: new Map(
      (p.protocols ?? []).map((x) => [
        x.protocol,
        { requests: x.requests, failures: x.failures, p99: x.latency.p99 },
      ]),
    ),
  };
}

function mergeInto(a: Bucket, b: Bucket): void {
  a.seconds += b.seconds;
  a.requests += b.requests;
  a.failures += b.failures;
  a.dropped += b.dropped;
  a.vus = Math.max(a.vus, b.vus);
  // Percentiles of a pair: the max of the two (an upper bound), see the comment at the top.
  a.p50 = Math.max(a.p50, b.p50);
  a.p95 = Math.max(a.p95, b.p95);
  a.p99 = Math.max(a.p99, b.p99);
  a.max = Math.max(a.max, b.max);
  a.cpuPercent = Math.max(a.cpuPercent, b.cpuPercent);
  a.rssMB = Math.max(a.rssMB, b.rssMB);
  a.saturated = a.saturated || b.saturated;
  for (const [name, x] of b.protocols) {
    const y = a.protocols.get(name);
    if (!y) a.protocols.set(name, { ...x });
    else {
      y.requests += x.requests;
      y.failures += x.failures;
      y.p99 = Math.max(y.p99, x.p99);
    }
  }
}

export class BoundedSeries {
  private buckets: Bucket[] = [];
  /** Seconds per bucket: 1, 2, 4, … */
  private width = 1;
  private lastSecond = -1;
  private readonly maxPoints: number;

  constructor(maxPoints = MAX_POINTS) {
    this.maxPoints = Math.max(2, maxPoints);
  }

  get length(): number {
    return this.buckets.length;
  }

  get bucketSeconds(): number {
    return this.width;
  }

  /** Adds one second; a second already seen (a replay after reconnecting) is ignored. */
  add(p: SeriesPoint): boolean {
    if (p.second <= this.lastSecond) return false;
    this.lastSecond = p.second;
    const b = bucketOf(p);
    const last = this.buckets[this.buckets.length - 1];
    if (last && Math.floor(last.start / this.width) === Math.floor(p.second / this.width)) {
      mergeInto(last, b);
    } else {
      this.buckets.push(b);
      if (this.buckets.length > this.maxPoints) this.compact();
    }
    return true;
  }

  addAll(points: readonly SeriesPoint[]): void {
    for (const p of points) this.add(p);
  }

  private compact(): void {
    this.width *= 2;
    const out: Bucket[] = [];
    for (const b of this.buckets) {
      const prev = out[out.length - 1];
      if (prev && Math.floor(prev.start / this.width) === Math.floor(b.start / this.width))
        mergeInto(prev, b);
      else
        out.push({
          ...b,
          protocols: new Map([...b.protocols].map(([k, v]) => [k, { ...v }])),
          start: Math.floor(b.start / this.width) * this.width,
        });
    }
    this.buckets = out;
  }

  columns(): SeriesColumns {
    const c: SeriesColumns = {
      x: [],
      rps: [],
      failuresPerSecond: [],
      errorPct: [],
      droppedPerSecond: [],
      vus: [],
      p50: [],
      p95: [],
      p99: [],
      max: [],
      cpuPercent: [],
      rssMB: [],
      protocols: [],
    };
    const names = new Set<string>();
    for (const b of this.buckets) for (const n of b.protocols.keys()) names.add(n);
    const perProtocol = [...names].map(
      (name) => ({ name, rps: [], p99: [], errorPct: [] }) as ProtocolColumns,
    );
    c.protocols = perProtocol;
    for (const b of this.buckets) {
      for (const pc of perProtocol) {
        const x = b.protocols.get(pc.name);
        pc.rps.push((x?.requests ?? 0) / b.seconds);
        pc.p99.push(x && x.requests > 0 ? x.p99 : null);
        pc.errorPct.push(x && x.requests > 0 ? (x.failures / x.requests) * 100 : null);
      }
      c.x.push(b.start);
      c.rps.push(b.requests / b.seconds);
      c.failuresPerSecond.push(b.failures / b.seconds);
      c.errorPct.push(b.requests > 0 ? (b.failures / b.requests) * 100 : 0);
      c.droppedPerSecond.push(b.dropped / b.seconds);
      c.vus.push(b.vus);
      const measured = b.requests > 0;
      c.p50.push(measured ? b.p50 : null);
      c.p95.push(measured ? b.p95 : null);
      c.p99.push(measured ? b.p99 : null);
      c.max.push(measured ? b.max : null);
      c.cpuPercent.push(b.cpuPercent);
      c.rssMB.push(b.rssMB);
    }
    return c;
  }
}
