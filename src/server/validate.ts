/**
 * Request bodies of the API, validated with JSON Schema: every problem listed, as a 400. Every
 * number, string, list and the nesting depth is bounded, so no body reaches code that cannot
 * take it (SQLite integers, recursive writers, timers).
 */
import { Ajv, type ErrorObject } from 'ajv';
import { tryParseDurationMs } from '../config/duration.js';
import { parseEndpointSpec } from '../analysis/bench.js';
import {
  DURATION_SCHEMA,
  DURATION_FIELDS,
  FIELD_PROBLEMS,
  FILE_RUN_PROPERTIES,
  MAX_DURATION_MS,
  QUICK_BODY_SCHEMA,
} from '../session/run-options.js';
import { parseFraction } from '../analysis/compare.js';
import type { ScheduleWebhook } from '../store/schedule-store.js';
import { cronProblem } from './scheduler.js';
import type {
  BenchRunBody,
  ControlRunBody,
  CreateRunBody,
  CreateScheduleBody,
  StressRunBody,
} from './wire.js';

/** Deeper than any real test document; recursive code downstream must never see more. */
const MAX_DEPTH = 64;

const envMap = {
  type: 'object',
  propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 256 },
  additionalProperties: { type: 'string', maxLength: 65_536 },
  maxProperties: 1000,
};
const scenarios = {
  type: 'array',
  items: { type: 'string', minLength: 1, maxLength: 256 },
  maxItems: 100,
};
const CONFIG = {
  type: 'object',
  additionalProperties: false,
  required: ['config'],
  properties: { config: { type: 'object' }, env: envMap, scenarios, ...FILE_RUN_PROPERTIES },
};
const SCRIPT = {
  type: 'object',
  additionalProperties: false,
  required: ['script'],
  properties: {
    script: { type: 'string', minLength: 1, maxLength: 1024 },
    env: envMap,
    scenarios,
    ...FILE_RUN_PROPERTIES,
  },
};
const CONTROL = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    scenario: { type: 'string', minLength: 1, maxLength: 256 },
    vus: { type: 'integer', minimum: 0, maximum: 1_000_000 },
    rate: { type: 'number', minimum: 0, maximum: 10_000_000 },
  },
};

const HEADERS = {
  type: 'object',
  propertyNames: { pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", maxLength: 256 },
  additionalProperties: { type: 'string', pattern: '^[^\\r\\n]*$', maxLength: 16_384 },
  maxProperties: 100,
};
const URL_FIELD = { type: 'string', pattern: '^https?://', maxLength: 4096 };
/** 0.05 or '5%' (parseShare in src/cli/stress-command.ts reads both). */
const SHARE = {
  anyOf: [
    { type: 'number', minimum: 0, maximum: 1 },
    { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?%?\\s*$', maxLength: 32 },
  ],
};
const STRESS = {
  type: 'object',
  additionalProperties: false,
  properties: {
    url: URL_FIELD,
    script: { type: 'string', minLength: 1, maxLength: 1024 },
    scenario: { type: 'string', minLength: 1, maxLength: 256 },
    env: envMap,
    method: { type: 'string', pattern: '^[A-Za-z]+$', maxLength: 20 },
    headers: HEADERS,
    body: { type: 'string', maxLength: 1_048_576 },
    timeout: DURATION_SCHEMA,
    startRate: { type: 'number', exclusiveMinimum: 0, maximum: 10_000_000 },
    maxRate: { type: 'number', exclusiveMinimum: 0, maximum: 10_000_000 },
    probeDuration: DURATION_SCHEMA,
    cooldown: DURATION_SCHEMA,
    errorThreshold: SHARE,
    slos: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 256 }, maxItems: 50 },
    resolution: SHARE,
    maxVus: { type: 'integer', minimum: 1, maximum: 100_000 },
    maxProbes: { type: 'integer', minimum: 1, maximum: 100 },
    workers: { type: 'integer', minimum: 1, maximum: 1024 },
    insecure: { type: 'boolean' },
  },
};
const BENCH = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'endpoints'],
  properties: {
    url: URL_FIELD,
    endpoints: {
      type: 'array',
      minItems: 1,
      maxItems: 200,
      items: { type: 'string', minLength: 1, maxLength: 4096 },
    },
    concurrency: { type: 'integer', minimum: 1, maximum: 100_000 },
    duration: DURATION_SCHEMA,
    warmup: DURATION_SCHEMA,
    headers: HEADERS,
    timeout: DURATION_SCHEMA,
    maxErrorRate: SHARE,
    workers: { type: 'integer', minimum: 1, maximum: 1024 },
    insecure: { type: 'boolean' },
  },
};

const SCHEDULE_PROPERTIES = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  cron: { type: 'string', minLength: 1, maxLength: 200 },
  run: { type: 'object' },
  baseline: { type: 'string', minLength: 1, maxLength: 100 },
  tolerance: {
    anyOf: [
      { type: 'number', minimum: 0, maximum: 10 },
      { type: 'string', minLength: 1, maxLength: 20 },
    ],
  },
  webhooks: {
    type: 'array',
    maxItems: 10,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', pattern: '^https?://', maxLength: 2048 },
        format: { enum: ['json', 'slack'] },
      },
    },
  },
  paused: { type: 'boolean' },
};
const SCHEDULE = {
  type: 'object',
  additionalProperties: false,
  required: ['cron', 'run'],
  properties: SCHEDULE_PROPERTIES,
};
const SCHEDULE_PATCH = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: SCHEDULE_PROPERTIES,
};

const ajv = new Ajv({ allErrors: true, strict: true });
// Quick mode's fields are the run options' (src/session/run-options.ts): the CLI's flags and the form's fields.
const quick = ajv.compile(QUICK_BODY_SCHEMA);
const config = ajv.compile(CONFIG);
const script = ajv.compile(SCRIPT);
const control = ajv.compile(CONTROL);
const stress = ajv.compile(STRESS);
const bench = ajv.compile(BENCH);
const schedule = ajv.compile(SCHEDULE);
const schedulePatch = ajv.compile(SCHEDULE_PATCH);

function describe(errors: readonly ErrorObject[] | null | undefined): string[] {
  const said = new Set<string>();
  return (errors ?? []).flatMap((e) => {
    const at = e.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : 'body';
    // A field with one problem text (agents: integer or 'all') says it once, whatever keywords failed.
    const own = FIELD_PROBLEMS[at];
    if (own !== undefined) {
      if (said.has(at)) return [];
      said.add(at);
      return [`${at}: ${own}`];
    }
    return [describeOne(e, at)];
  });
}

function describeOne(e: ErrorObject, at: string): string {
  if (e.keyword === 'additionalProperties')
    return `${at}: unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'`;
  if (e.keyword === 'pattern' && /^webhooks\.\d+\.url$/.test(at))
    return `${at}: must start with http:// or https://`;
  if (at === 'tolerance' && e.keyword === 'anyOf')
    return 'tolerance: a fraction like 0.1 or a percentage like "10%"';
  if (e.keyword === 'pattern' && at === 'url')
    return 'url: must start with http://, https://, ws:// or wss://';
  if (e.keyword === 'anyOf') return `${at}: must be a share, a number from 0 to 1 or a percentage like '5%'`;
  if (e.keyword === 'pattern' && (DURATION_FIELDS as readonly string[]).includes(at))
    return `${at}: must be a duration like 30s, 1m30s or 250ms`;
  return `${at}: ${e.message ?? e.keyword}`;
}

/**
 * Where a value first goes deeper than MAX_DEPTH (a path like config.a.b), or undefined. An
 * explicit stack, not recursion: the point is to survive bodies that would overflow the call stack.
 */
function tooDeep(value: unknown): string | undefined {
  const stack: { v: unknown; depth: number; path: string }[] = [{ v: value, depth: 0, path: 'body' }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop() as { v: unknown; depth: number; path: string };
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_DEPTH) return path.length > 120 ? `${path.slice(0, 120)}…` : path;
    for (const [k, child] of Object.entries(v)) {
      if (path.length <= 120)
        stack.push({ v: child, depth: depth + 1, path: path === 'body' ? k : `${path}.${k}` });
      else stack.push({ v: child, depth: depth + 1, path });
    }
  }
  return undefined;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** Which of the three bodies it is is decided by its key field (url, config or script). */
export function validateCreateRun(body: unknown): Validated<CreateRunBody> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, errors: ['body: must be a JSON object'] };
  const keys = ['url', 'config', 'script'].filter((k) => k in body);
  if (keys.length !== 1)
    return {
      ok: false,
      errors: [
        keys.length === 0
          ? 'body: give url (quick mode), config (a declarative test) or script (a file in the scripts folder)'
          : `body: give only one of ${keys.join(', ')}`,
      ],
    };
  const deep = tooDeep(body);
  if (deep) return { ok: false, errors: [`${deep}: nested more than ${MAX_DEPTH} levels deep`] };
  const check = keys[0] === 'url' ? quick : keys[0] === 'config' ? config : script;
  if (!check(body)) return { ok: false, errors: describe(check.errors) };
  const b = body as unknown as CreateRunBody;
  if ('url' in b) {
    const long = DURATION_FIELDS.filter(
      (k) => b[k] !== undefined && !((tryParseDurationMs(b[k] as string) ?? Infinity) <= MAX_DURATION_MS),
    );
    if (long.length > 0) return { ok: false, errors: long.map((k) => `${k}: must be at most 30d`) };
  }
  if ('url' in b && b.rate === undefined && b.vus === undefined && b.executor === undefined)
    return { ok: false, errors: ['body: give rate (arrivals per second, open loop) or vus (closed loop)'] };
  return { ok: true, value: b };
}

export function validateControl(body: unknown): Validated<ControlRunBody> {
  if (!control(body)) return { ok: false, errors: describe(control.errors) };
  const b = body as unknown as ControlRunBody;
  if (b.vus === undefined && b.rate === undefined) return { ok: false, errors: ['body: give vus or rate'] };
  if (b.vus !== undefined && b.rate !== undefined)
    return { ok: false, errors: ['body: give vus or rate, not both'] };
  return { ok: true, value: b };
}

/** Durations the schema's pattern let through, checked for real: each problem names its field. */
function durations(
  b: Record<string, unknown>,
  fields: readonly string[],
  minMs: Record<string, number> = {},
): string[] {
  const errors: string[] = [];
  for (const f of fields) {
    const v = b[f];
    if (typeof v !== 'string') continue;
    const msValue = tryParseDurationMs(v);
    if (msValue === undefined) errors.push(`${f}: must be a duration like 30s, 1m30s or 250ms`);
    else if (msValue > MAX_DURATION_MS) errors.push(`${f}: must be at most 30d`);
    else if (msValue < (minMs[f] ?? 0)) {
      const min = minMs[f] ?? 0;
      errors.push(`${f}: must be at least ${min >= 1000 ? `${min / 1000}s` : `${min}ms`}`);
    }
  }
  return errors;
}

/** A share given as text ('5%', '0.05') must still be 0..1 once read. */
function shares(b: Record<string, unknown>, fields: readonly string[]): string[] {
  return fields.flatMap((f) => {
    const v = b[f];
    if (typeof v !== 'string') return [];
    const m = /^\s*(\d+(?:\.\d+)?)(%?)\s*$/.exec(v);
    const n = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
    return n >= 0 && n <= 1 ? [] : [`${f}: must be a share from 0 to 1 (or 0% to 100%), got '${v}'`];
  });
}

/**
 * The schema's problems and the checks on values it let through, all at once: a field the schema
 * already named is not named twice.
 */
function merged<T>(schemaErrors: string[], valueErrors: string[], value: T): Validated<T> {
  const named = new Set(schemaErrors.map((e) => e.slice(0, e.indexOf(':'))));
  const errors = [...schemaErrors, ...valueErrors.filter((e) => !named.has(e.slice(0, e.indexOf(':'))))];
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}

/** `POST /api/stress`: every problem at once, each naming its field. */
export function validateStress(body: unknown): Validated<StressRunBody> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, errors: ['body: must be a JSON object'] };
  const keys = ['url', 'script'].filter((k) => k in body);
  if (keys.length !== 1)
    return {
      ok: false,
      errors: [
        keys.length === 0
          ? 'body: give url (quick mode) or script (a test file in the scripts folder)'
          : 'body: give url or script, not both',
      ],
    };
  const schemaErrors = stress(body) ? [] : describe(stress.errors);
  const b = body as unknown as StressRunBody;
  if ('url' in b) {
    const fileOnly = (['scenario', 'env'] as const).filter((k) => b[k] !== undefined);
    schemaErrors.push(...fileOnly.map((k) => `${k}: only with script (quick mode has one request)`));
  } else {
    const quickOnly = (['method', 'headers', 'body', 'timeout'] as const).filter((k) => b[k] !== undefined);
    schemaErrors.push(...quickOnly.map((k) => `${k}: only with url (a script says its own requests)`));
  }
  const errors = [
    ...durations(body as Record<string, unknown>, ['probeDuration', 'cooldown', 'timeout'], {
      probeDuration: 1000,
    }),
    ...shares(body as Record<string, unknown>, ['errorThreshold', 'resolution']),
  ];
  if (
    typeof b.startRate === 'number' &&
    typeof b.maxRate === 'number' &&
    b.startRate > 0 &&
    b.maxRate < b.startRate
  )
    errors.push(`maxRate: must be at least startRate (${b.startRate})`);
  if (b.resolution === 0) errors.push('resolution: must be more than 0');
  return merged(schemaErrors, errors, b);
}

/** `POST /api/bench`: every problem at once; each malformed endpoint is named by its index. */
export function validateBench(body: unknown): Validated<BenchRunBody> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, errors: ['body: must be a JSON object'] };
  const schemaErrors = bench(body) ? [] : describe(bench.errors);
  const b = body as unknown as BenchRunBody;
  const errors = [
    ...durations(body as Record<string, unknown>, ['duration', 'warmup', 'timeout'], { duration: 1 }),
    ...shares(body as Record<string, unknown>, ['maxErrorRate']),
  ];
  const seen = new Set<string>();
  (Array.isArray(b.endpoints) ? b.endpoints : []).forEach((spec, i) => {
    if (typeof spec !== 'string') return;
    const e = parseEndpointSpec(spec);
    if (typeof e === 'string') errors.push(`endpoints.${i}: ${e}`);
    else if (seen.has(`${e.method} ${e.path}`))
      errors.push(`endpoints.${i}: '${e.method} ${e.path}' is listed twice`);
    else seen.add(`${e.method} ${e.path}`);
  });
  return merged(schemaErrors, errors, b);
}

/** A schedule's fields as validated: the tolerance as a fraction, the webhooks with their format. */
export interface ScheduleFields {
  name?: string;
  cron?: string;
  run?: CreateRunBody;
  baseline?: string;
  tolerance?: number;
  webhooks?: ScheduleWebhook[];
  paused?: boolean;
}

/**
 * `POST /api/schedules` (every field checked) or, with `partial`, `PATCH /api/schedules/:id`. The
 * run body is the one `POST /api/runs` takes, checked by the same validation (its problems under
 * `run.`); the cron is parsed by the scheduler's parser, so what is accepted is what fires.
 */
export function validateSchedule(body: unknown, partial = false): Validated<ScheduleFields> {
  const check = partial ? schedulePatch : schedule;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, errors: ['body: must be a JSON object'] };
  // The schema's problems and the fields' own ones are listed together: each check below runs on a
  // field of the right type, whatever else is wrong.
  const errors: string[] = check(body) ? [] : describe(check.errors);
  const b = body as CreateScheduleBody;
  const out: ScheduleFields = {};
  if (b.name !== undefined) out.name = b.name;
  if (b.paused !== undefined) out.paused = b.paused;
  if (typeof b.cron === 'string') {
    const cron = b.cron.trim().replace(/\s+/g, ' ');
    const p = cronProblem(cron);
    if (p) errors.push(p);
    else out.cron = cron;
  }
  if (typeof b.run === 'object' && b.run !== null && !Array.isArray(b.run)) {
    const r = validateCreateRun(b.run);
    if (!r.ok)
      errors.push(...r.errors.map((e) => (e.startsWith('body: ') ? `run: ${e.slice(6)}` : `run.${e}`)));
    else out.run = r.value;
  }
  if (typeof b.baseline === 'string') {
    if (b.baseline !== 'previous' && !/^[0-9a-f-]{4,36}$/i.test(b.baseline))
      errors.push(`baseline: '${b.baseline}' is neither 'previous' nor a run id`);
    else out.baseline = b.baseline;
  }
  if (typeof b.tolerance === 'number' || typeof b.tolerance === 'string') {
    try {
      out.tolerance =
        typeof b.tolerance === 'number' ? b.tolerance : parseFraction(b.tolerance, 'tolerance:');
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (b.webhooks !== undefined)
    out.webhooks = b.webhooks.map((w) => ({ url: w.url, format: w.format ?? 'json' }));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: out };
}
