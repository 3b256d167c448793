/**
 * The aggregator (main thread): collects every worker's per-second points, closes a second once
 * every live worker has reported it, and keeps two views — the cumulative state per series and a
 * sliding window of recent seconds ("current" percentiles) — and hands each closed second, per
 * series, to its listeners once.
 *
 * The window keeps one state per metric and second, tags merged: the only question asked of it is
 * a metric's whole value. Kept per series, it cost a 14 KB histogram per trend series and second
 * (400 endpoints x 7 trends x 10 s: 421 MB in the main thread of a run with 1,000 endpoint names).
 */
import { MetricState } from './state.js';
import { matchesFilter, tagsKey, type Tags } from './tags.js';
import type { SeriesPoint } from './wire.js';
import { isHeadlineCount, type MetricContains, type MetricType } from './definitions.js';

export interface SeriesInfo {
  key: string;
  metric: string;
  type: MetricType;
  contains: MetricContains;
  tags: Tags;
}

/** One closed second: every series' state for that second alone. */
export interface ClosedSecond {
  second: number;
  states: Map<string, MetricState>;
}

export class Aggregator {
  readonly series = new Map<string, SeriesInfo>();
  readonly cumulative = new Map<string, MetricState>();
  /** The last `windowSeconds` closed seconds, one merged state per metric each. */
  private readonly window: Map<string, MetricState>[] = [];
  private readonly pending = new Map<number, Map<string, MetricState>>();
  private readonly reported = new Map<number, number>(); // worker -> highest second flushed
  private closedUpTo = -1;
  private readonly keyCache = new Map<string, string[]>();
  private keyCacheSeries = -1;

  constructor(private readonly windowSeconds: number) {}

  addWorker(worker: number): void {
    this.reported.set(worker, -1);
  }

  /** A worker that finished no longer holds seconds open. */
  removeWorker(worker: number): ClosedSecond[] {
    this.reported.delete(worker);
    return this.closeReady();
  }

  /** Ingests a worker's flush for `second`; returns the seconds this closes, in order. */
  ingest(worker: number, second: number, points: readonly SeriesPoint[]): ClosedSecond[] {
    // A flush for a second already closed (a slow worker) is folded into the next open one:
    // nothing measured is dropped, it is only attributed one second late.
    const target = second <= this.closedUpTo ? this.closedUpTo + 1 : second;
    let bucket = this.pending.get(target);
    if (!bucket) {
      bucket = new Map();
      this.pending.set(target, bucket);
    }
    for (const p of points) {
      const key = `${p.metric}\u0000${tagsKey(p.tags)}`;
      if (!this.series.has(key)) {
        this.series.set(key, { key, metric: p.metric, type: p.type, contains: p.contains, tags: p.tags });
      }
      let st = bucket.get(key);
      if (!st) {
        st = new MetricState(p.type, p.contains);
        bucket.set(key, st);
      }
      st.addPoint(p);
    }
    if (this.reported.has(worker))
      this.reported.set(worker, Math.max(this.reported.get(worker) as number, second));
    return this.closeReady();
  }

  /**
   * Closes every second up to `second`, reported by all workers or not (a worker that went silent
   * must not freeze the live view); an empty second closes empty. What a silent worker flushes
   * later is folded into the next open second, as any late flush is.
   */
  closeThrough(second: number): ClosedSecond[] {
    const out: ClosedSecond[] = [];
    for (let s = this.closedUpTo + 1; s <= second; s++) out.push(this.close(s));
    return out;
  }

  /** The highest second closed so far (-1 before the first). */
  get lastClosed(): number {
    return this.closedUpTo;
  }

  /** Closes every pending second (end of run). */
  closeAll(): ClosedSecond[] {
    const out: ClosedSecond[] = [];
    for (const s of [...this.pending.keys()].sort((a, b) => a - b)) out.push(this.close(s));
    return out;
  }

  private closeReady(): ClosedSecond[] {
    let upTo = Infinity;
    for (const s of this.reported.values()) upTo = Math.min(upTo, s);
    const out: ClosedSecond[] = [];
    for (const s of [...this.pending.keys()].sort((a, b) => a - b)) {
      if (s <= upTo) out.push(this.close(s));
    }
    return out;
  }

  private close(second: number): ClosedSecond {
    const states = this.pending.get(second) ?? new Map<string, MetricState>();
    this.pending.delete(second);
    this.closedUpTo = Math.max(this.closedUpTo, second);
    const byMetric = new Map<string, MetricState>();
    for (const [key, st] of states) {
      if (st.type === 'gauge') st.settleGauge();
      const metric = (this.series.get(key) as SeriesInfo).metric;
      let m = byMetric.get(metric);
      if (!m) {
        m = new MetricState(st.type, st.contains);
        byMetric.set(metric, m);
      }
      m.merge(st);
      let cum = this.cumulative.get(key);
      if (!cum) {
        cum = new MetricState(st.type, st.contains);
        this.cumulative.set(key, cum);
      }
      if (st.type === 'gauge') {
        cum.value = st.value;
        cum.min = Math.min(cum.min, st.min);
        cum.max = Math.max(cum.max, st.max);
      } else {
        cum.merge(st);
      }
    }
    this.window.push(byMetric);
    while (this.window.length > this.windowSeconds) this.window.shift();
    return { second, states };
  }

  /**
   * Series keys of a metric under a tag filter. Every snapshot asks the same questions (each
   * endpoint, each metric) once per second, so answers are kept until a new series appears
   * (series are only ever added).
   */
  private keysFor(metric: string, filter: Tags | undefined): string[] {
    if (this.keyCacheSeries !== this.series.size) {
      this.keyCache.clear();
      this.keyCacheSeries = this.series.size;
    }
    const cacheKey = `${metric}\u0000${filter ? tagsKey(filter) : ''}`;
    let keys = this.keyCache.get(cacheKey);
    if (keys) return keys;
    keys = [];
    for (const info of this.series.values()) {
      if (info.metric === metric && (!filter || matchesFilter(info.tags, filter))) keys.push(info.key);
    }
    this.keyCache.set(cacheKey, keys);
    return keys;
  }

  /**
   * Cumulative state of a metric, merged over every series that matches the tag filter. Read it,
   * never change it: a single matching series is returned as stored, without a copy (every
   * snapshot asks this of each endpoint: 400 endpoints copied 400 histograms a second).
   */
  total(metric: string, filter?: Tags): MetricState | undefined {
    const keys = this.keysFor(metric, filter);
    if (keys.length === 1) return this.cumulative.get(keys[0] as string);
    let out: MetricState | undefined;
    for (const key of keys) {
      const st = this.cumulative.get(key);
      if (!st) continue;
      if (!out) {
        out = new MetricState(st.type, st.contains);
        if (st.type === 'gauge') {
          out.min = st.min;
          out.max = st.max;
        }
      }
      if (st.type === 'gauge') {
        out.value += st.value;
        out.min = Math.min(out.min, st.min);
        out.max = Math.max(out.max, st.max);
      } else {
        out.merge(st);
      }
    }
    return out;
  }

  /** A metric's state over the sliding window (the last `windowSeconds` closed seconds), all tags merged. */
  current(metric: string): MetricState | undefined {
    let out: MetricState | undefined;
    for (const sec of this.window) {
      const secState = sec.get(metric);
      if (!secState) continue;
      out = mergeSecond(out, secState);
    }
    return out;
  }

  /** Number of seconds the current window spans right now. */
  get windowSpan(): number {
    return this.window.length;
  }

  /** A metric's state over the given seconds (read it, never change it: it may be the stored one). */
  mergeSeconds(seconds: readonly ClosedSecond[], metric: string, filter?: Tags): MetricState | undefined {
    const keys = this.keysFor(metric, filter);
    if (seconds.length === 1 && keys.length === 1)
      return (seconds[0] as ClosedSecond).states.get(keys[0] as string);
    let out: MetricState | undefined;
    for (const sec of seconds) {
      let secState: MetricState | undefined;
      for (const key of keys) {
        const st = sec.states.get(key);
        if (!st) continue;
        secState ??= new MetricState(st.type, st.contains);
        secState.merge(st);
      }
      if (!secState) continue;
      out = mergeSecond(out, secState);
    }
    return out;
  }

  /** Distinct values of one tag across a metric's series (e.g. every endpoint `name`). */
  tagValues(metric: string, tag: string): string[] {
    const vals = new Set<string>();
    for (const info of this.series.values()) {
      const v = info.tags[tag];
      if (info.metric === metric && v !== undefined) vals.add(v);
    }
    return [...vals].sort();
  }

  /**
   * Every endpoint seen, one per (scenario, name, method) whatever its statuses: a tag filter for
   * each. Endpoints are the series of the protocols' headline counts.
   */
  endpoints(): { scenario: string; name: string; method: string }[] {
    const out = new Map<string, { scenario: string; name: string; method: string }>();
    for (const info of this.series.values()) {
      if (!isHeadlineCount(info.metric)) continue;
      const f = {
        scenario: info.tags.scenario ?? '',
        name: info.tags.name ?? '',
        method: info.tags.method ?? '',
      };
      const key = `${f.scenario}\u0000${f.name}\u0000${f.method}`;
      if (!out.has(key)) out.set(key, f);
    }
    return [...out.values()];
  }

  metricNames(): string[] {
    return [...new Set([...this.series.values()].map((s) => s.metric))];
  }
}

/** Folds one second's state of a metric into a run of seconds (gauges: the latest level, extremes kept). */
function mergeSecond(into: MetricState | undefined, sec: MetricState): MetricState {
  const out = into ?? new MetricState(sec.type, sec.contains);
  if (sec.type === 'gauge') {
    out.value = sec.value; // the latest second's level
    out.min = Math.min(out.min, sec.min);
    out.max = Math.max(out.max, sec.max);
  } else {
    out.merge(sec);
  }
  return out;
}
