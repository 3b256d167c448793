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

/** An endpoint's labels: its protocol (absent in older snapshots), scenario, method and name. */
function endpointLabels(e: { protocol?: string; scenario: string; method: string; name: string }) {
  return {
    ...(e.protocol === undefined ? {} : { protocol: e.protocol }),
    scenario: e.scenario,
    method: e.method,
    name: e.name,
  };
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
  // The volley_http_* names predate protocol modules and stay (dashboards scrape them): they count
  // every protocol's headline requests; volley_protocol_* splits them by protocol.
  metric('volley_http_reqs_total', 'counter', 'Requests completed since the start (every protocol).', [
    [run, s.cumulative.requests],
  ]);
  metric(
    'volley_http_req_failed_total',
    'counter',
    'Requests that failed since the start (every protocol).',
    [[run, s.cumulative.failures]],
  );
  metric('volley_http_reqs_per_second', 'gauge', 'Requests per second over the current window.', [
    [run, s.current.rps],
  ]);
  const q = s.current.latency;
  metric(
    'volley_http_req_duration_seconds',
    'gauge',
    `Request duration (every protocol's headline duration) over the last ${s.current.windowSeconds} s (current window).`,
    [
      [{ ...run, quantile: '0.5' }, q.p50 / 1000],
      [{ ...run, quantile: '0.9' }, q.p90 / 1000],
      [{ ...run, quantile: '0.95' }, q.p95 / 1000],
      [{ ...run, quantile: '0.99' }, q.p99 / 1000],
      [{ ...run, quantile: '1' }, q.max / 1000],
    ],
  );
  const ps = s.protocols ?? [];
  if (ps.length > 0) {
    metric(
      'volley_protocol_requests_total',
      'counter',
      'Requests completed since the start, per protocol (its headline count).',
      ps.map((p) => [{ ...run, protocol: p.protocol }, p.cumulative.requests]),
    );
    metric(
      'volley_protocol_failures_total',
      'counter',
      'Requests that failed since the start, per protocol.',
      ps.map((p) => [{ ...run, protocol: p.protocol }, p.cumulative.failures]),
    );
    metric(
      'volley_protocol_requests_per_second',
      'gauge',
      'Requests per second over the current window, per protocol.',
      ps.map((p) => [{ ...run, protocol: p.protocol }, p.current.rps]),
    );
    metric(
      'volley_protocol_req_duration_seconds',
      'gauge',
      `Each protocol's headline duration over the last ${s.current.windowSeconds} s (current window).`,
      ps.flatMap((p) => {
        const l = { ...run, protocol: p.protocol };
        const lq = p.current.latency;
        return [
          [{ ...l, quantile: '0.5' }, lq.p50 / 1000],
          [{ ...l, quantile: '0.9' }, lq.p90 / 1000],
          [{ ...l, quantile: '0.95' }, lq.p95 / 1000],
          [{ ...l, quantile: '0.99' }, lq.p99 / 1000],
          [{ ...l, quantile: '1' }, lq.max / 1000],
        ] as [Record<string, string>, number][];
      }),
    );
  }
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
    'Requests per endpoint since the start.',
    ep.map((e) => [{ ...run, ...endpointLabels(e) }, e.requests]),
  );
  metric(
    'volley_endpoint_failures_total',
    'counter',
    'Failed requests per endpoint since the start.',
    ep.map((e) => [{ ...run, ...endpointLabels(e) }, e.failures]),
  );
  metric(
    'volley_endpoint_req_duration_seconds',
    'gauge',
    "The endpoint's protocol's headline duration since the start.",
    ep.flatMap((e) => {
      const l = { ...run, ...endpointLabels(e) };
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
