/**
 * The worker-side metric sink: the hot path. Callers get a series object once (cached by tag set)
 * and record into it with plain field updates; `flush()` turns the interval into wire points and
 * resets it. Nothing here allocates per sample.
 */
import type { MetricContains, MetricDefinition, MetricType } from './definitions.js';
import { newHistogram, recordClamped, sparseCounts, type Histogram } from './histogram.js';
import { tagsKey, type Tags } from './tags.js';
import type { SeriesPoint } from './wire.js';

abstract class Series {
  dirty = false;
  constructor(
    readonly metric: string,
    readonly contains: MetricContains,
    readonly tags: Tags,
  ) {}
  abstract readonly type: MetricType;
  abstract flush(): SeriesPoint;
  protected point(): SeriesPoint {
    return {
      metric: this.metric,
      type: this.type,
      contains: this.contains,
      tags: { ...this.tags },
      sum: 0,
      count: 0,
      trues: 0,
      value: 0,
      min: 0,
      max: 0,
    };
  }
}

export class CounterSeries extends Series {
  readonly type = 'counter';
  private sum = 0;
  add(n: number): void {
    this.sum += n;
    this.dirty = true;
  }
  flush(): SeriesPoint {
    const p = this.point();
    p.sum = this.sum;
    this.sum = 0;
    this.dirty = false;
    return p;
  }
}

export class GaugeSeries extends Series {
  readonly type = 'gauge';
  private value = 0;
  private min = Infinity;
  private max = -Infinity;
  set(v: number): void {
    this.value = v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.dirty = true;
  }
  flush(): SeriesPoint {
    const p = this.point();
    p.value = this.value;
    p.min = this.min === Infinity ? this.value : this.min;
    p.max = this.max === -Infinity ? this.value : this.max;
    // A gauge keeps its value across intervals; only the interval's min/max reset.
    this.min = Infinity;
    this.max = -Infinity;
    return p;
  }
}

export class RateSeries extends Series {
  readonly type = 'rate';
  private trues = 0;
  private total = 0;
  add(ok: boolean): void {
    if (ok) this.trues++;
    this.total++;
    this.dirty = true;
  }
  flush(): SeriesPoint {
    const p = this.point();
    p.trues = this.trues;
    p.count = this.total;
    this.trues = 0;
    this.total = 0;
    this.dirty = false;
    return p;
  }
}

export class TrendSeries extends Series {
  readonly type = 'trend';
  private hist: Histogram = newHistogram();
  private count = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;
  /** Records one value: microseconds for time trends. */
  add(v: number): void {
    recordClamped(this.hist, v);
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.dirty = true;
  }
  flush(): SeriesPoint {
    const p = this.point();
    p.count = this.count;
    p.sum = this.sum;
    p.min = this.count ? this.min : 0;
    p.max = this.count ? this.max : 0;
    if (this.count) p.hist = sparseCounts(this.hist);
    this.hist.reset();
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.dirty = false;
    return p;
  }
}

type AnySeries = CounterSeries | GaugeSeries | RateSeries | TrendSeries;

export class MetricSink {
  private readonly series = new Map<string, AnySeries>();
  private readonly gauges: GaugeSeries[] = [];

  private get<T extends AnySeries>(def: MetricDefinition, tags: Tags, make: () => T): T {
    const key = `${def.name}\u0000${tagsKey(tags)}`;
    let s = this.series.get(key);
    if (!s) {
      s = make();
      this.series.set(key, s);
      if (s instanceof GaugeSeries) this.gauges.push(s);
    }
    return s as T;
  }

  counter(def: MetricDefinition, tags: Tags): CounterSeries {
    return this.get(def, tags, () => new CounterSeries(def.name, def.contains, tags));
  }
  gauge(def: MetricDefinition, tags: Tags): GaugeSeries {
    return this.get(def, tags, () => new GaugeSeries(def.name, def.contains, tags));
  }
  rate(def: MetricDefinition, tags: Tags): RateSeries {
    return this.get(def, tags, () => new RateSeries(def.name, def.contains, tags));
  }
  trend(def: MetricDefinition, tags: Tags): TrendSeries {
    return this.get(def, tags, () => new TrendSeries(def.name, def.contains, tags));
  }

  /** Every series with data this interval (gauges always: they hold a level), reset for the next. */
  flush(): SeriesPoint[] {
    const out: SeriesPoint[] = [];
    for (const s of this.series.values()) {
      if (s.dirty || s instanceof GaugeSeries) out.push(s.flush());
    }
    return out;
  }
}
