/**
 * Quick mode: `volley run --url URL [--rate N | --vus N] ...` turned into one scenario and one
 * request. Every problem with the flags is collected and reported at once.
 */
import { readFileSync } from 'node:fs';
import { VolleyError } from '../errors.js';
import { parseDurationRangeMs, tryParseDurationMs } from '../config/duration.js';
import type {
  QuickRequest,
  ScenarioConfig,
  StageConfig,
  TestConfig,
  ThresholdSpec,
} from '../config/types.js';
import { parseCliThreshold } from '../thresholds/parse.js';
import { httpDepthFlags } from '../protocols/http/depth-options.js';
import { grpcQuickRequest, type GrpcQuickFlags } from '../protocols/grpc/quick-config.js';

export interface QuickFlags extends GrpcQuickFlags {
  grpcChannel?: string;
  url?: string;
  rate?: string;
  vus?: string;
  maxVus?: string;
  duration?: string;
  iterations?: string;
  executor?: string;
  stage?: string[];
  method?: string;
  header?: string[];
  body?: string;
  /** The body is the text itself, never `@file` (bodies that arrive over the API). */
  literalBody?: boolean;
  timeout?: string;
  threshold?: string[];
  workers?: string;
  maxRedirects?: string;
  insecure?: boolean;
  http2?: boolean;
  fastPath?: boolean;
  grace?: string;
  gracefulStop?: string;
  tag?: string[];
  precise?: boolean;
  think?: string;
  expectedStatus?: string;
  ca?: string;
  cert?: string;
  key?: string;
  proxy?: string;
  http2Connections?: string;
  http2Streams?: string;
  wsMessagesPerSession?: string;
}

export const QUICK_DEFAULTS = { vus: 10, duration: '10s', timeout: '10s', grace: '5s' } as const;

function int(text: string | undefined, flag: string, min: number, errors: string[]): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) {
    errors.push(`${flag} must be an integer >= ${min} (got '${text}')`);
    return undefined;
  }
  return n;
}

export function positiveNumber(text: string | undefined, flag: string, errors: string[]): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) {
    errors.push(`${flag} must be a number > 0 (got '${text}')`);
    return undefined;
  }
  return n;
}

function duration(text: string | undefined, flag: string, errors: string[]): string | undefined {
  if (text === undefined) return undefined;
  const ms = tryParseDurationMs(text);
  if (ms === undefined) errors.push(`${flag}: malformed duration '${text}' (use e.g. 500ms, 30s, 1m30s)`);
  else if (ms <= 0) errors.push(`${flag} must be longer than 0 (got '${text}')`);
  return text;
}

/** `-H 'Name: value'` → [name, value]. */
function header(text: string, errors: string[]): [string, string] | undefined {
  const idx = text.indexOf(':');
  const name = idx > 0 ? text.slice(0, idx).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    errors.push(`-H '${text}' is not a header: use 'Name: value'`);
    return undefined;
  }
  return [name, text.slice(idx + 1).trim()];
}

export function validateUrl(text: string | undefined, errors: string[]): URL | undefined {
  if (text === undefined) {
    errors.push('--url is required (e.g. --url http://127.0.0.1:8117/api/teams)');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    errors.push(`--url '${text}' is not a valid URL (e.g. http://127.0.0.1:8117/health)`);
    return undefined;
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    errors.push(`--url '${text}': only http://, https://, ws:// and wss:// are supported`);
    return undefined;
  }
  if (url.hostname === '') {
    errors.push(`--url '${text}' has no host`);
    return undefined;
  }
  return url;
}

function readBody(body: string | undefined, literal: boolean, errors: string[]): string | undefined {
  if (body === undefined || literal || !body.startsWith('@')) return body;
  const path = body.slice(1);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    errors.push(`--body @${path}: cannot read the file (${code === 'ENOENT' ? 'no such file' : code})`);
    return undefined;
  }
}

function stages(list: readonly string[] | undefined, errors: string[]): StageConfig[] | undefined {
  if (!list || list.length === 0) return undefined;
  const out: StageConfig[] = [];
  for (const s of list) {
    const m = /^([^:]+):(\d+(?:\.\d+)?)$/.exec(s.trim());
    if (!m || tryParseDurationMs(m[1] as string) === undefined) {
      errors.push(`--stage '${s}' must be DURATION:TARGET, e.g. 30s:100`);
      continue;
    }
    out.push({ duration: m[1] as string, target: Number(m[2]) });
  }
  return out;
}

/** `--tag NAME=VALUE` flags (shared by quick mode and test files). */
export function parseTagFlags(list: readonly string[] | undefined, errors: string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of list ?? []) {
    const idx = t.indexOf('=');
    if (idx <= 0) errors.push(`--tag '${t}' must be NAME=VALUE`);
    else tags[t.slice(0, idx)] = t.slice(idx + 1);
  }
  return tags;
}

/** `--threshold METRIC:EXPR[:abortOnFail[=delay]]` flags, grouped by metric key. */
export function parseThresholdFlags(
  list: readonly string[] | undefined,
  errors: string[],
): Record<string, ThresholdSpec[]> {
  const thresholds: Record<string, ThresholdSpec[]> = {};
  for (const t of list ?? []) {
    const parsed = parseCliThreshold(t);
    if (typeof parsed === 'string') errors.push(parsed);
    else (thresholds[parsed.key] ??= []).push(parsed.spec);
  }
  return thresholds;
}

/** Builds the scenario and request from quick-mode flags, or throws with every problem listed. */
export function quickConfig(flags: QuickFlags): TestConfig {
  const errors: string[] = [];
  // `--grpc HOST:PORT` is quick mode over gRPC: no --url.
  const grpc = flags.grpc !== undefined;
  if (grpc && flags.url !== undefined) errors.push('give either --url or --grpc, not both');
  const url = grpc ? undefined : validateUrl(flags.url, errors);
  const rate = positiveNumber(flags.rate, '--rate', errors);
  const vus = int(flags.vus, '--vus', 1, errors);
  const maxVus = int(flags.maxVus, '--max-vus', 1, errors);
  const iterations = int(flags.iterations, '--iterations', 1, errors);
  const dur = duration(flags.duration, '--duration', errors);
  const timeout = duration(flags.timeout ?? QUICK_DEFAULTS.timeout, '--timeout', errors);
  const grace = flags.grace ?? QUICK_DEFAULTS.grace;
  if (tryParseDurationMs(grace) === undefined) errors.push(`--grace: malformed duration '${grace}'`);
  if (flags.gracefulStop !== undefined && tryParseDurationMs(flags.gracefulStop) === undefined) {
    errors.push(`--graceful-stop: malformed duration '${flags.gracefulStop}'`);
  }
  const maxRedirects = int(flags.maxRedirects ?? '0', '--max-redirects', 0, errors);
  const stageList = stages(flags.stage, errors);
  const wsPerSession = int(flags.wsMessagesPerSession, '--ws-messages-per-session', 0, errors);
  if (wsPerSession !== undefined && url !== undefined && url.protocol !== 'ws:' && url.protocol !== 'wss:')
    errors.push('--ws-messages-per-session applies to ws:// and wss:// URLs');
  let workers = 0;
  if (flags.workers !== undefined && flags.workers !== 'auto')
    workers = int(flags.workers, '--workers', 1, errors) ?? 0;
  const headers: Record<string, string> = {};
  for (const h of flags.header ?? []) {
    const kv = header(h, errors);
    if (kv) headers[kv[0]] = kv[1];
  }
  const tags = parseTagFlags(flags.tag, errors);
  const depth = httpDepthFlags(flags, errors);
  if (flags.http2 !== true)
    for (const f of ['http2Connections', 'http2Streams'] as const)
      if (flags[f] !== undefined)
        errors.push(`--${f === 'http2Streams' ? 'http2-streams' : 'http2-connections'} needs --http2`);
  const body = readBody(flags.body, flags.literalBody === true, errors);
  const thinkMs = flags.think === undefined ? undefined : parseDurationRangeMs(flags.think);
  if (flags.think !== undefined && thinkMs === undefined)
    errors.push(`--think '${flags.think}' must be a duration or a range like 1s or 1-3s`);
  const method = (flags.method ?? (body !== undefined ? 'POST' : 'GET')).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) errors.push(`-X '${flags.method}' is not an HTTP method`);
  if (
    flags.iterations !== undefined &&
    flags.duration !== undefined &&
    flags.rate === undefined &&
    flags.executor === undefined
  ) {
    errors.push(
      'use either --duration or --iterations, not both (or pick --executor per-vu-iterations|shared-iterations, where --duration is the maximum)',
    );
  }
  if (flags.think !== undefined && flags.rate !== undefined) {
    errors.push('--think applies to closed-loop VUs: with --rate the arrival rate sets the pace');
  }

  const thresholds = parseThresholdFlags(flags.threshold, errors);

  const scenario: ScenarioConfig = { executor: flags.executor ?? '' };
  if (flags.gracefulStop !== undefined) scenario.gracefulStop = flags.gracefulStop;
  if (!flags.executor) {
    if (rate !== undefined) {
      scenario.executor = stageList ? 'ramping-arrival-rate' : 'constant-arrival-rate';
    } else if (stageList) scenario.executor = 'ramping-vus';
    else if (iterations !== undefined) scenario.executor = 'shared-iterations';
    else scenario.executor = 'constant-vus';
  }
  const open =
    ['constant-arrival-rate', 'ramping-arrival-rate'].includes(scenario.executor) ||
    (scenario.executor === 'externally-controlled' && rate !== undefined);
  if (open) {
    const peak = Math.max(rate ?? 0, ...(stageList ?? []).map((s) => s.target));
    const pre = vus ?? Math.min(maxVus ?? Infinity, Math.max(10, Math.ceil(peak / 100)));
    scenario.preAllocatedVUs = pre;
    scenario.maxVUs = maxVus ?? Math.max(pre, Math.min(Math.ceil(peak), 1000));
    if (scenario.executor === 'ramping-arrival-rate') {
      scenario.startRate = rate ?? 0;
      if (stageList) scenario.stages = stageList;
    } else {
      if (rate !== undefined) scenario.rate = rate;
      const d =
        dur ??
        (iterations !== undefined && rate !== undefined ? `${iterations / rate}s` : QUICK_DEFAULTS.duration);
      scenario.duration = d;
    }
  } else {
    switch (scenario.executor) {
      case 'ramping-vus':
        scenario.startVUs = vus ?? 0;
        if (stageList) scenario.stages = stageList;
        break;
      case 'shared-iterations':
      case 'per-vu-iterations':
        scenario.vus =
          vus ??
          (scenario.executor === 'per-vu-iterations'
            ? 1
            : Math.min(QUICK_DEFAULTS.vus, iterations ?? QUICK_DEFAULTS.vus));
        scenario.iterations = iterations ?? 1;
        if (dur !== undefined) scenario.maxDuration = dur;
        break;
      case 'externally-controlled':
        scenario.vus = vus ?? QUICK_DEFAULTS.vus;
        scenario.maxVUs = maxVus ?? Math.max(scenario.vus, 100);
        scenario.duration = dur ?? QUICK_DEFAULTS.duration;
        break;
      default:
        scenario.vus = vus ?? QUICK_DEFAULTS.vus;
        scenario.duration = dur ?? QUICK_DEFAULTS.duration;
    }
  }
  const grpcRequest =
    grpc && errors.length === 0
      ? grpcQuickRequest(flags, depth.tls, tryParseDurationMs(timeout as string) as number, errors)
      : undefined;
  if (errors.length > 0) {
    throw new VolleyError('INVALID_USAGE', errors[0] as string, { details: errors });
  }
  const request: QuickRequest = {
    method,
    url: url?.href ?? '',
    headers,
    timeoutMs: tryParseDurationMs(timeout as string) as number,
    maxRedirects: maxRedirects ?? 0,
  };
  if (body !== undefined) request.body = body;
  if (thinkMs !== undefined) request.thinkMs = thinkMs;
  return {
    scenarios: { default: scenario },
    thresholds,
    ...(grpcRequest ? { grpcRequest } : { request }),
    ...(flags.grpcChannel === 'worker' ? { grpc: { channel: 'worker' as const } } : {}),
    workers,
    http: {
      fastPath: flags.fastPath !== false,
      insecureSkipTLSVerify: flags.insecure === true,
      http2: flags.http2 === true,
      ...depth,
    },
    ...(wsPerSession === undefined ? {} : { ws: { messagesPerSession: wsPerSession } }),
    stopGraceMs: tryParseDurationMs(grace) as number,
    tags,
    windowSeconds: 10,
    preciseSchedule: flags.precise === true,
  };
}
