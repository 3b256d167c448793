/**
 * Custom metrics from scripts (k6's Counter, Gauge, Rate, Trend). Declared at the top of a script,
 * so the main thread knows them when it validates thresholds; recorded from VU code into the
 * worker's sink with that VU's tags (scenario, group) plus any tags given to `add`.
 */
import {
  BUILTIN_BY_NAME,
  type MetricContains,
  type MetricDefinition,
  type MetricType,
} from '../metrics/definitions.js';
import type { CounterSeries, GaugeSeries, RateSeries, TrendSeries } from '../metrics/sink.js';
// A custom metric may not take a protocol's metric name: the modules register theirs on load.
import '../protocols/registry.js';
import { tagsKey } from '../metrics/tags.js';
import { requireVu, threadState } from './thread-state.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

function declare(name: string, type: MetricType, contains: MetricContains): MetricDefinition {
  if (typeof name !== 'string' || !NAME.test(name))
    throw new TypeError(
      `metric name ${JSON.stringify(name)} must start with a letter or _ and hold only letters, digits and _ (at most 128)`,
    );
  if (BUILTIN_BY_NAME.has(name)) throw new TypeError(`'${name}' is a built-in metric: pick another name`);
  const prev = threadState.customMetrics.get(name);
  if (prev && (prev.type !== type || prev.contains !== contains))
    throw new TypeError(`metric '${name}' is already declared as a ${prev.type}`);
  const def: MetricDefinition = prev ?? { name, type, contains, description: `custom ${type}` };
  threadState.customMetrics.set(name, def);
  return def;
}

type Extra = Readonly<Record<string, string>> | undefined;

abstract class CustomMetric<S> {
  private readonly series = new Map<string, S>();
  protected readonly def: MetricDefinition;
  constructor(name: string, type: MetricType, contains: MetricContains) {
    this.def = declare(name, type, contains);
  }
  get name(): string {
    return this.def.name;
  }
  protected abstract make(tags: Record<string, string>): S;
  protected seriesFor(extra: Extra): S {
    const scope = requireVu(`${this.def.name}.add`);
    const key = extra ? `${scope.key}\u0003${tagsKey(extra)}` : scope.key;
    let s = this.series.get(key);
    if (!s) {
      s = this.make(extra ? { ...scope.tags, ...extra } : { ...scope.tags });
      this.series.set(key, s);
    }
    return s;
  }
  protected sink() {
    const sink = threadState.sink;
    if (!sink) throw new Error(`${this.def.name}.add(): metrics are recorded only while a test runs`);
    return sink;
  }
}

/** Adds up: `count` and `rate` (per second) in thresholds. */
export class Counter extends CustomMetric<CounterSeries> {
  constructor(name: string) {
    super(name, 'counter', 'default');
  }
  protected make(tags: Record<string, string>): CounterSeries {
    return this.sink().counter(this.def, tags);
  }
  add(value = 1, tags?: Record<string, string>): void {
    if (!Number.isFinite(value))
      throw new TypeError(`${this.name}.add(${String(value)}): not a finite number`);
    this.seriesFor(tags).add(value);
  }
}

/** The latest value (summed over VUs in different workers): `value`, `min`, `max` in thresholds. */
export class Gauge extends CustomMetric<GaugeSeries> {
  constructor(name: string) {
    super(name, 'gauge', 'default');
  }
  protected make(tags: Record<string, string>): GaugeSeries {
    return this.sink().gauge(this.def, tags);
  }
  add(value: number, tags?: Record<string, string>): void {
    if (!Number.isFinite(value))
      throw new TypeError(`${this.name}.add(${String(value)}): not a finite number`);
    this.seriesFor(tags).set(value);
  }
}

/** The share of true values: `rate` in thresholds. */
export class Rate extends CustomMetric<RateSeries> {
  constructor(name: string) {
    super(name, 'rate', 'default');
  }
  protected make(tags: Record<string, string>): RateSeries {
    return this.sink().rate(this.def, tags);
  }
  add(value: boolean | number, tags?: Record<string, string>): void {
    this.seriesFor(tags).add(Boolean(value));
  }
}

/**
 * A distribution (HDR histogram, ≤ 1 % relative error): `avg`, `min`, `med`, `max`, `p(N)`.
 * `isTime` values are milliseconds. Values are kept to 1/1000 of a unit, from 0 to 3,600,000.
 */
export class Trend extends CustomMetric<TrendSeries> {
  constructor(name: string, isTime = false) {
    super(name, 'trend', isTime ? 'time' : 'default');
  }
  protected make(tags: Record<string, string>): TrendSeries {
    return this.sink().trend(this.def, tags);
  }
  add(value: number, tags?: Record<string, string>): void {
    if (!Number.isFinite(value))
      throw new TypeError(`${this.name}.add(${String(value)}): not a finite number`);
    // Trends hold thousandths: time trends are recorded in µs, others in milli-units.
    this.seriesFor(tags).add(value * 1000);
  }
}
