/**
 * Merged metric state (main thread): sums, counts and an HDR histogram. Any statistic — for the
 * summary, a threshold or a snapshot — is read from a merged state, so percentiles are never averaged.
 */
import type { MetricContains, MetricType } from './definitions.js';
import { addSparseCounts, newHistogram, type Histogram } from './histogram.js';
import type { SeriesPoint } from './wire.js';

export class MetricState {
  sum = 0;
  count = 0;
  trues = 0;
  value = 0;
  min = Infinity;
  max = -Infinity;
  hist: Histogram | undefined;
  private gaugeMinSum = 0;
  private gaugeMaxSum = 0;

  constructor(
    readonly type: MetricType,
    readonly contains: MetricContains,
  ) {}

  /** Adds one worker's interval point. Gauges add their levels (each worker holds a share of the VUs). */
  addPoint(p: SeriesPoint): void {
    switch (this.type) {
      case 'counter':
        this.sum += p.sum;
        break;
      case 'rate':
        this.trues += p.trues;
        this.count += p.count;
        break;
      case 'gauge':
        // Levels of different workers add up; so do their extremes within the second (an upper
        // bound for the max, a lower bound for the min, exact when the workers move together).
        this.value += p.value;
        this.gaugeMinSum += p.min;
        this.gaugeMaxSum += p.max;
        break;
      case 'trend':
        if (p.count === 0) return;
        this.count += p.count;
        this.sum += p.sum;
        if (p.min < this.min) this.min = p.min;
        if (p.max > this.max) this.max = p.max;
        if (p.hist !== undefined) addSparseCounts((this.hist ??= newHistogram()), p.hist);
        break;
    }
  }

  /** Merges another state of the same metric (another tag set, another second). */
  merge(o: MetricState): void {
    this.sum += o.sum;
    this.count += o.count;
    this.trues += o.trues;
    if (this.type === 'gauge') {
      // Gauges of different series (scenarios) in the same second add up, extremes included.
      const fin = (v: number): number => (Number.isFinite(v) ? v : 0);
      this.value += o.value;
      this.min = fin(this.min) + fin(o.min);
      this.max = fin(this.max) + fin(o.max);
    } else {
      if (o.min < this.min) this.min = o.min;
      if (o.max > this.max) this.max = o.max;
    }
    if (o.hist) {
      this.hist ??= newHistogram();
      this.hist.add(o.hist);
    }
  }

  /** Gauges: after summing one second's levels, fold them into min/max. */
  settleGauge(): void {
    this.min = Math.min(this.min, this.gaugeMinSum, this.value);
    this.max = Math.max(this.max, this.gaugeMaxSum, this.value);
  }

  /** Raw percentile in the recorded unit (µs for time trends); 0 when empty. */
  percentile(p: number): number {
    if (!this.hist || this.count === 0) return 0;
    if (p >= 100) return this.max;
    if (p <= 0) return this.min;
    const v = this.hist.getValueAtPercentile(p);
    // HDR reports the bucket's upper edge; never beyond the exact extremes we tracked.
    return Math.min(Math.max(v, this.min), this.max);
  }

  clone(): MetricState {
    const c = new MetricState(this.type, this.contains);
    c.merge(this);
    c.value = this.value;
    c.min = this.min;
    c.max = this.max;
    return c;
  }
}

/** The statistic names thresholds and the summary use (k6 spelling). */
export function statistic(state: MetricState, stat: string, elapsedSeconds: number): number | undefined {
  // Trends are recorded in thousandths: µs for time trends (reported in ms), milli-units otherwise.
  const scale = state.type === 'trend' ? 1 / 1000 : 1;
  switch (state.type) {
    case 'counter':
      if (stat === 'count') return state.sum;
      if (stat === 'rate') return elapsedSeconds > 0 ? state.sum / elapsedSeconds : 0;
      return undefined;
    case 'gauge':
      if (stat === 'value') return state.value;
      if (stat === 'min') return state.min === Infinity ? state.value : state.min;
      if (stat === 'max') return state.max === -Infinity ? state.value : state.max;
      return undefined;
    case 'rate':
      if (stat === 'rate') return state.count ? state.trues / state.count : 0;
      if (stat === 'passes') return state.trues;
      if (stat === 'fails') return state.count - state.trues;
      if (stat === 'count') return state.count;
      return undefined;
    case 'trend': {
      if (stat === 'count') return state.count;
      if (state.count === 0)
        return stat === 'avg' || stat === 'min' || stat === 'max' || stat === 'med' || /^p\(/.test(stat)
          ? 0
          : undefined;
      if (stat === 'avg') return (state.sum / state.count) * scale;
      if (stat === 'min') return state.min * scale;
      if (stat === 'max') return state.max * scale;
      if (stat === 'med') return state.percentile(50) * scale;
      const m = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat);
      if (m) return state.percentile(Number(m[1])) * scale;
      return undefined;
    }
  }
}
