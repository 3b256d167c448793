/**
 * What each tool printed, reduced to one shape: req/s and latency percentiles in ms. Peers are
 * parsed like shared/bench/peers.sh does, so numbers are comparable with its RESULTS.md.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface ToolNumbers {
  rps: number | undefined;
  p50: number | undefined;
  p90: number | undefined;
  p99: number | undefined;
  max: number | undefined;
  requests: number | undefined;
  notes: string[];
}

const empty = (): ToolNumbers => ({
  rps: undefined,
  p50: undefined,
  p90: undefined,
  p99: undefined,
  max: undefined,
  requests: undefined,
  notes: [],
});

function toMs(v: string, unit: string): number {
  const n = Number(v);
  switch (unit) {
    case 'us':
    case 'µs':
      return n / 1000;
    case 's':
    case 'secs':
      return n * 1000;
    case 'm':
      return n * 60_000;
    default:
      return n;
  }
}

/** wrk 4.x with --latency. */
export function parseWrk(txt: string): ToolNumbers {
  const r = empty();
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(txt);
  if (rps) r.rps = Number(rps[1]);
  const total = /(\d+) requests in/.exec(txt);
  if (total) r.requests = Number(total[1]);
  for (const [q, key] of [
    ['50', 'p50'],
    ['90', 'p90'],
    ['99', 'p99'],
  ] as const) {
    const m = new RegExp(`^\\s+${q}%\\s+([\\d.]+)(us|ms|s|m)`, 'm').exec(txt);
    if (m) r[key] = toMs(m[1] as string, m[2] as string);
  }
  const lat = /Latency\s+[\d.]+\w+\s+[\d.]+\w+\s+([\d.]+)(us|ms|s|m)/.exec(txt);
  if (lat) r.max = toMs(lat[1] as string, lat[2] as string);
  const err = /Socket errors: (.*)/.exec(txt);
  if (err) r.notes.push(`socket errors: ${err[1]}`);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(txt);
  if (non2xx) r.notes.push(`non2xx=${non2xx[1]}`);
  return r;
}

/** hey 0.1.x default text report. */
export function parseHey(txt: string): ToolNumbers {
  const r = empty();
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(txt);
  if (rps) r.rps = Number(rps[1]);
  for (const [q, key] of [
    ['50', 'p50'],
    ['90', 'p90'],
    ['99', 'p99'],
  ] as const) {
    const m = new RegExp(`${q}%% in ([\\d.]+) secs`.replace('%%', '%')).exec(txt);
    if (m) r[key] = Number(m[1]) * 1000;
  }
  const slow = /Slowest:\s+([\d.]+) secs/.exec(txt);
  if (slow) r.max = Number(slow[1]) * 1000;
  const codes = /\[200\]\s+(\d+) responses/.exec(txt);
  if (codes) r.requests = Number(codes[1]);
  if (/Error distribution/.test(txt)) r.notes.push('errors');
  return r;
}

/** autocannon -j: the last JSON line. rps = requests.total / duration, as in peers.sh. */
export function parseAutocannon(txt: string): ToolNumbers {
  const r = empty();
  let j: Record<string, unknown> | undefined;
  for (const line of txt.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      j = JSON.parse(line) as Record<string, unknown>;
    } catch {
      r.notes.push('unparsable JSON line');
    }
  }
  if (!j) return r;
  const dur = Number(j.duration ?? 0);
  const req = j.requests as { total?: number } | undefined;
  const total = Number(req?.total ?? 0);
  r.requests = total;
  r.rps = dur > 0 ? total / dur : undefined;
  const lat = (j.latency ?? {}) as Record<string, number>;
  r.p50 = lat.p50;
  r.p90 = lat.p90;
  r.p99 = lat.p99;
  r.max = lat.max;
  r.notes.push('ms-integer pctls');
  for (const k of ['errors', 'timeouts', 'non2xx']) {
    if (Number(j[k] ?? 0) > 0) r.notes.push(`${k}=${String(j[k])}`);
  }
  return r;
}

/** The subset of volley's JSON summary (src/summary/summary.ts) the benchmark reads. */
export interface VolleySummary {
  metrics: Record<string, { values: Record<string, number> } | undefined>;
  generator: {
    workers: number;
    saturated: boolean;
    reasons: string[];
    cpuPercent: { avg: number; max: number };
    rssMB: { max: number };
  };
  errors: Record<string, number>;
  state: { testRunDurationMs: number };
}

export function readVolley(file: string): VolleySummary | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as VolleySummary;
  } catch {
    return undefined; // truncated file from a killed run: reported as "no summary"
  }
}

export function metric(s: VolleySummary | undefined, name: string, stat: string): number | undefined {
  return s?.metrics[name]?.values[stat];
}

/** Closed-loop numbers from a volley summary: rate as volley computed it (count / run time). */
export function volleyNumbers(s: VolleySummary | undefined): ToolNumbers {
  const r = empty();
  if (!s) {
    r.notes.push('no summary');
    return r;
  }
  r.rps = metric(s, 'http_reqs', 'rate');
  r.requests = metric(s, 'http_reqs', 'count');
  r.p50 = metric(s, 'http_req_duration', 'med');
  r.p90 = metric(s, 'http_req_duration', 'p(90)');
  r.p99 = metric(s, 'http_req_duration', 'p(99)');
  r.max = metric(s, 'http_req_duration', 'max');
  const failed = metric(s, 'http_req_failed', 'passes');
  if (failed) r.notes.push(`failed=${failed}`);
  if (s.generator.saturated) r.notes.push(`saturated (${s.generator.reasons.join(', ')})`);
  return r;
}
