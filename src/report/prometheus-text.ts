/** `GET /metrics`: the live run in Prometheus text format 0.0.4 (durations in seconds). */
import type { Snapshot } from '../engine/snapshot.js';
import type { ThresholdResult } from '../thresholds/evaluate.js';

/** What a caller knows beyond the snapshot (the live output keeps these; the server does not). */
export interface PrometheusExtras {
  /** Latest threshold evaluation (`volley_threshold_ok`). */
  thresholds?: readonly ThresholdResult[];
  /** Iterations completed since the start (`volley_iterations_total`). */
  iterationsTotal?: number;
}

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export function prometheusText(
  runId: string | undefined,
  s: Snapshot | null,
  extras: PrometheusExtras = {},
): string {
  const out: string[] = [];
  const metric = (
    name: string,
    type: string,
    help: string,
    rows: [Record<string, string>, number][],
  ): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [l, v] of rows)
      out.push(`${name}${labels(l)} ${Number.isFinite(v) ? Number(v.toPrecision(9)) : 0}`);
  };
  metric(
    'volley_run_active',
    'gauge',
    'Whether a run is active (started from this server, or recording into its store).',
    [[{}, runId ? 1 : 0]],
  );
  if (!runId || !s) return `${out.join('\n')}\n`;
  const run = { run_id: runId };
  metric('volley_run_elapsed_seconds', 'gauge', 'Seconds since the run started.', [
    [run, s.elapsedMs / 1000],
  ]);
  metric('volley_http_reqs_total', 'counter', 'HTTP requests completed since the start.', [
    [run, s.cumulative.requests],
  ]);
  metric('volley_http_req_failed_total', 'counter', 'HTTP requests that failed since the start.', [
    [run, s.cumulative.failures],
  ]);
  metric('volley_http_reqs_per_second', 'gauge', 'Requests per second over the current window.', [
    [run, s.current.rps],
  ]);
  const q = s.current.latency;
  metric(
    'volley_http_req_duration_seconds',
    'gauge',
    `http_req_duration over the last ${s.current.windowSeconds} s (current window).`,
    [
      [{ ...run, quantile: '0.5' }, q.p50 / 1000],
      [{ ...run, quantile: '0.9' }, q.p90 / 1000],
      [{ ...run, quantile: '0.95' }, q.p95 / 1000],
      [{ ...run, quantile: '0.99' }, q.p99 / 1000],
      [{ ...run, quantile: '1' }, q.max / 1000],
    ],
  );
  metric('volley_vus', 'gauge', 'Active virtual users.', [[run, s.vus]]);
  metric('volley_dropped_iterations', 'gauge', 'Iterations dropped during the last second.', [
    [run, s.dropped],
  ]);
  metric('volley_generator_cpu_percent', 'gauge', 'Generator process CPU, percent of one core.', [
    [run, s.generator.cpuPercent],
  ]);
  metric('volley_generator_rss_bytes', 'gauge', 'Generator process resident memory.', [
    [run, s.generator.rssMB * 1048576],
  ]);
  metric(
    'volley_generator_saturated',
    'gauge',
    'Whether the generator is saturated: a resource strained in 3 of the last 4 seconds.',
    [[run, s.generator.saturated ? 1 : 0]],
  );
  const ep = s.cumulative.endpoints;
  metric(
    'volley_endpoint_requests_total',
    'counter',
    'HTTP requests per endpoint since the start.',
    ep.map((e) => [{ ...run, scenario: e.scenario, method: e.method, name: e.name }, e.requests]),
  );
  metric(
    'volley_endpoint_failures_total',
    'counter',
    'Failed HTTP requests per endpoint since the start.',
    ep.map((e) => [{ ...run, scenario: e.scenario, method: e.method, name: e.name }, e.failures]),
  );
  metric(
    'volley_endpoint_req_duration_seconds',
    'gauge',
    'http_req_duration per endpoint since the start.',
    ep.flatMap((e) => {
      const l = { ...run, scenario: e.scenario, method: e.method, name: e.name };
      return [
        [{ ...l, quantile: '0.5' }, e.latency.p50 / 1000],
        [{ ...l, quantile: '0.9' }, e.latency.p90 / 1000],
        [{ ...l, quantile: '0.95' }, e.latency.p95 / 1000],
        [{ ...l, quantile: '0.99' }, e.latency.p99 / 1000],
        [{ ...l, quantile: '1' }, e.latency.max / 1000],
      ] as [Record<string, string>, number][];
    }),
  );
  metric('volley_iterations', 'gauge', 'Iterations completed during the last second.', [[run, s.iterations]]);
  if (extras.iterationsTotal !== undefined)
    metric('volley_iterations_total', 'counter', 'Iterations completed since the start.', [
      [run, extras.iterationsTotal],
    ]);
  const checks = s.metrics['checks']?.['rate'];
  if (checks !== undefined)
    metric('volley_checks_rate', 'gauge', 'Share of checks that passed during the last second.', [
      [run, checks],
    ]);
  if (extras.thresholds?.length)
    metric(
      'volley_threshold_ok',
      'gauge',
      'Whether a threshold currently passes (1) or fails (0).',
      extras.thresholds.map((t) => [{ ...run, metric: t.key, threshold: t.source }, t.ok ? 1 : 0]),
    );
  return `${out.join('\n')}\n`;
}
