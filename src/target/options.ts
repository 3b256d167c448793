import { tryParseDurationMs } from '../config/duration.js';
import { VolleyError } from '../errors.js';

/** What `volley target` is started with. Strings stay strings so the same object works from flags and code. */
export interface TargetOptions {
  port: number;
  host: string;
  /** `'0'` (default), a fixed delay such as `'20ms'`, or a uniform range such as `'20-80ms'`. */
  latency?: string;
  /** Fraction (0..1) of requests answered 500. */
  errorRate?: number;
  /** `'<stall>/<period>'`, e.g. `'1s/5s'`: the process blocks for 1 s every 5 s. */
  stall?: string;
  /** Concurrent requests admitted; the rest get 503 at once. Unlimited when absent. */
  maxInflight?: number;
  /** Seeds the error and latency draws so runs are reproducible. Default 1. */
  seed?: number;
  /** Idempotency keys remembered (oldest forgotten first). Default 1,000,000. */
  maxTasks?: number;
  /** Login tokens remembered (oldest forgotten first). Default 100,000. */
  maxTokens?: number;
  /** The gRPC task queue's port (0 = any free port); absent: no gRPC service. */
  grpcPort?: number;
}

export const DEFAULT_TARGET_PORT = 8117;
export const DEFAULT_TARGET_HOST = '127.0.0.1';
export const DEFAULT_TARGET_GRPC_PORT = 8118;
export const DEFAULT_MAX_TASKS = 1_000_000;
export const DEFAULT_MAX_TOKENS = 100_000;

/** The knobs in the form the server uses them. */
export interface ResolvedKnobs {
  latencyMinMs: number;
  latencyMaxMs: number;
  errorRate: number;
  /** 0 = no stalls. */
  stallMs: number;
  stallPeriodMs: number;
  /** 0 = unlimited. */
  maxInflight: number;
  seed: number;
  maxTasks: number;
  maxTokens: number;
}

export interface RawTargetOptions {
  port?: string;
  host?: string;
  latency?: string;
  errorRate?: string;
  stall?: string;
  maxInflight?: string;
  seed?: string;
  grpcPort?: string;
}

/** Reads a duration that must carry a unit unless it is zero (`--latency 20` would otherwise mean 20 s). */
function durationWithUnit(text: string): number | 'no-unit' | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) === 0 ? 0 : 'no-unit';
  return tryParseDurationMs(t);
}

/** Parses `'0'`, `'20ms'`, `'20-80ms'` or `'20ms-80ms'` into a [min, max] range in ms, or returns a problem. */
export function parseLatency(text: string): { minMs: number; maxMs: number } | string {
  const t = text.trim();
  const bad = `latency: '${text}' is not a delay or range (use '0', '20ms' or '20-80ms')`;
  if (t === '') return bad;
  const parts = t.split('-');
  if (parts.length > 2) return bad;
  if (parts.length === 1) {
    const ms = durationWithUnit(t);
    if (ms === 'no-unit') return `latency: '${text}' needs a unit, e.g. '${t}ms'`;
    if (ms === undefined) return bad;
    return { minMs: ms, maxMs: ms };
  }
  const [lowText, highText] = parts as [string, string];
  const high = durationWithUnit(highText);
  if (high === 'no-unit') return `latency: '${text}' needs a unit, e.g. '${t}ms'`;
  if (high === undefined) return bad;
  // '20-80ms': the low end borrows the high end's unit.
  let low: number | 'no-unit' | undefined = durationWithUnit(lowText);
  if (low === 'no-unit') {
    const unit = /[a-zµ]+$/.exec(highText.trim())?.[0] ?? '';
    low = tryParseDurationMs(`${lowText.trim()}${unit}`);
  }
  if (low === undefined) return bad;
  if (low > high) return `latency: range '${text}' has its low end above its high end`;
  return { minMs: low, maxMs: high };
}

/** Parses `'1s/5s'` into stall and period in ms, or returns a problem. */
export function parseStall(text: string): { stallMs: number; periodMs: number } | string {
  const parts = text.split('/');
  const bad = `stall: '${text}' is not '<stall>/<period>' (e.g. '1s/5s')`;
  if (parts.length !== 2) return bad;
  const stallMs = tryParseDurationMs(parts[0] as string);
  const periodMs = tryParseDurationMs(parts[1] as string);
  if (stallMs === undefined || periodMs === undefined) return bad;
  if (stallMs <= 0) return `stall: '${text}' has a zero stall; leave --stall out to disable stalls`;
  if (stallMs >= periodMs)
    return `stall: '${text}' stalls at least as long as its period; the stall must be shorter`;
  return { stallMs, periodMs };
}

function parseIntIn(text: string, min: number, max: number): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return n >= min && n <= max ? n : undefined;
}

/**
 * Turns CLI strings into `TargetOptions`. Every bad value is reported in one `VolleyError`
 * (`details` holds one line per problem), so a user fixes them all in one go.
 */
export function parseTargetOptions(raw: RawTargetOptions): TargetOptions {
  const problems: string[] = [];
  const options: TargetOptions = { port: DEFAULT_TARGET_PORT, host: DEFAULT_TARGET_HOST };

  if (raw.port !== undefined) {
    const port = parseIntIn(raw.port, 0, 65_535);
    if (port === undefined)
      problems.push(`port: '${raw.port}' is not a port number (0-65535; 0 picks a free port)`);
    else options.port = port;
  }
  if (raw.host !== undefined) {
    if (raw.host.trim() === '') problems.push('host: must not be empty');
    else options.host = raw.host.trim();
  }
  if (raw.latency !== undefined) {
    const latency = parseLatency(raw.latency);
    if (typeof latency === 'string') problems.push(latency);
    else options.latency = raw.latency.trim();
  }
  if (raw.errorRate !== undefined) {
    const t = raw.errorRate.trim();
    const percent = t.endsWith('%');
    const n = /^\d+(\.\d+)?%?$/.test(t) ? Number(percent ? t.slice(0, -1) : t) / (percent ? 100 : 1) : NaN;
    if (!(n >= 0 && n <= 1)) {
      problems.push(`error-rate: '${raw.errorRate}' is not a fraction between 0 and 1 (e.g. 0.01 or 1%)`);
    } else options.errorRate = n;
  }
  if (raw.stall !== undefined) {
    const stall = parseStall(raw.stall);
    if (typeof stall === 'string') problems.push(stall);
    else options.stall = raw.stall.trim();
  }
  if (raw.maxInflight !== undefined) {
    const n = parseIntIn(raw.maxInflight, 1, Number.MAX_SAFE_INTEGER);
    if (n === undefined)
      problems.push(`max-inflight: '${raw.maxInflight}' is not a whole number of at least 1`);
    else options.maxInflight = n;
  }
  if (raw.seed !== undefined) {
    const n = parseIntIn(raw.seed, 0, 0xffff_ffff);
    if (n === undefined) problems.push(`seed: '${raw.seed}' is not a whole number between 0 and 4294967295`);
    else options.seed = n;
  }
  if (raw.grpcPort !== undefined) {
    const port = parseIntIn(raw.grpcPort, 0, 65_535);
    if (port === undefined)
      problems.push(`grpc-port: '${raw.grpcPort}' is not a port number (0-65535; 0 picks a free port)`);
    else options.grpcPort = port;
  }

  throwIfProblems(problems);
  return options;
}

function throwIfProblems(problems: string[]): void {
  if (problems.length === 0) return;
  const message =
    problems.length === 1
      ? `invalid target option: ${problems[0] as string}`
      : `${problems.length} invalid target options: ${problems.join('; ')}`;
  throw new VolleyError('INVALID_USAGE', message, {
    details: problems,
    hint: "see 'volley target --help' or docs/target.md",
  });
}

/** Validates `TargetOptions` (also when built in code rather than parsed) and resolves the knobs. */
export function resolveKnobs(options: TargetOptions): ResolvedKnobs {
  const problems: string[] = [];
  const knobs: ResolvedKnobs = {
    latencyMinMs: 0,
    latencyMaxMs: 0,
    errorRate: 0,
    stallMs: 0,
    stallPeriodMs: 0,
    maxInflight: 0,
    seed: 1,
    maxTasks: DEFAULT_MAX_TASKS,
    maxTokens: DEFAULT_MAX_TOKENS,
  };
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) {
    problems.push(`port: ${String(options.port)} is not a port number (0-65535)`);
  }
  if (typeof options.host !== 'string' || options.host === '') problems.push('host: must not be empty');
  if (options.latency !== undefined) {
    const latency = parseLatency(options.latency);
    if (typeof latency === 'string') problems.push(latency);
    else {
      knobs.latencyMinMs = latency.minMs;
      knobs.latencyMaxMs = latency.maxMs;
    }
  }
  if (options.errorRate !== undefined) {
    if (!(options.errorRate >= 0 && options.errorRate <= 1)) {
      problems.push(`error-rate: ${String(options.errorRate)} is not between 0 and 1`);
    } else knobs.errorRate = options.errorRate;
  }
  if (options.stall !== undefined) {
    const stall = parseStall(options.stall);
    if (typeof stall === 'string') problems.push(stall);
    else {
      knobs.stallMs = stall.stallMs;
      knobs.stallPeriodMs = stall.periodMs;
    }
  }
  const positiveInt = (value: number | undefined, name: string, apply: (n: number) => void): void => {
    if (value === undefined) return;
    if (!Number.isSafeInteger(value) || value < 1)
      problems.push(`${name}: ${String(value)} is not a whole number of at least 1`);
    else apply(value);
  };
  positiveInt(options.maxInflight, 'max-inflight', (n) => (knobs.maxInflight = n));
  positiveInt(options.maxTasks, 'max-tasks', (n) => (knobs.maxTasks = n));
  positiveInt(options.maxTokens, 'max-tokens', (n) => (knobs.maxTokens = n));
  if (options.seed !== undefined) {
    if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffff_ffff) {
      problems.push(`seed: ${String(options.seed)} is not a whole number between 0 and 4294967295`);
    } else knobs.seed = options.seed;
  }
  throwIfProblems(problems);
  return knobs;
}
