/**
 * The target's own counters. They only ever grow (Prometheus expects that of `/metrics`);
 * `/__volley/stats` reports them relative to a baseline taken at the last reset.
 */

/** Upper bounds of the latency histogram in seconds (Prometheus client defaults plus 1 ms and 2.5 ms). */
export const LATENCY_BUCKETS_S: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Counters of one route: method + pattern, e.g. GET /api/users/:id. */
export class RouteMetrics {
  readonly key: string;
  requests = 0;
  readonly statuses = new Map<number, number>();
  /** Per-bucket counts, not cumulative; the last slot is +Inf. */
  readonly bucketCounts = new Array<number>(LATENCY_BUCKETS_S.length + 1).fill(0);
  durationSumS = 0;
  durationCount = 0;

  constructor(
    readonly method: string,
    readonly pattern: string,
  ) {
    this.key = `${method} ${pattern}`;
  }

  record(status: number, durationMs: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    const s = durationMs / 1000;
    let i = 0;
    while (i < LATENCY_BUCKETS_S.length && s > (LATENCY_BUCKETS_S[i] as number)) i++;
    this.bucketCounts[i] = (this.bucketCounts[i] as number) + 1;
    this.durationSumS += s;
    this.durationCount++;
  }
}

/** What `GET /__volley/stats` returns: counts since start or the last reset. */
export interface TargetStats {
  /** Requests received on counted routes (everything but `/metrics` and `/__volley/*`). */
  totalRequests: number;
  /** Requests per route, keyed `"GET /api/users/:id"`; unknown paths are `"<METHOD> (unmatched)"`. Zero counts are left out. */
  routes: Record<string, number>;
  /** Responses per status code; 499 counts requests whose client went away before the answer. */
  statuses: Record<string, number>;
  /** TCP connections accepted. */
  connectionsAccepted: number;
  /** Gauge: connections open now. */
  connectionsOpen: number;
  /** Gauge: requests admitted and not yet answered. */
  inFlight: number;
  tasksCreated: number;
  idempotentReplays: number;
  /** Requests answered 500 by the error-rate knob. */
  injectedErrors: number;
  /** Requests answered 503 by the max-inflight knob. */
  rejectedInflight: number;
  /** Stalls that began, and the time the event loop spent blocked by them. */
  stalls: number;
  stalledMs: number;
  /** Milliseconds since start or the last reset. */
  sinceMs: number;
}

type Totals = Omit<TargetStats, 'connectionsOpen' | 'inFlight' | 'sinceMs'>;

export class TargetMetrics {
  private readonly routes = new Map<string, RouteMetrics>();
  inFlight = 0;
  connectionsAccepted = 0;
  connectionsOpen = 0;
  tasksCreated = 0;
  idempotentReplays = 0;
  injectedErrors = 0;
  rejectedInflight = 0;
  stalls = 0;
  stalledMs = 0;
  private baseline: Totals = emptyTotals();
  private baselineAtMs: number;

  constructor(private readonly now: () => number) {
    this.baselineAtMs = now();
  }

  /** The counters for a route, created on first use (the set of methods × patterns is bounded). */
  route(method: string, pattern: string): RouteMetrics {
    const key = `${method} ${pattern}`;
    let metrics = this.routes.get(key);
    if (metrics === undefined) {
      metrics = new RouteMetrics(method, pattern);
      this.routes.set(key, metrics);
    }
    return metrics;
  }

  private totals(): Totals {
    const totals = emptyTotals();
    for (const r of this.routes.values()) {
      if (r.requests === 0) continue;
      totals.totalRequests += r.requests;
      totals.routes[r.key] = r.requests;
      for (const [status, n] of r.statuses) totals.statuses[status] = (totals.statuses[status] ?? 0) + n;
    }
    totals.connectionsAccepted = this.connectionsAccepted;
    totals.tasksCreated = this.tasksCreated;
    totals.idempotentReplays = this.idempotentReplays;
    totals.injectedErrors = this.injectedErrors;
    totals.rejectedInflight = this.rejectedInflight;
    totals.stalls = this.stalls;
    totals.stalledMs = this.stalledMs;
    return totals;
  }

  stats(): TargetStats {
    const now = this.totals();
    const base = this.baseline;
    const diffMap = (a: Record<string, number>, b: Record<string, number>): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const [k, v] of Object.entries(a)) {
        const d = v - (b[k] ?? 0);
        if (d !== 0) out[k] = d;
      }
      return out;
    };
    return {
      totalRequests: now.totalRequests - base.totalRequests,
      routes: diffMap(now.routes, base.routes),
      statuses: diffMap(now.statuses, base.statuses),
      connectionsAccepted: now.connectionsAccepted - base.connectionsAccepted,
      connectionsOpen: this.connectionsOpen,
      inFlight: this.inFlight,
      tasksCreated: now.tasksCreated - base.tasksCreated,
      idempotentReplays: now.idempotentReplays - base.idempotentReplays,
      injectedErrors: now.injectedErrors - base.injectedErrors,
      rejectedInflight: now.rejectedInflight - base.rejectedInflight,
      stalls: now.stalls - base.stalls,
      stalledMs: Math.round(now.stalledMs - base.stalledMs),
      sinceMs: Math.round(this.now() - this.baselineAtMs),
    };
  }

  resetStats(): void {
    this.baseline = this.totals();
    this.baselineAtMs = this.now();
  }

  /** Prometheus text exposition format, version 0.0.4. */
  prometheus(rssBytes: number, cpuSeconds: number): string {
    const lines: string[] = [];
    const family = (name: string, type: string, help: string): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    const routes = [...this.routes.values()].filter((r) => r.requests > 0);

    family('volley_target_requests_total', 'counter', 'Requests answered, by method, route and status.');
    for (const r of routes) {
      const labels = `method="${esc(r.method)}",route="${esc(r.pattern)}"`;
      for (const [status, n] of r.statuses)
        lines.push(`volley_target_requests_total{${labels},status="${status}"} ${n}`);
    }
    family(
      'volley_target_request_duration_seconds',
      'histogram',
      'Time from request arrival to response, by method and route.',
    );
    for (const r of routes) {
      if (r.durationCount === 0) continue;
      const labels = `method="${esc(r.method)}",route="${esc(r.pattern)}"`;
      let cumulative = 0;
      LATENCY_BUCKETS_S.forEach((le, i) => {
        cumulative += r.bucketCounts[i] as number;
        lines.push(`volley_target_request_duration_seconds_bucket{${labels},le="${le}"} ${cumulative}`);
      });
      lines.push(`volley_target_request_duration_seconds_bucket{${labels},le="+Inf"} ${r.durationCount}`);
      lines.push(`volley_target_request_duration_seconds_sum{${labels}} ${r.durationSumS}`);
      lines.push(`volley_target_request_duration_seconds_count{${labels}} ${r.durationCount}`);
    }
    const scalar = (name: string, type: string, help: string, value: number): void => {
      family(name, type, help);
      lines.push(`${name} ${value}`);
    };
    scalar(
      'volley_target_requests_in_flight',
      'gauge',
      'Requests admitted and not yet answered.',
      this.inFlight,
    );
    scalar(
      'volley_target_connections_accepted_total',
      'counter',
      'TCP connections accepted.',
      this.connectionsAccepted,
    );
    scalar('volley_target_connections_open', 'gauge', 'TCP connections open.', this.connectionsOpen);
    scalar(
      'volley_target_tasks_created_total',
      'counter',
      'Tasks created by POST /api/tasks.',
      this.tasksCreated,
    );
    scalar(
      'volley_target_idempotent_replays_total',
      'counter',
      'POST /api/tasks answered from an earlier idempotency key.',
      this.idempotentReplays,
    );
    scalar(
      'volley_target_injected_errors_total',
      'counter',
      'Requests answered 500 by the error-rate knob.',
      this.injectedErrors,
    );
    scalar(
      'volley_target_rejected_inflight_total',
      'counter',
      'Requests answered 503 by the max-inflight knob.',
      this.rejectedInflight,
    );
    scalar('volley_target_stalls_total', 'counter', 'Stalls begun by the stall knob.', this.stalls);
    scalar(
      'volley_target_stalled_seconds_total',
      'counter',
      'Time the event loop was blocked by stalls.',
      this.stalledMs / 1000,
    );
    scalar('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', rssBytes);
    scalar('process_cpu_seconds_total', 'counter', 'User and system CPU time spent in seconds.', cpuSeconds);
    return `${lines.join('\n')}\n`;
  }
}

function emptyTotals(): Totals {
  return {
    totalRequests: 0,
    routes: {},
    statuses: {},
    connectionsAccepted: 0,
    tasksCreated: 0,
    idempotentReplays: 0,
    injectedErrors: 0,
    rejectedInflight: 0,
    stalls: 0,
    stalledMs: 0,
  };
}

function esc(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
