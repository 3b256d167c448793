/**
 * `--out otlp=URL`: the run's metrics pushed as OpenTelemetry metrics over OTLP/HTTP (JSON) through
 * the official JS SDK, once a second and once more on close. Recorded per snapshot:
 *
 * - `volley.http.requests`, `volley.http.failures`: monotonic counters per endpoint (attributes
 *   `http.request.method`-style `method`, `name`, `scenario`), advanced by the snapshot's cumulative
 *   totals so the exported sums equal what the run measured.
 * - `volley.http.duration`: a gauge (unit s) of the current-window quantiles, attribute `quantile`
 *   (0.5, 0.9, 0.95, 0.99, 1). Not an OTel histogram: volley's exact per-request latencies live in
 *   HDR histograms in the workers, and feeding quantiles into SDK histogram buckets would invent a
 *   distribution. The gauge carries the real quantiles.
 * - `volley.vus`, `volley.http.rps`, `volley.dropped_iterations`: gauges.
 *
 * Resource: `service.name=volley`, `volley.run_id`. A collector that cannot be reached costs one
 * warning; the run goes on and later exports keep trying.
 */
import type { Attributes, Counter, Gauge } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { RunListener, RunResult, RunStartInfo } from '../engine/run.js';
import type { Snapshot } from '../engine/snapshot.js';
import { VolleyError } from '../errors.js';
import { headlineMetrics } from '../metrics/definitions.js';

/** ExportResultCode.SUCCESS in @opentelemetry/core (not a direct dependency). */
const EXPORT_SUCCESS = 0;

export interface OtlpOutputOptions {
  runId: string;
  log: (line: string) => void;
  /** Export interval, ms (default 1000). */
  intervalMs?: number;
}

interface EndpointKey {
  protocol?: string;
  scenario: string;
  name: string;
  method: string;
}

export class OtlpOutput implements RunListener {
  private readonly provider: MeterProvider;
  private readonly reader: PeriodicExportingMetricReader;
  private readonly requests: Counter;
  private readonly failures: Counter;
  private readonly duration: Gauge;
  private readonly vus: Gauge;
  private readonly rps: Gauge;
  private readonly dropped: Gauge;
  /** Cumulative totals already added to the counters, per endpoint. */
  private readonly sent = new Map<string, { requests: number; failures: number }>();
  private warned = false;
  private closed = false;

  constructor(
    readonly url: string,
    private readonly opts: OtlpOutputOptions,
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new VolleyError(
        'INVALID_USAGE',
        `--out otlp='${url}' is not a URL (e.g. http://127.0.0.1:4318/v1/metrics)`,
      );
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new VolleyError('INVALID_USAGE', `--out otlp='${url}' must be an http:// or https:// URL`);
    }
    const intervalMs = opts.intervalMs ?? 1000;
    const inner = new OTLPMetricExporter({
      url,
      timeoutMillis: intervalMs,
      temporalityPreference: AggregationTemporality.CUMULATIVE,
    });
    this.reader = new PeriodicExportingMetricReader({
      exporter: this.warnOnce(inner),
      exportIntervalMillis: intervalMs,
      exportTimeoutMillis: intervalMs,
    });
    this.provider = new MeterProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'volley', 'volley.run_id': opts.runId }),
      readers: [this.reader],
    });
    const meter = this.provider.getMeter('volley');
    this.requests = meter.createCounter('volley.http.requests', {
      description: "Requests completed (each protocol's headline count; attribute protocol)",
      unit: '{request}',
    });
    this.failures = meter.createCounter('volley.http.failures', {
      description: 'Requests that failed (attribute protocol)',
      unit: '{request}',
    });
    this.duration = meter.createGauge('volley.http.duration', {
      description: "The protocols' headline duration quantiles over the current window",
      unit: 's',
    });
    this.vus = meter.createGauge('volley.vus', { description: 'Active virtual users', unit: '{vu}' });
    this.rps = meter.createGauge('volley.http.rps', {
      description: 'Requests per second over the current window',
      unit: '{request}/s',
    });
    this.dropped = meter.createGauge('volley.dropped_iterations', {
      description: 'Iterations dropped during the last second',
      unit: '{iteration}',
    });
  }

  /** Wraps the exporter so a failing collector is reported once, not every second. */
  private warnOnce(inner: PushMetricExporter): PushMetricExporter {
    const wrapped: PushMetricExporter = {
      export: (metrics: ResourceMetrics, done) => {
        inner.export(metrics, (result) => {
          if (result.code !== EXPORT_SUCCESS && !this.warned) {
            this.warned = true;
            this.opts.log(
              `otlp: warning: cannot export metrics to ${this.url}: ${result.error?.message ?? 'export failed'} (the run goes on; later exports keep trying)`,
            );
          }
          done(result);
        });
      },
      forceFlush: () => inner.forceFlush(),
      shutdown: () => inner.shutdown(),
    };
    if (inner.selectAggregationTemporality)
      wrapped.selectAggregationTemporality = inner.selectAggregationTemporality.bind(inner);
    if (inner.selectAggregation) wrapped.selectAggregation = inner.selectAggregation.bind(inner);
    return wrapped;
  }

  onStart(_info: RunStartInfo): void {}

  private advance(e: EndpointKey, requests: number, failures: number): void {
    const key = JSON.stringify([e.protocol ?? '', e.scenario, e.method, e.name]);
    const prev = this.sent.get(key) ?? { requests: 0, failures: 0 };
    const attrs: Attributes = {
      ...(e.protocol === undefined ? {} : { protocol: e.protocol }),
      scenario: e.scenario,
      method: e.method,
      name: e.name,
    };
    // Always touch both counters so every endpoint exports a point, even at zero failures.
    this.requests.add(Math.max(0, requests - prev.requests), attrs);
    this.failures.add(Math.max(0, failures - prev.failures), attrs);
    this.sent.set(key, {
      requests: Math.max(requests, prev.requests),
      failures: Math.max(failures, prev.failures),
    });
  }

  onSnapshot(s: Snapshot): void {
    if (this.closed) return;
    for (const e of s.cumulative.endpoints) this.advance(e, e.requests, e.failures);
    const q = s.current.latency;
    for (const [quantile, ms] of [
      ['0.5', q.p50],
      ['0.9', q.p90],
      ['0.95', q.p95],
      ['0.99', q.p99],
      ['1', q.max],
    ] as const) {
      if (Number.isFinite(ms)) this.duration.record(ms / 1000, { quantile });
    }
    this.vus.record(s.vus);
    this.rps.record(s.current.rps);
    this.dropped.record(s.dropped);
  }

  /** Reconciles the counters with the run's final totals (a last second not snapshotted). */
  onEnd(result: RunResult): void {
    if (this.closed) return;
    const agg = result.aggregator;
    for (const filter of agg.endpoints())
      for (const h of headlineMetrics()) {
        const requests = agg.total(h.count, filter)?.sum ?? 0;
        if (requests === 0) continue;
        this.advance(
          { protocol: h.protocol, ...filter },
          requests,
          agg.total(h.failures, filter)?.trues ?? 0,
        );
      }
  }

  /** Exports what is left (forceFlush) and shuts the SDK down; never throws for a dead collector. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.reader.forceFlush();
    } catch {
      // already warned through the exporter wrapper
    }
    try {
      await this.provider.shutdown();
    } catch {
      // same
    }
  }
}
