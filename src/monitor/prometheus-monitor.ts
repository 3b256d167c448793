/**
 * `--monitor-prometheus URL`: scrapes a target's Prometheus endpoint every `--monitor-interval`
 * in the background and records the series picked with `--monitor-series` as trend metrics
 * `prom_<name>` tagged `{ source: host:port }` (plus the selector's `label="v"` matchers).
 * Matching label sets are summed; counters become per-second rates (`prom_<name>_rate`). A
 * scrape that fails is a warning, never the end of the run. See docs/analysis.md.
 */
import type { Sampler } from '../engine/run.js';
import type { MetricDefinition } from '../metrics/definitions.js';
import { HIGHEST_TRACKABLE } from '../metrics/histogram.js';
import { MetricSink } from '../metrics/sink.js';
import type { SeriesPoint } from '../metrics/wire.js';
import {
  isCumulative,
  parsePrometheusText,
  type PromExposition,
  type PromSample,
} from './prometheus-parse.js';

export interface LabelMatcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
  /** `=~` / `!~`: the value as a regular expression anchored at both ends, as in PromQL. */
  re?: RegExp;
}

export interface SeriesSelector {
  /** As written, for messages. */
  text: string;
  name: string;
  matchers: LabelMatcher[];
}

/**
 * Splits `--monitor-series` values (comma lists, repeatable) into selectors `name` or
 * `name{label="v",other!="w",x=~"re.*"}`. Commas inside braces or quotes do not split.
 */
export function parseSeriesSelectors(values: readonly string[], errors: string[]): SeriesSelector[] {
  const out: SeriesSelector[] = [];
  for (const value of values) {
    const parts: string[] = [];
    let depth = 0;
    let quoted = false;
    let cur = '';
    for (let i = 0; i < value.length; i++) {
      const c = value[i] as string;
      if (quoted) {
        cur += c;
        if (c === '\\') cur += value[++i] ?? '';
        else if (c === '"') quoted = false;
        continue;
      }
      if (c === '"') quoted = true;
      else if (c === '{') depth++;
      else if (c === '}') depth--;
      else if (c === ',' && depth === 0) {
        parts.push(cur);
        cur = '';
        continue;
      }
      cur += c;
    }
    parts.push(cur);
    for (const raw of parts) {
      const text = raw.trim();
      if (text === '') continue;
      const sel = parseSelector(text);
      if (typeof sel === 'string') errors.push(`--monitor-series '${text}': ${sel}`);
      else out.push(sel);
    }
  }
  return out;
}

function parseSelector(text: string): SeriesSelector | string {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?$/s.exec(text);
  if (!m) return 'expected a metric name, optionally with label matchers: name{label="value"}';
  const matchers: LabelMatcher[] = [];
  let rest = (m[2] ?? '').trim();
  while (rest !== '') {
    const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,\s*|$)/s.exec(rest);
    if (!lm) return `bad label matcher '${rest}': expected label="value" (or !=, =~, !~)`;
    const value = (lm[3] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const matcher: LabelMatcher = { label: lm[1] as string, op: lm[2] as LabelMatcher['op'], value };
    if (matcher.op === '=~' || matcher.op === '!~') {
      try {
        matcher.re = new RegExp(`^(?:${value})$`);
      } catch (err) {
        return `bad regular expression for ${matcher.label}: ${(err as Error).message}`;
      }
    }
    matchers.push(matcher);
    rest = rest.slice(lm[0].length);
  }
  return { text, name: m[1] as string, matchers };
}

function matches(sel: SeriesSelector, s: PromSample): boolean {
  if (s.name !== sel.name) return false;
  for (const m of sel.matchers) {
    const v = s.labels[m.label] ?? '';
    const ok = m.re ? m.re.test(v) : v === m.value;
    if (m.op === '=' || m.op === '=~' ? !ok : ok) return false;
  }
  return true;
}

/** Why `text` cannot be scraped (not an http(s) URL), or the URL. */
export function checkPrometheusUrl(text: string): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `--monitor-prometheus '${text}' is not a URL (expected e.g. http://host:9090/metrics)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `--monitor-prometheus '${text}': only http:// and https:// URLs can be scraped`;
  return url;
}

/**
 * The recorded metric's name and scale for a scraped series: `prom_` + the name with anything
 * outside [A-Za-z0-9_] made `_`; a `_bytes` unit becomes `_mb` (÷ 10^6) so memory sizes fit a
 * trend's range; cumulative series get `_rate` (per second).
 */
export function recordedName(name: string, cumulative: boolean): { metric: string; scale: number } {
  let base = name.replace(/[^A-Za-z0-9_]/g, '_');
  let scale = 1;
  const bytes = /_bytes(_total)?$/.exec(base);
  if (bytes) {
    base = `${base.slice(0, bytes.index)}_mb${bytes[1] ?? ''}`;
    scale = 1e-6;
  }
  return { metric: `prom_${base}${cumulative ? '_rate' : ''}`, scale };
}

export interface PrometheusMonitorOptions {
  selectors: readonly SeriesSelector[];
  intervalMs: number;
  warn: (message: string) => void;
}

interface Series {
  def: MetricDefinition;
  tags: Record<string, string>;
  scale: number;
  cumulative: boolean;
}

export class PrometheusMonitor implements Sampler {
  readonly name: string;
  private readonly source: string;
  private readonly sink = new MetricSink();
  private readonly timer: NodeJS.Timeout;
  private readonly abort = new AbortController();
  private busy = false;
  private sampled = false;
  private closed = false;
  private failing = false;
  private scrapes = 0;
  /** Cumulative series: the last value and time per selector and label set. */
  private readonly previous = new Map<string, { value: number; at: number }>();
  private readonly clampWarned = new Set<string>();

  constructor(
    private readonly url: URL,
    private readonly opts: PrometheusMonitorOptions,
  ) {
    this.source = url.host;
    this.name = `prometheus ${url.href}`;
    this.timer = setInterval(() => void this.scrape(), opts.intervalMs);
    this.timer.unref();
    void this.scrape();
  }

  private async scrape(): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      const timeoutMs = Math.min(this.opts.intervalMs, 10_000);
      let text: string;
      try {
        // undici loads on the first scrape: runs without --monitor-prometheus never pay for it.
        const { request } = await import('undici');
        const res = await request(this.url, {
          headers: { accept: 'text/plain;version=0.0.4;q=1, */*;q=0.1' },
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeoutMs)]),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        text = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
      } catch (err) {
        if (this.closed) return;
        if (!this.failing) {
          this.failing = true;
          const e = err as Error & { code?: string };
          this.opts.warn(
            `--monitor-prometheus ${this.url.href}: scrape failed (${e.code ?? e.message}); the run goes on, readings resume when it answers`,
          );
        }
        return;
      }
      if (this.closed) return;
      if (this.failing) {
        this.failing = false;
        this.opts.warn(`--monitor-prometheus ${this.url.href}: scraping again`);
      }
      this.record(parsePrometheusText(text), performance.now());
    } finally {
      this.busy = false;
    }
  }

  private record(exp: PromExposition, at: number): void {
    const first = this.scrapes++ === 0;
    if (first && exp.errors.length > 0)
      this.opts.warn(
        `--monitor-prometheus ${this.url.href}: ${exp.errors.length} malformed line(s) skipped, first: ${exp.errors[0]}`,
      );
    if (this.opts.selectors.length === 0) {
      if (first) {
        const names = [...new Set(exp.samples.map((s) => s.name))];
        this.opts.warn(
          `--monitor-prometheus ${this.url.href}: nothing is recorded without --monitor-series; it exposes ${names.length} series names${names.length ? `, e.g. ${names.slice(0, 6).join(', ')}` : ''}`,
        );
      }
      return;
    }
    // Before the run's first second, keep only the latest reading (none from setup time).
    if (!this.sampled) this.sink.flush();
    this.opts.selectors.forEach((sel, index) => {
      const found = exp.samples.filter((s) => matches(sel, s) && Number.isFinite(s.value));
      if (found.length === 0) {
        if (first)
          this.opts.warn(`--monitor-prometheus ${this.url.href}: '${sel.text}' matches no series (yet)`);
        return;
      }
      const s = this.series(sel, isCumulative(sel.name, exp.types));
      if (!s.cumulative) {
        this.add(
          s,
          found.reduce((a, x) => a + x.value, 0),
        );
        return;
      }
      // A rate per label set (a counter that went down was reset: count from zero, as
      // Prometheus' rate() does), summed over the label sets seen in both scrapes.
      let rate = 0;
      let any = false;
      for (const x of found) {
        const key = `${index}\u0000${JSON.stringify(Object.entries(x.labels).sort())}`;
        const prev = this.previous.get(key);
        this.previous.set(key, { value: x.value, at });
        if (!prev || at <= prev.at) continue;
        const increase = x.value >= prev.value ? x.value - prev.value : x.value;
        rate += increase / ((at - prev.at) / 1000);
        any = true;
      }
      if (any) this.add(s, rate);
    });
  }

  private readonly seriesCache = new Map<string, Series>();

  private series(sel: SeriesSelector, cumulative: boolean): Series {
    const key = `${sel.text}\u0000${cumulative}`;
    let s = this.seriesCache.get(key);
    if (!s) {
      const { metric, scale } = recordedName(sel.name, cumulative);
      const tags: Record<string, string> = { source: this.source };
      for (const m of sel.matchers) if (m.op === '=' && m.label !== 'source') tags[m.label] = m.value;
      s = {
        def: {
          name: metric,
          type: 'trend',
          contains: 'default',
          description: `${sel.name}${cumulative ? ' per second' : ''} scraped from ${this.url.href}`,
        },
        tags,
        scale,
        cumulative,
      };
      this.seriesCache.set(key, s);
    }
    return s;
  }

  private add(s: Series, value: number): void {
    const v = value * s.scale * 1000;
    if (Math.abs(v) > HIGHEST_TRACKABLE && !this.clampWarned.has(s.def.name)) {
      this.clampWarned.add(s.def.name);
      this.opts.warn(
        `${s.def.name}: ${value * s.scale} is beyond what a trend's histogram holds (3,600,000): its percentiles are capped there; avg, min and max stay exact`,
      );
    }
    this.sink.trend(s.def, s.tags).add(v);
  }

  sample(): SeriesPoint[] {
    this.sampled = true;
    return this.sink.flush();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.abort.abort();
  }
}
