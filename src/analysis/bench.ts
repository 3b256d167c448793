/**
 * `volley bench`: each endpoint measured alone, one after the other, closed loop at a fixed
 * concurrency, after an uncounted warm-up; then compared with the previous bench of the same
 * endpoint set against the same base URL. Every endpoint is a quick-mode run of the ordinary
 * engine, so its numbers mean exactly what `volley run --url … --vus N` numbers mean.
 *
 * No process or console here: the caller injects where lines go, how a run is run (the run
 * session, which records it) and the abort signal (src/cli/bench-command.ts).
 */
import { headlineValues } from '../summary/headline.js';
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { tryParseDurationMs } from '../config/duration.js';
import { prepareTest } from '../loader/prepare.js';
import { quickConfig, validateUrl, type QuickFlags } from '../loader/quick.js';
import type { TestConfig } from '../config/types.js';
import type { PreparedTest, RunResult } from '../engine/run.js';
import { VolleyError } from '../errors.js';
import { DEFAULT_OPTIONS as DEFAULT_COMPARE_OPTIONS } from './compare.js';
import type { LatencyStats } from '../metrics/summary-values.js';
import { count, ms, pct, table } from '../summary/format.js';
import type { Summary } from '../summary/summary.js';

export const BENCH_SCHEMA = 'volley.bench/1';

/** Methods an endpoint may use: a typo such as `GTE /x` is an error, not a request. */
export const BENCH_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export const BENCH_DEFAULTS = { concurrency: 10, duration: '10s', warmup: '1s', maxErrorRate: 0 } as const;

export interface BenchEndpoint {
  method: string;
  /** Relative to the base URL, query included: `/api/users?page=1`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export const endpointLabel = (e: Pick<BenchEndpoint, 'method' | 'path'>): string => `${e.method} ${e.path}`;

// ---------------------------------------------------------------------------------------------
// Endpoints: `METHOD PATH` flags and files

/** A path relative to the base URL; returns the problem, or undefined when it is fine. */
function pathProblem(path: string): string | undefined {
  if (path === '') return 'the path is empty';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path))
    return `'${path}' is a full URL: give a path relative to --url, e.g. /health`;
  if (!path.startsWith('/')) return `the path '${path}' must start with /`;
  if (/\s/.test(path)) return `the path '${path}' contains whitespace`;
  return undefined;
}

function methodProblem(method: string): string | undefined {
  return (BENCH_METHODS as readonly string[]).includes(method)
    ? undefined
    : `'${method}' is not an HTTP method (${BENCH_METHODS.join(', ')})`;
}

/** `--endpoint 'METHOD PATH'` (method optional, default GET) → endpoint, or the problem. */
export function parseEndpointSpec(text: string): BenchEndpoint | string {
  const parts = text.trim().split(/\s+/).filter(Boolean);
  const bad = (why: string): string =>
    `--endpoint '${text}': ${why} (use 'METHOD /path', e.g. 'GET /health')`;
  if (parts.length === 0) return bad('empty');
  if (parts.length > 2) return bad('expected a method and a path, nothing more');
  const [method, path] = parts.length === 2 ? [parts[0]!.toUpperCase(), parts[1]!] : ['GET', parts[0]!];
  const problem = methodProblem(method) ?? pathProblem(path);
  return problem ? bad(problem) : { method, path, headers: {} };
}

/**
 * An endpoints file, YAML or JSON (read by the YAML parser: JSON is YAML): a list of
 * `{ method?, path, headers?, body? }`, or `{ endpoints: [...] }`. A body that is not a string is
 * sent as JSON (with `content-type: application/json` unless the entry sets one). `name` is the
 * file's name in messages. Returns every problem at once.
 */
export function parseEndpointFile(
  name: string,
  text: string,
): { endpoints: BenchEndpoint[]; errors: string[] } {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    return { endpoints: [], errors: [`${name}: ${(err as Error).message.split('\n')[0]}`] };
  }
  const list =
    doc !== null && typeof doc === 'object' && !Array.isArray(doc) && 'endpoints' in doc
      ? (doc as { endpoints: unknown }).endpoints
      : doc;
  if (!Array.isArray(list))
    return {
      endpoints: [],
      errors: [
        `${name}: expected a list of endpoints ({ method, path, headers?, body? }), or endpoints: [...]`,
      ],
    };
  const endpoints: BenchEndpoint[] = [];
  const errors: string[] = [];
  list.forEach((raw: unknown, i) => {
    const at = `${name}: endpoint #${i + 1}`;
    if (typeof raw === 'string') {
      const e = parseEndpointSpec(raw);
      if (typeof e === 'string') errors.push(`${at}: ${e.replace(/^--endpoint /, '')}`);
      else endpoints.push(e);
      return;
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      errors.push(`${at}: expected { method, path, headers?, body? } or 'METHOD /path'`);
      return;
    }
    const o = raw as Record<string, unknown>;
    const before = errors.length;
    for (const k of Object.keys(o))
      if (!['method', 'path', 'headers', 'body'].includes(k))
        errors.push(`${at}: unknown field '${k}' (method, path, headers, body)`);
    const method =
      o.method === undefined ? 'GET' : typeof o.method === 'string' ? o.method.toUpperCase() : '';
    if (o.method !== undefined && typeof o.method !== 'string') errors.push(`${at}: method must be a string`);
    else {
      const p = methodProblem(method);
      if (p) errors.push(`${at}: ${p}`);
    }
    if (typeof o.path !== 'string') errors.push(`${at}: path is required (a string such as /health)`);
    else {
      const p = pathProblem(o.path);
      if (p) errors.push(`${at}: ${p}`);
    }
    const headers: Record<string, string> = {};
    if (o.headers !== undefined) {
      if (o.headers === null || typeof o.headers !== 'object' || Array.isArray(o.headers))
        errors.push(`${at}: headers must be a map of name: value`);
      else
        for (const [k, v] of Object.entries(o.headers)) {
          if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
            headers[k] = String(v);
          else errors.push(`${at}: header '${k}' must be a string`);
        }
    }
    let body: string | undefined;
    if (o.body !== undefined && o.body !== null) {
      if (typeof o.body === 'string') body = o.body;
      else {
        body = JSON.stringify(o.body);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
          headers['content-type'] = 'application/json';
      }
    }
    if (errors.length > before) return;
    const e: BenchEndpoint = { method, path: o.path as string, headers };
    if (body !== undefined) e.body = body;
    endpoints.push(e);
  });
  return { endpoints, errors };
}

/** The endpoint set, order-free: sorted `METHOD path` lines. Benches with the same key are comparable. */
export function endpointsKey(endpoints: readonly Pick<BenchEndpoint, 'method' | 'path'>[]): string {
  return [...new Set(endpoints.map(endpointLabel))].sort().join('\n');
}

/** The base URL without a trailing slash: `--url http://h/api/` and `--url http://h/api` are one target. */
export function normalizeBaseUrl(url: URL): string {
  const u = new URL(url.href);
  u.hash = '';
  return u.href.replace(/\/+$/, '');
}

/** PATH is appended to the base URL (`--url http://h/api` + `/users` → `http://h/api/users`). */
export function endpointUrl(baseUrl: string, path: string): string {
  return `${baseUrl}${path}`;
}

// ---------------------------------------------------------------------------------------------
// Plan: every endpoint's run config, validated before any traffic

export interface BenchOptions {
  url: string | undefined;
  endpoints: BenchEndpoint[];
  /** `-H 'Name: value'` for every endpoint; an endpoint's own headers win. */
  headers: string[];
  concurrency: string | undefined;
  duration: string | undefined;
  warmup: string | undefined;
  workers?: string;
  timeout?: string;
  insecure?: boolean;
  /** An endpoint whose error rate is above this share (0..1) fails the bench; default 0: any error. */
  maxErrorRate?: number;
}

export interface BenchPlanEntry {
  endpoint: BenchEndpoint;
  url: string;
  config: TestConfig;
  test: PreparedTest;
  /** Absent when the warm-up is 0. */
  warmup: { config: TestConfig; test: PreparedTest } | undefined;
}

export interface BenchPlan {
  baseUrl: string;
  base: URL;
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  insecure: boolean;
  maxErrorRate: number;
  entries: BenchPlanEntry[];
}

/** Validates the whole bench (flags, every endpoint) and builds each endpoint's runs; every problem at once. */
export function planBench(o: BenchOptions): BenchPlan {
  const errors: string[] = [];
  const base = validateUrl(o.url, errors);
  if (base && (base.search !== '' || base.hash !== ''))
    errors.push(`--url '${o.url}': the base URL takes no query or fragment; put them in the endpoint paths`);
  const concurrencyText = o.concurrency ?? String(BENCH_DEFAULTS.concurrency);
  const concurrency = Number(concurrencyText);
  if (!/^\d+$/.test(concurrencyText.trim()) || !Number.isSafeInteger(concurrency) || concurrency < 1)
    errors.push(`--concurrency must be an integer >= 1 (got '${concurrencyText}')`);
  const durationText = o.duration ?? BENCH_DEFAULTS.duration;
  const durationMs = tryParseDurationMs(durationText);
  if (durationMs === undefined)
    errors.push(`--duration: malformed duration '${durationText}' (e.g. 10s, 1m)`);
  else if (durationMs <= 0) errors.push(`--duration must be longer than 0 (got '${durationText}')`);
  const warmupText = o.warmup ?? BENCH_DEFAULTS.warmup;
  const warmupMs = tryParseDurationMs(warmupText);
  if (warmupMs === undefined)
    errors.push(`--warmup: malformed duration '${warmupText}' (e.g. 1s, or 0 for none)`);
  if (o.endpoints.length === 0)
    errors.push("no endpoints: give --endpoint 'METHOD /path' (repeatable) or --file endpoints.yaml");
  const seen = new Set<string>();
  for (const e of o.endpoints) {
    const label = endpointLabel(e);
    if (seen.has(label)) errors.push(`endpoint '${label}' is listed twice`);
    seen.add(label);
  }
  if (errors.length > 0) throw new VolleyError('INVALID_USAGE', errors[0] as string, { details: errors });

  const baseUrl = normalizeBaseUrl(base as URL);
  const maxErrorRate = o.maxErrorRate ?? BENCH_DEFAULTS.maxErrorRate;
  const entries: BenchPlanEntry[] = [];
  for (const endpoint of o.endpoints) {
    const url = endpointUrl(baseUrl, endpoint.path);
    const flags: QuickFlags = {
      url,
      vus: String(concurrency),
      method: endpoint.method,
      header: [...o.headers, ...Object.entries(endpoint.headers).map(([k, v]) => `${k}: ${v}`)],
      literalBody: true,
      insecure: o.insecure === true,
      // The endpoint's stored run reads failed, like the bench, when its errors are above the limit.
      threshold: [`http_req_failed:rate<=${maxErrorRate}`],
    };
    if (endpoint.body !== undefined) flags.body = endpoint.body;
    if (o.workers !== undefined && o.workers !== 'auto') flags.workers = o.workers;
    if (o.timeout !== undefined) flags.timeout = o.timeout;
    try {
      const config = quickConfig({ ...flags, duration: `${durationMs}ms` });
      const test = prepareTest(config);
      let warmup: BenchPlanEntry['warmup'];
      if ((warmupMs as number) > 0) {
        const wc = quickConfig({ ...flags, duration: `${warmupMs}ms` });
        warmup = { config: wc, test: prepareTest(wc) };
      }
      entries.push({ endpoint, url, config, test, warmup });
    } catch (err) {
      if (!(err instanceof VolleyError)) throw err;
      const label = endpointLabel(endpoint);
      for (const d of err.details.length ? err.details : [err.message])
        if (!errors.includes(d) && !errors.includes(`${label}: ${d}`))
          errors.push(d.startsWith('-H') || d.startsWith('--') ? d : `${label}: ${d}`);
    }
  }
  if (errors.length > 0) throw new VolleyError('INVALID_USAGE', errors[0] as string, { details: errors });
  return {
    baseUrl,
    base: base as URL,
    concurrency,
    durationMs: durationMs as number,
    warmupMs: warmupMs as number,
    insecure: o.insecure === true,
    maxErrorRate,
    entries,
  };
}

// ---------------------------------------------------------------------------------------------
// Run

export interface BenchEndpointResult {
  method: string;
  path: string;
  /** The measured run (stored as a run with source 'bench' when a store is used). */
  runId: string;
  requests: number;
  /** Requests per second over the measured window. */
  rps: number;
  latency: Omit<LatencyStats, 'count'>;
  /** Share of requests that failed (transport error or status outside 200-399), 0..1. */
  errorRate: number;
  /** Responses by status code (`200`), and transport errors (`error:timeout`). */
  statuses: Record<string, number>;
  /** The error rate is above the bench's maxErrorRate: the bench fails (exit 99). */
  failed: boolean;
  generatorSaturated: boolean;
  /** Requests sent during the warm-up (not in any number above). */
  warmupRequests: number;
  /** Measured window, from the run's start to its last response. */
  durationMs: number;
}

export interface BenchDelta {
  method: string;
  path: string;
  rps: { previous: number; current: number; changePct: number | null };
  p99Ms: { previous: number; current: number; changePct: number | null };
}

export interface BenchPrevious {
  id: string;
  createdAt: string;
  concurrency: number;
  durationMs: number;
}

export interface BenchDocument {
  schema: typeof BENCH_SCHEMA;
  id: string;
  createdAt: string;
  baseUrl: string;
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** Most errors (share, 0..1) an endpoint may have; above it the endpoint and the bench fail. */
  maxErrorRate: number;
  /** True when a signal stopped the bench: endpoints lists only those measured to the end. */
  aborted: boolean;
  endpoints: BenchEndpointResult[];
  previous: BenchPrevious | null;
  deltas: BenchDelta[];
}

/**
 * Runs one of the bench's runs to its summary: the caller's run session (src/session), which this
 * layer cannot import. `measured` is false for a warm-up (not recorded, not reported); `runId` is
 * the measured run's id, the one its result names.
 */
export type BenchRunner = (
  run: { test: PreparedTest; config: TestConfig },
  ctx: { entry: BenchPlanEntry; measured: boolean; runId: string | undefined },
) => Promise<{ result: RunResult; summary: Summary }>;

export interface BenchHooks {
  run: BenchRunner;
  /** An endpoint's measured run ended (called before the next endpoint starts). */
  onEndpoint?: (
    result: BenchEndpointResult,
    ctx: { index: number; total: number; summary: Summary; run: RunResult; entry: BenchPlanEntry },
  ) => void;
  /**
   * Aborted: the endpoints left are skipped, and the bench is marked aborted. The runner stops the
   * current run with the same signal.
   */
  signal?: AbortSignal;
  newId?: () => string;
  /** The bench's own id, when the caller chose it (the API answers it before the bench ends). */
  id?: string;
  now?: () => Date;
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

/** An endpoint's numbers from its run: one quick-mode request, so everything measured is that endpoint. */
export function endpointResult(
  entry: BenchPlanEntry,
  summary: Summary,
  run: RunResult,
  warmupRequests: number,
  maxErrorRate: number = BENCH_DEFAULTS.maxErrorRate,
): BenchEndpointResult {
  const head = headlineValues(summary);
  const requests = head.requests;
  const d = head.duration ?? {};
  const statuses: Record<string, number> = {};
  for (const e of summary.endpoints)
    for (const [k, v] of Object.entries(e.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  return {
    method: entry.endpoint.method,
    path: entry.endpoint.path,
    runId: run.runId,
    requests,
    rps: round1(requests / Math.max(0.001, run.durationMs / 1000)),
    latency: {
      avg: d.avg ?? 0,
      min: d.min ?? 0,
      p50: d.med ?? 0,
      p90: d['p(90)'] ?? 0,
      p95: d['p(95)'] ?? 0,
      p99: d['p(99)'] ?? 0,
      max: d.max ?? 0,
    },
    errorRate: head.errorRate,
    statuses,
    failed: head.errorRate > maxErrorRate,
    generatorSaturated: summary.generator.saturated,
    warmupRequests,
    durationMs: Math.round(run.durationMs),
  };
}

/**
 * Runs the plan: for each endpoint, the warm-up (its own short run, not counted), then the
 * measured run. Endpoints never overlap: a run returns only once every worker has finished.
 */
export async function runBench(plan: BenchPlan, hooks: BenchHooks): Promise<BenchDocument> {
  const doc: BenchDocument = {
    schema: BENCH_SCHEMA,
    id: hooks.id ?? (hooks.newId ?? randomUUID)(),
    createdAt: (hooks.now ?? (() => new Date()))().toISOString(),
    baseUrl: plan.baseUrl,
    concurrency: plan.concurrency,
    durationMs: plan.durationMs,
    warmupMs: plan.warmupMs,
    maxErrorRate: plan.maxErrorRate,
    aborted: false,
    endpoints: [],
    previous: null,
    deltas: [],
  };
  const onAbort = (): void => {
    doc.aborted = true;
  };
  hooks.signal?.addEventListener('abort', onAbort);
  try {
    for (const [index, entry] of plan.entries.entries()) {
      if (hooks.signal?.aborted) {
        doc.aborted = true;
        break;
      }
      let warmupRequests = 0;
      if (entry.warmup) {
        const w = await hooks.run(entry.warmup, { entry, measured: false, runId: undefined });
        warmupRequests = w.result.aggregator.total('http_reqs')?.sum ?? 0;
        if (doc.aborted) break;
      }
      const runId = (hooks.newId ?? randomUUID)();
      const { result: run, summary } = await hooks.run(entry, { entry, measured: true, runId });
      const result = endpointResult(entry, summary, run, warmupRequests, plan.maxErrorRate);
      hooks.onEndpoint?.(result, { index, total: plan.entries.length, summary, run, entry });
      // An endpoint cut short by the signal is reported to the hook (its run is stored as aborted),
      // but not in the bench: a shortened window is not comparable with the others.
      if (doc.aborted) break;
      doc.endpoints.push(result);
    }
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
  }
  return doc;
}

// ---------------------------------------------------------------------------------------------
// Deltas against the previous bench

const changePct = (previous: number, current: number): number | null =>
  previous === 0 ? null : round1(((current - previous) / previous) * 100);

/** Per endpoint present in both: rate and p99 then and now. */
export function benchDeltas(
  current: readonly BenchEndpointResult[],
  previous: readonly Pick<BenchEndpointResult, 'method' | 'path' | 'rps' | 'latency'>[],
): BenchDelta[] {
  const before = new Map(previous.map((p) => [endpointLabel(p), p]));
  const out: BenchDelta[] = [];
  for (const c of current) {
    const p = before.get(endpointLabel(c));
    if (!p) continue;
    out.push({
      method: c.method,
      path: c.path,
      rps: { previous: p.rps, current: c.rps, changePct: changePct(p.rps, c.rps) },
      p99Ms: {
        previous: p.latency.p99,
        current: c.latency.p99,
        changePct: changePct(p.latency.p99, c.latency.p99),
      },
    });
  }
  return out;
}

/** Sets `previous` and `deltas` of a bench from an earlier one of the same set (or clears them). */
export function withPrevious(doc: BenchDocument, previous: BenchDocument | undefined): BenchDocument {
  if (!previous) return { ...doc, previous: null, deltas: [] };
  return {
    ...doc,
    previous: {
      id: previous.id,
      createdAt: previous.createdAt,
      concurrency: previous.concurrency,
      durationMs: previous.durationMs,
    },
    deltas: benchDeltas(doc.endpoints, previous.endpoints),
  };
}

// ---------------------------------------------------------------------------------------------
// Text

/** Which way is better for a bench figure: requests per second up, latency down. */
export type ChangeSense = 'higher-is-better' | 'lower-is-better';

/** Whether a change is better or worse, and whether it is beyond `volley compare`'s tolerance. */
export function changeVerdict(
  changePct: number | null,
  sense: ChangeSense,
): { word: 'better' | 'worse' | 'same'; beyondTolerance: boolean } {
  if (changePct === null || changePct === 0) return { word: 'same', beyondTolerance: false };
  const up = changePct > 0;
  return {
    word: up === (sense === 'higher-is-better') ? 'better' : 'worse',
    beyondTolerance: Math.abs(changePct) > DEFAULT_COMPARE_OPTIONS.tolerance * 100,
  };
}

/**
 * `+12.3% ↑`, `-4.0% ↓`, `0.0% =`: the arrow is the direction of the value. With `sense`, the
 * verdict follows: `+12.3% ↑ worse` for latency, `+12.3% ↑ better` for requests per second.
 */
export function formatChange(changePct: number | null, sense?: ChangeSense): string {
  if (changePct === null) return 'n/a';
  const arrow = changePct > 0 ? '↑' : changePct < 0 ? '↓' : '=';
  const text = `${changePct > 0 ? '+' : ''}${changePct.toFixed(1)}% ${arrow}`;
  if (!sense) return text;
  const { word } = changeVerdict(changePct, sense);
  return word === 'same' ? text : `${text} ${word}`;
}

/** Requests per second for people: whole numbers from 100/s up, where a tenth is noise. */
const rate = (rps: number): string => count(rps >= 100 ? Math.round(rps) : rps);

/** `after a 1s warm-up`, or `with no warm-up`. */
export const warmupText = (warmupMs: number): string =>
  warmupMs > 0 ? `after a ${warmupMs / 1000}s warm-up` : 'with no warm-up';

/**
 * Responses by status, most frequent first: `200` when every response had it, else
 * `200 95.0%, 503 5.0%` (at most three, then `…`). Transport errors read `error:timeout`.
 */
export function statusText(statuses: Readonly<Record<string, number>>): string {
  const entries = Object.entries(statuses)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (entries.length === 0) return '-';
  if (entries.length === 1) return (entries[0] as [string, number])[0];
  const total = entries.reduce((t, [, n]) => t + n, 0);
  const shown = entries.slice(0, 3).map(([k, n]) => `${k} ${pct(n / total)}`);
  return `${shown.join(', ')}${entries.length > 3 ? ', …' : ''}`;
}

/** `✗ ` before an endpoint whose errors fail the bench. */
const mark = (r: Pick<BenchEndpointResult, 'failed'>): string => (r.failed ? '✗ ' : '');

/** The line printed when an endpoint's measured run ends. */
export function endpointLine(r: BenchEndpointResult, index: number, total: number): string {
  const sat = r.generatorSaturated ? '  [generator saturated]' : '';
  return `[${index + 1}/${total}] ${mark(r)}${endpointLabel(r)}: ${count(r.requests)} requests, ${rate(r.rps)} req/s, p50 ${ms(r.latency.p50)}, p99 ${ms(r.latency.p99)}, errors ${pct(r.errorRate)}, status ${statusText(r.statuses)}${sat}`;
}

/** How many endpoints failed, or undefined when none did. */
export function benchFailure(doc: Pick<BenchDocument, 'endpoints' | 'maxErrorRate'>): string | undefined {
  const failed = doc.endpoints.filter((e) => e.failed);
  if (failed.length === 0) return undefined;
  const limit = doc.maxErrorRate === 0 ? 'any error fails an endpoint' : `limit ${pct(doc.maxErrorRate)}`;
  return (
    `✗ FAILED: ${failed.length} of ${doc.endpoints.length} endpoint${doc.endpoints.length === 1 ? '' : 's'} had errors (${limit}; --max-error-rate): ` +
    failed
      .map((e) => `${endpointLabel(e)} errors ${pct(e.errorRate)}, status ${statusText(e.statuses)}`)
      .join('; ')
  );
}

/** The result table, with delta columns when a previous bench exists. */
export function renderBench(
  doc: BenchDocument,
  opts: { stored: boolean; color?: boolean } = { stored: true },
): string {
  const deltas = new Map(doc.deltas.map((d) => [endpointLabel(d), d]));
  const withDeltas = doc.previous !== null;
  const header = ['endpoint', 'requests', 'rate', 'p50', 'p95', 'p99', 'max', 'errors', 'status'];
  if (withDeltas) header.push('Δ rate (↑ better)', 'Δ p99 (↓ better)');
  // Colour after padding (escape codes would count as width): red worse, green better, beyond
  // volley compare's tolerance; smaller changes stay plain.
  const paint = (text: string, changePct: number | null, sense: ChangeSense): string => {
    const v = changeVerdict(changePct, sense);
    if (!opts.color || !v.beyondTolerance) return text;
    return `\x1b[${v.word === 'worse' ? '31' : '32'}m${text}\x1b[0m`;
  };
  const rows = [header];
  for (const e of doc.endpoints) {
    const row = [
      `${mark(e)}${endpointLabel(e)}${e.generatorSaturated ? ' *' : ''}`,
      count(e.requests),
      `${rate(e.rps)}/s`,
      ms(e.latency.p50),
      ms(e.latency.p95),
      ms(e.latency.p99),
      ms(e.latency.max),
      pct(e.errorRate),
      statusText(e.statuses),
    ];
    if (withDeltas) {
      const d = deltas.get(endpointLabel(e));
      row.push(
        formatChange(d?.rps.changePct ?? null, 'higher-is-better'),
        formatChange(d?.p99Ms.changePct ?? null, 'lower-is-better'),
      );
    }
    rows.push(row);
  }
  // Signed changes (`+9.6% ↑`) do not look numeric to table(): right-align them here.
  if (withDeltas)
    for (const col of [header.length - 2, header.length - 1]) {
      const width = Math.max(...rows.slice(1).map((r) => [...(r[col] as string)].length));
      for (const r of rows.slice(1)) r[col] = (r[col] as string).padStart(width);
    }
  const table_ = table(rows);
  const painted = !withDeltas
    ? table_
    : table_
        .split('\n')
        .map((line, i) => {
          const e = i >= 1 ? doc.endpoints[i - 1] : undefined;
          const d = e ? deltas.get(endpointLabel(e)) : undefined;
          if (!d) return line;
          const rate = formatChange(d.rps.changePct, 'higher-is-better');
          const p99 = formatChange(d.p99Ms.changePct, 'lower-is-better');
          const at = line.lastIndexOf(p99);
          const rateAt = line.lastIndexOf(rate, at - 1);
          if (at < 0 || rateAt < 0) return line;
          return (
            line.slice(0, rateAt) +
            paint(rate, d.rps.changePct, 'higher-is-better') +
            line.slice(rateAt + rate.length, at) +
            paint(p99, d.p99Ms.changePct, 'lower-is-better') +
            line.slice(at + p99.length)
          );
        })
        .join('\n');
  if (doc.endpoints.length === 0)
    return `bench stopped before any endpoint was measured to the end: nothing to report\n`;
  const lines = [
    `bench ${doc.id.slice(0, 8)}: ${doc.baseUrl}, concurrency ${doc.concurrency}, ${doc.durationMs / 1000}s per endpoint ${warmupText(doc.warmupMs)}${doc.aborted ? ' (stopped early)' : ''}`,
    '',
    painted,
  ];
  if (doc.endpoints.some((e) => e.generatorSaturated))
    lines.push(
      '',
      '* generator saturated while measuring this endpoint: its numbers may describe volley, not the target (try --workers, or a lower --concurrency)',
    );
  if (doc.previous) {
    const p = doc.previous;
    const differs =
      p.concurrency !== doc.concurrency || p.durationMs !== doc.durationMs
        ? ` — note: it ran at concurrency ${p.concurrency} for ${p.durationMs / 1000}s, so the deltas compare different loads`
        : '';
    lines.push('', `Δ against bench ${p.id.slice(0, 8)} of ${p.createdAt}${differs}`);
  } else if (doc.aborted) lines.push('', 'stopped early: not stored as a bench, not compared');
  else if (!opts.stored) lines.push('', 'not stored (--no-store): not compared with a previous bench');
  else lines.push('', 'no previous bench of this endpoint set against this base URL: no deltas');
  const failure = benchFailure(doc);
  const passed =
    doc.maxErrorRate === 0
      ? '✓ no endpoint had errors'
      : `✓ every endpoint's error rate is within --max-error-rate ${pct(doc.maxErrorRate)}`;
  lines.push('', failure ?? passed);
  return `${lines.join('\n')}\n`;
}
