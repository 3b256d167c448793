/**
 * Turns a validated declarative document into the same `TestDefinition` a TypeScript script
 * exports: flows become functions that run through the VU context (ctx.http, ctx.check,
 * ctx.group, ctx.sleep, ctx.state for captured variables). Templates are parsed once here.
 */
import { randomUUID } from 'node:crypto';
import { tryParseDurationMs } from '../config/duration.js';
import type { ScenarioConfig } from '../config/types.js';
import type { ScriptResponse, TestDefinition, UserDefinition, VuContext, WaitSpec } from '../script/api.js';
import type { SharedData } from '../script/data/shared-data.js';
import { between, constant, pacing } from '../script/define.js';
import { jsonPath } from '../script/response.js';
import { PRESET_OPTIONS } from './schema.js';

type Obj = Record<string, unknown>;
type Vars = Record<string, unknown>;
type Ctx = VuContext;

export interface DataSource {
  csv(path: string, options?: { header?: boolean; delimiter?: string }): SharedData<unknown>;
  json(path: string): SharedData<unknown>;
}

export interface CompileOptions {
  env: Readonly<Record<string, string | undefined>>;
  data: DataSource;
  presets: Readonly<Record<string, (options: Record<string, unknown>) => Omit<ScenarioConfig, 'exec'>>>;
}

/** A compiled template: a function of the VU context to a value. */
type Value = (ctx: Ctx) => unknown;

const TEMPLATE = /\{\{\s*([^}]*?)\s*\}\}/g;

function compileExpr(expr: string, o: CompileOptions, tables: Map<string, SharedData<unknown>>): Value {
  if (expr === '$vu') return (c) => c.vu;
  if (expr === '$iteration') return (c) => c.iteration;
  if (expr === '$scenario') return (c) => c.scenario;
  if (expr === '$uuid') return () => randomUUID();
  if (expr === '$timestamp') return () => Date.now();
  const env = /^\$env\.([A-Za-z_]\w*)(?:\s*\?\?\s*(?:"([^"]*)"|'([^']*)'|(\S+)))?$/.exec(expr);
  if (env) {
    const name = env[1] as string;
    const dflt = env[2] ?? env[3] ?? env[4] ?? '';
    return () => o.env[name] ?? dflt;
  }
  const ri = /^\$randomInt\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)$/.exec(expr);
  if (ri) {
    const lo = Number(ri[1]);
    const hi = Number(ri[2]);
    return () => lo + Math.floor(Math.random() * (hi - lo + 1));
  }
  const dm = /^\$data\.([A-Za-z_][\w-]*)\.(perVu|perIteration|unique|random)(?:\.([\w.-]+))?$/.exec(expr);
  if (dm) {
    const table = tables.get(dm[1] as string) as SharedData<unknown>;
    const pick = dm[2] as 'perVu' | 'perIteration' | 'unique' | 'random';
    const field = dm[3];
    return (c) => {
      const row = pick === 'random' ? table.random() : table[pick](c);
      return field === undefined ? row : jsonPath(row, field);
    };
  }
  return (c) => {
    const vars = c.state as Vars;
    if (!(expr in vars))
      throw new Error(
        `{{ ${expr} }}: not captured yet in this VU (the step that captures it has not run or failed)`,
      );
    return vars[expr];
  };
}

/** A string with templates: one template alone keeps the value's type; otherwise text. */
function compileString(text: string, o: CompileOptions, tables: Map<string, SharedData<unknown>>): Value {
  const parts: (string | Value)[] = [];
  let last = 0;
  for (const m of text.matchAll(TEMPLATE)) {
    if ((m.index as number) > last) parts.push(text.slice(last, m.index));
    parts.push(compileExpr(m[1] as string, o, tables));
    last = (m.index as number) + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  if (parts.length === 0) return () => '';
  if (parts.length === 1) {
    const only = parts[0] as string | Value;
    return typeof only === 'string' ? () => only : only;
  }
  return (c) => {
    let s = '';
    for (const p of parts) s += typeof p === 'string' ? p : String(p(c));
    return s;
  };
}

/** Any JSON value with templates in its strings; values without templates are returned as they are. */
function compileValue(v: unknown, o: CompileOptions, tables: Map<string, SharedData<unknown>>): Value {
  if (typeof v === 'string') {
    if (!v.includes('{{')) return () => v;
    return compileString(v, o, tables);
  }
  if (Array.isArray(v)) {
    const items = v.map((x) => compileValue(x, o, tables));
    return (c) => items.map((f) => f(c));
  }
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).map(([k, x]) => [k, compileValue(x, o, tables)] as const);
    return (c) => {
      const out: Obj = {};
      for (const [k, f] of entries) out[k] = f(c);
      return out;
    };
  }
  return () => v;
}

type Step = (ctx: Ctx) => Promise<void>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;

function thinkMs(t: unknown): { min: number; max: number } {
  if (typeof t === 'number') return { min: t * 1000, max: t * 1000 };
  const text = String(t).trim();
  const range = /^([\d.]+)\s*([a-zµ]*)\s*-\s*([\d.]+)\s*([a-zµ]*)$/.exec(text);
  if (range) {
    const unit = range[4] || range[2] || 's';
    return {
      min: tryParseDurationMs(`${range[1]}${range[2] || unit}`) ?? 0,
      max: tryParseDurationMs(`${range[3]}${unit}`) ?? 0,
    };
  }
  const ms = tryParseDurationMs(text) ?? 0;
  return { min: ms, max: ms };
}

function compileChecks(spec: Obj, name: () => string): ((r: ScriptResponse, ctx: Ctx) => void) | undefined {
  const checks: [string, (r: ScriptResponse) => boolean][] = [];
  if (spec.status !== undefined) {
    const list = Array.isArray(spec.status) ? (spec.status as number[]) : [spec.status as number];
    checks.push([
      list.length === 1 ? `status is ${list[0]}` : `status in ${list.join('|')}`,
      (r) => list.includes(r.status),
    ]);
  }
  for (const [path, expected] of Object.entries((spec.json as Obj | undefined) ?? {}))
    checks.push([
      `json ${path} == ${JSON.stringify(expected)}`,
      (r) => JSON.stringify(r.json(path)) === JSON.stringify(expected),
    ]);
  for (const [h, expected] of Object.entries((spec.header as Record<string, string> | undefined) ?? {}))
    checks.push([`header ${h} == ${expected}`, (r) => r.header(h) === expected]);
  if (typeof spec.bodyContains === 'string') {
    const needle = spec.bodyContains;
    checks.push([`body contains ${JSON.stringify(needle)}`, (r) => r.text().includes(needle)]);
  }
  if (spec.maxDuration !== undefined) {
    const ms = tryParseDurationMs(spec.maxDuration as string) ?? 0;
    checks.push([`duration < ${spec.maxDuration as string}`, (r) => r.timings.duration < ms]);
  }
  if (checks.length === 0) return undefined;
  return (r, ctx) => {
    const set: Record<string, (r: ScriptResponse) => boolean> = {};
    for (const [n, f] of checks) set[`${name()}: ${n}`] = f;
    ctx.check(r, set);
  };
}

function compileFlow(flow: Obj[], o: CompileOptions, tables: Map<string, SharedData<unknown>>): Step {
  const steps = flow.map((s) => compileStep(s, o, tables));
  return async (ctx) => {
    for (const s of steps) await s(ctx);
  };
}

function compileStep(step: Obj, o: CompileOptions, tables: Map<string, SharedData<unknown>>): Step {
  if (step.think !== undefined) {
    const { min, max } = thinkMs(step.think);
    return (ctx) => ctx.sleep((min + Math.random() * (max - min)) / 1000);
  }
  if (step.group !== undefined) {
    const inner = compileFlow(step.flow as Obj[], o, tables);
    const name = String(step.group);
    return async (ctx) => {
      await ctx.group(name, () => inner(ctx));
    };
  }
  if (step.loop !== undefined) {
    const inner = compileFlow(step.flow as Obj[], o, tables);
    const n = step.loop as number;
    return async (ctx) => {
      for (let i = 0; i < n; i++) await inner(ctx);
    };
  }
  const method = METHODS.find((m) => step[m] !== undefined) as (typeof METHODS)[number];
  const url = compileValue(step[method], o, tables);
  const opt: [string, Value][] = [];
  for (const k of ['headers', 'json', 'form', 'query', 'params'] as const)
    if (step[k] !== undefined) opt.push([k, compileValue(step[k], o, tables)]);
  const body = step.body !== undefined ? compileValue(step.body, o, tables) : undefined;
  const fixed: Obj = {};
  if (step.name !== undefined) fixed.name = step.name;
  if (step.tags !== undefined) fixed.tags = step.tags;
  if (step.timeout !== undefined) fixed.timeout = step.timeout;
  const captures = Object.entries((step.capture as Record<string, Obj> | undefined) ?? {}).map(
    ([v, spec]) => {
      const regex = typeof spec.regex === 'string' ? new RegExp(spec.regex) : undefined;
      return [
        v,
        (r: ScriptResponse): unknown => {
          if (spec.json !== undefined) return r.json(spec.json as string);
          if (spec.header !== undefined) return r.header(spec.header as string);
          if (regex) return regex.exec(r.text())?.[1];
          return r.status;
        },
      ] as const;
    },
  );
  let lastName = '';
  const check = step.check ? compileChecks(step.check as Obj, () => lastName) : undefined;
  const verb = method.toUpperCase();
  return async (ctx) => {
    const options: Obj = { ...fixed };
    for (const [k, f] of opt) options[k] = f(ctx);
    if (body) options.body = String(body(ctx));
    const res = await ctx.http.request(verb, String(url(ctx)), options);
    lastName = res.request.name;
    const vars = ctx.state as Vars;
    for (const [v, get] of captures) {
      let value: unknown;
      try {
        value = get(res);
      } catch {
        value = undefined;
      }
      if (value === undefined)
        throw new Error(
          `${verb} ${res.request.url} → ${res.status}: capture '${v}' found nothing in the response`,
        );
      vars[v] = value;
    }
    check?.(res, ctx);
  };
}

function waitSpec(w: Obj | undefined): WaitSpec | undefined {
  if (!w) return undefined;
  if (Array.isArray(w.between)) return between(w.between[0] as number, w.between[1] as number);
  if (typeof w.constant === 'number') return constant(w.constant);
  if (typeof w.pacing === 'number') return pacing(w.pacing);
  return undefined;
}

const SCENARIO_KEEP = new Set(['flow', 'user', 'preset', ...PRESET_OPTIONS]);

export function compileTestFile(doc: Obj, o: CompileOptions): TestDefinition {
  const tables = new Map<string, SharedData<unknown>>();
  for (const [name, d] of Object.entries((doc.data as Record<string, Obj> | undefined) ?? {})) {
    const opts: { header?: boolean; delimiter?: string } = {};
    if (typeof d.header === 'boolean') opts.header = d.header;
    if (typeof d.delimiter === 'string') opts.delimiter = d.delimiter;
    tables.set(name, d.csv !== undefined ? o.data.csv(d.csv as string, opts) : o.data.json(d.json as string));
  }
  const scenarios: TestDefinition['scenarios'] = {};
  for (const [name, s] of Object.entries(doc.scenarios as Record<string, Obj>)) {
    const executorFields: Obj = {};
    for (const [k, v] of Object.entries(s)) if (!SCENARIO_KEEP.has(k)) executorFields[k] = v;
    let base: Obj = executorFields;
    if (typeof s.preset === 'string') {
      const options: Obj = {};
      for (const k of ['vus', 'rate', 'duration', 'maxVUs', 'preAllocatedVUs', ...PRESET_OPTIONS])
        if (s[k] !== undefined) options[k] = s[k];
      const common: Obj = {};
      for (const k of ['startTime', 'gracefulStop', 'tags']) if (s[k] !== undefined) common[k] = s[k];
      const fn = o.presets[s.preset];
      if (!fn) throw new Error(`unknown preset '${s.preset}'`);
      base = { ...fn(options), ...common };
    }
    const sc = { ...base } as unknown as TestDefinition['scenarios'][string];
    if (Array.isArray(s.flow)) {
      const flow = compileFlow(s.flow as Obj[], o, tables);
      sc.exec = (ctx) => flow(ctx as Ctx);
    } else if (typeof s.user === 'string') sc.user = s.user;
    scenarios[name] = sc;
  }
  const users: Record<string, UserDefinition> = {};
  for (const [name, u] of Object.entries((doc.users as Record<string, Obj> | undefined) ?? {})) {
    const user: UserDefinition = {
      tasks: (u.tasks as Obj[]).map((t, i) => {
        const flow = compileFlow(t.flow as Obj[], o, tables);
        return {
          name: (t.name as string | undefined) ?? `task ${i}`,
          weight: (t.weight as number | undefined) ?? 1,
          run: (ctx) => flow(ctx as Ctx),
        };
      }),
    };
    const wait = waitSpec(u.wait as Obj | undefined);
    if (wait) user.wait = wait;
    if (Array.isArray(u.onStart)) {
      const f = compileFlow(u.onStart as Obj[], o, tables);
      user.onStart = (ctx) => f(ctx as Ctx);
    }
    if (Array.isArray(u.onStop)) {
      const f = compileFlow(u.onStop as Obj[], o, tables);
      user.onStop = (ctx) => f(ctx as Ctx);
    }
    users[name] = user;
  }
  const def: TestDefinition = { scenarios, users };
  // baseUrl may read the environment: "{{ $env.BASE_URL ?? http://127.0.0.1:8117 }}".
  if (typeof doc.baseUrl === 'string') {
    const base = String(compileString(doc.baseUrl, o, tables)({} as Ctx));
    if (base !== '') def.baseUrl = base;
  }
  if (doc.http) def.http = doc.http as NonNullable<TestDefinition['http']>;
  if (doc.tags) def.tags = doc.tags as Record<string, string>;
  if (doc.thresholds) def.thresholds = doc.thresholds as NonNullable<TestDefinition['thresholds']>;
  return def;
}
