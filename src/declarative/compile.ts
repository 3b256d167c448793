/**
 * Turns a validated declarative document into the same `TestDefinition` a TypeScript script
 * exports. Flows become functions that run through the VU context only (ctx.http.request,
 * ctx.check, ctx.group, ctx.sleep; captured variables live in ctx.state). Everything that can be
 * decided once is decided here: templates are split into parts, `$env` is resolved, fixed option
 * values are built, check names are cached per endpoint — a request step at run time only fills
 * in its dynamic values.
 */
import { randomUUID } from 'node:crypto';
import { parseDurationRangeMs } from '../config/duration.js';
import { VolleyError } from '../errors.js';
import type { DataRegistry, SharedData } from '../script/data/shared-data.js';
import type { StepCompiler } from '../protocols/module.js';
import { stepKindOf } from '../protocols/registry.js';
import { jsonPath } from '../protocols/http/script-response.js';
import type {
  ScenarioDefinition,
  TaskDefinition,
  TestDefinition,
  UserDefinition,
  VuContext,
  VuFunction,
  WaitSpec,
} from '../script/api.js';
import { dotted, type DocPath, type Locator, type PresetMap } from './load.js';
import { EXECUTOR_FIELDS, PRESET_KEEPS, PRESET_OPTIONS, type PresetName } from './schema.js';
import { parseTemplate, type TemplateExpr, type TemplatePart } from './templates.js';

/** Loads `data:` files (relative paths against the test file's folder): the thread's `DataRegistry`. */
export type DataSource = Pick<DataRegistry, 'csv' | 'json'>;

export interface CompileOptions {
  /** The file, for messages. */
  path: string;
  /** What `{{ $env.NAME }}` reads (resolved once, here). */
  env: Readonly<Record<string, string | undefined>>;
  data: DataSource;
  presets: PresetMap;
  /** `FILE:LINE:COL` of a document path (from parseTestFile); runtime errors name the step with it. */
  locate?: Locator;
}

type Obj = Record<string, unknown>;
type Ctx = VuContext;
type Getter = (ctx: Ctx) => unknown;
/** A compiled value: fixed when the file loads, or computed per request. */
type Val = { fixed: true; value: unknown } | { fixed: false; get: Getter };
type Step = (ctx: Ctx) => Promise<void>;

const fixed = (value: unknown): Val => ({ fixed: true, value });
const valueOf = (v: Val, ctx: Ctx): unknown => (v.fixed ? v.value : v.get(ctx));

/** A value inside a string: text as is, numbers/booleans printed, objects as JSON, nothing as ''. */
function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** An error while a flow runs, naming the step (`FILE:LINE:COL`). */
export class FlowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlowError';
  }
}

class Compiler {
  private readonly errors: string[] = [];
  private readonly tables = new Map<string, SharedData<unknown>>();
  private readonly namedFlows = new Map<string, Step>();

  constructor(
    private readonly doc: Obj,
    private readonly o: CompileOptions,
  ) {}

  private where(path: DocPath): string {
    return this.o.locate ? this.o.locate(path) : `${this.o.path} (${dotted(path)})`;
  }

  private fail(path: DocPath, message: string): void {
    this.errors.push(`${this.where(path)}: ${message}`);
  }

  // ------------------------------------------------------------------------------- templates

  private expr(e: TemplateExpr, source: string, path: DocPath): Val {
    switch (e.kind) {
      case 'vu':
        return { fixed: false, get: (c) => c.vu };
      case 'iteration':
        return { fixed: false, get: (c) => c.iteration };
      case 'vuIteration':
        return { fixed: false, get: (c) => c.vuIteration };
      case 'scenario':
        return { fixed: false, get: (c) => c.scenario };
      case 'uuid':
        return { fixed: false, get: () => randomUUID() };
      case 'timestamp':
        return { fixed: false, get: () => Date.now() };
      case 'randomInt': {
        const { min, max } = e;
        return { fixed: false, get: () => min + Math.floor(Math.random() * (max - min + 1)) };
      }
      case 'literal':
        return fixed(e.text);
      case 'env': {
        const v = this.o.env[e.name] ?? e.fallback;
        if (v === undefined) {
          this.fail(
            path,
            `{{ ${source} }}: ${e.name} is not set (pass -e ${e.name}=… or give a default: {{ $env.${e.name} ?? value }})`,
          );
          return fixed('');
        }
        return fixed(v);
      }
      case 'data': {
        const table = this.tables.get(e.name);
        if (!table) return fixed(undefined); // reported by the loader (or the file failed to load)
        const { pick, field } = e;
        if (field !== undefined && table.length > 0) {
          const first = table.at(0);
          const top = field.split('.')[0] as string;
          if (
            first !== null &&
            typeof first === 'object' &&
            !Array.isArray(first) &&
            !Object.hasOwn(first, top)
          )
            this.fail(
              path,
              `{{ ${source} }}: the rows of data.${e.name} have no field '${top}' (fields: ${Object.keys(first).join(', ')})`,
            );
        }
        const row: (c: Ctx) => unknown =
          pick === 'random'
            ? () => table.random()
            : pick === 'perVu'
              ? (c) => table.perVu(c)
              : (c) => table[pick](c);
        return { fixed: false, get: field === undefined ? row : (c) => jsonPath(row(c), field) };
      }
      case 'var': {
        const { name, path: sub } = e;
        const where = this.where(path);
        return {
          fixed: false,
          get: (c) => {
            const state = c.state as Obj;
            if (!Object.hasOwn(state, name))
              throw new FlowError(
                `${where}: {{ ${source} }}: '${name}' has not been captured in this VU yet (the step that captures it has not run, or it failed)`,
              );
            return sub === undefined ? state[name] : jsonPath(state[name], sub);
          },
        };
      }
    }
  }

  /** The parts of a template with `$env` and literals already folded into the text. */
  private parts(source: string, path: DocPath): (string | Getter)[] {
    const t = parseTemplate(source);
    for (const e of t.errors) this.fail(path, e); // the loader reports these first
    const out: (string | Getter)[] = [];
    for (const p of t.parts as TemplatePart[]) {
      const v = typeof p === 'string' ? fixed(p) : this.expr(p.expr, p.source, path);
      const last = out.length - 1;
      if (v.fixed && typeof out[last] === 'string') out[last] += text(v.value);
      else out.push(v.fixed ? text(v.value) : v.get);
    }
    return out;
  }

  /**
   * A string with templates. `keepType`: a string that is exactly one template keeps the value's
   * type (JSON leaves); otherwise the result is text.
   */
  private string(source: string, path: DocPath, keepType: boolean): Val {
    if (!source.includes('{{')) return fixed(source);
    const t = parseTemplate(source);
    if (keepType && t.errors.length === 0 && t.parts.length === 1 && typeof t.parts[0] !== 'string') {
      const only = t.parts[0] as { expr: TemplateExpr; source: string };
      return this.expr(only.expr, only.source, path);
    }
    const parts = this.parts(source, path);
    if (parts.length === 0) return fixed('');
    if (parts.length === 1) {
      const only = parts[0] as string | Getter;
      return typeof only === 'string' ? fixed(only) : { fixed: false, get: (c) => text(only(c)) };
    }
    return {
      fixed: false,
      get: (c) => {
        let s = '';
        for (const p of parts) s += typeof p === 'string' ? p : text(p(c));
        return s;
      },
    };
  }

  /** A JSON value with templates in its string leaves; fixed subtrees are built once and shared. */
  private tree(v: unknown, path: DocPath, keepType: boolean): Val {
    if (typeof v === 'string') return this.string(v, path, keepType);
    if (Array.isArray(v)) {
      const items = v.map((x, i) => this.tree(x, [...path, i], keepType));
      if (items.every((x) => x.fixed)) return fixed(items.map((x) => (x as { value: unknown }).value));
      return { fixed: false, get: (c) => items.map((x) => valueOf(x, c)) };
    }
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v).map(([k, x]) => [k, this.tree(x, [...path, k], keepType)] as const);
      if (entries.every(([, x]) => x.fixed))
        return fixed(Object.fromEntries(entries.map(([k, x]) => [k, (x as { value: unknown }).value])));
      return {
        fixed: false,
        get: (c) => {
          const out: Obj = {};
          for (const [k, x] of entries) out[k] = valueOf(x, c);
          return out;
        },
      };
    }
    return fixed(v);
  }

  // ------------------------------------------------------------------------------- steps

  flow(flow: unknown, path: DocPath): Step {
    const steps = (Array.isArray(flow) ? flow : []).map((s: Obj, i) => this.step(s, [...path, i]));
    if (steps.length === 1) return steps[0] as Step;
    return async (ctx) => {
      for (const s of steps) await s(ctx);
    };
  }

  private step(step: Obj, path: DocPath): Step {
    if (step.think !== undefined) {
      const t = parseDurationRangeMs(step.think) ?? { min: 0, max: 0 };
      const { min, max } = t;
      if (min === max) return (ctx) => ctx.sleep(min / 1000);
      return (ctx) => ctx.sleep((min + Math.random() * (max - min)) / 1000);
    }
    if (step.group !== undefined) {
      const inner = this.flow(step.flow, [...path, 'flow']);
      const name = String(step.group);
      return async (ctx) => {
        await ctx.group(name, () => inner(ctx));
      };
    }
    if (step.loop !== undefined) {
      const inner = this.flow(step.flow, [...path, 'flow']);
      const n = Number(step.loop);
      return async (ctx) => {
        for (let i = 0; i < n; i++) await inner(ctx);
      };
    }
    return this.request(step, path);
  }

  /** What a protocol module's step kind compiles its step with. */
  private readonly stepCompiler: StepCompiler<Ctx> = {
    string: (source, path, keepType) => this.string(source, path, keepType),
    tree: (value, path, keepType) => this.tree(value, path, keepType),
    templateName: (source) => templateName(source),
    where: (path) => this.where(path),
    flowError: (message) => new FlowError(message),
  };

  /** A protocol step (an HTTP request today): compiled by the module whose step kind it is. */
  private request(step: Obj, path: DocPath): Step {
    const kind = stepKindOf(step);
    // The loader accepts only steps of a known kind; a document that skipped it fails here, loudly.
    if (kind === undefined) throw new Error(`${this.where(path)}: not a step`);
    return kind.compile(step, path, this.stepCompiler);
  }

  // ------------------------------------------------------------------------------- the test

  private loadData(): void {
    const data = this.doc.data;
    if (data === null || typeof data !== 'object') return;
    for (const [name, d] of Object.entries(data as Record<string, Obj>)) {
      try {
        if (typeof d.csv === 'string') {
          const opts: { header?: boolean; delimiter?: string } = {};
          if (typeof d.header === 'boolean') opts.header = d.header;
          if (typeof d.delimiter === 'string') opts.delimiter = d.delimiter;
          this.tables.set(name, this.o.data.csv(d.csv, opts));
        } else if (typeof d.json === 'string') {
          this.tables.set(name, this.o.data.json(d.json));
        }
      } catch (err) {
        this.fail(['data', name], `data.${name}: ${(err as Error).message}`);
      }
    }
  }

  private scenario(name: string, s: Obj): ScenarioDefinition | undefined {
    const path = ['scenarios', name];
    const sc: Obj = {};
    if (typeof s.preset === 'string') {
      const preset = s.preset as PresetName;
      const fn = this.o.presets[preset];
      if (!fn) {
        this.fail([...path, 'preset'], `unknown preset '${preset}'`);
        return undefined;
      }
      const options: Obj = {};
      for (const k of PRESET_OPTIONS[preset] ?? []) if (s[k] !== undefined) options[k] = s[k];
      try {
        Object.assign(sc, fn(options));
      } catch (err) {
        const details =
          err instanceof VolleyError && err.details.length > 0 ? err.details : [(err as Error).message];
        for (const d of details) this.fail([...path, 'preset'], `scenarios.${name}: preset ${d}`);
        return undefined;
      }
      for (const k of PRESET_KEEPS) if (s[k] !== undefined) sc[k] = s[k];
    } else {
      for (const k of EXECUTOR_FIELDS) if (s[k] !== undefined) sc[k] = s[k];
    }
    if (s.flow !== undefined) {
      const flow = this.flow(s.flow, [...path, 'flow']);
      sc.exec = ((ctx: Ctx) => flow(ctx)) satisfies VuFunction;
    } else if (typeof s.exec === 'string') {
      const flow = this.namedFlow(s.exec);
      sc.exec = ((ctx: Ctx) => flow(ctx)) satisfies VuFunction;
    } else if (typeof s.user === 'string') {
      sc.user = s.user;
    }
    return sc as unknown as ScenarioDefinition;
  }

  private namedFlow(name: string): Step {
    let f = this.namedFlows.get(name);
    if (!f) {
      f = this.flow((this.doc.flows as Obj | undefined)?.[name], ['flows', name]);
      this.namedFlows.set(name, f);
    }
    return f;
  }

  private user(name: string, u: Obj): UserDefinition {
    const path = ['users', name];
    const tasks = (u.tasks as Obj[]).map((t, i) => {
      const flow = this.flow(t.flow, [...path, 'tasks', i, 'flow']);
      const task: TaskDefinition = { run: (ctx) => flow(ctx) };
      if (typeof t.name === 'string') task.name = t.name;
      if (typeof t.weight === 'number') task.weight = t.weight;
      return task;
    });
    const user: UserDefinition = { tasks };
    const w = u.wait as Obj | undefined;
    let wait: WaitSpec | undefined;
    if (w && Array.isArray(w.between))
      wait = { kind: 'between', min: w.between[0] as number, max: w.between[1] as number };
    else if (w && typeof w.constant === 'number') wait = { kind: 'constant', seconds: w.constant };
    else if (w && typeof w.pacing === 'number') wait = { kind: 'pacing', seconds: w.pacing };
    if (wait) user.wait = wait;
    if (u.onStart !== undefined) {
      const f = this.flow(u.onStart, [...path, 'onStart']);
      user.onStart = (ctx) => f(ctx);
    }
    if (u.onStop !== undefined) {
      const f = this.flow(u.onStop, [...path, 'onStop']);
      user.onStop = (ctx) => f(ctx);
    }
    return user;
  }

  /** A string fixed when the file loads (baseUrl, http.headers): only `$env` templates. */
  private envString(source: string, path: DocPath, missingOk: boolean): string | undefined {
    if (!source.includes('{{')) return source;
    const t = parseTemplate(source);
    let out = '';
    for (const p of t.parts) {
      if (typeof p === 'string') out += p;
      else if (p.expr.kind === 'env') {
        const v = this.o.env[p.expr.name] ?? p.expr.fallback;
        if (v === undefined) {
          if (missingOk) return undefined;
          this.fail(
            path,
            `{{ ${p.source} }}: ${p.expr.name} is not set (pass -e ${p.expr.name}=… or give a default)`,
          );
          return '';
        }
        out += v;
      }
    }
    return out;
  }

  compile(): TestDefinition {
    this.loadData();
    const doc = this.doc;
    const scenarios: Record<string, ScenarioDefinition> = {};
    for (const [name, s] of Object.entries(doc.scenarios as Record<string, Obj>)) {
      const sc = this.scenario(name, s);
      if (sc) scenarios[name] = sc;
    }
    const def: TestDefinition = { scenarios };
    if (doc.users !== undefined) {
      const users: Record<string, UserDefinition> = {};
      for (const [name, u] of Object.entries(doc.users as Record<string, Obj>))
        users[name] = this.user(name, u);
      def.users = users;
    }
    // An unset variable in baseUrl leaves the test without one (so `volley inspect` works without -e).
    if (typeof doc.baseUrl === 'string') {
      const base = this.envString(doc.baseUrl, ['baseUrl'], true);
      if (base) def.baseUrl = base;
    }
    if (doc.http !== undefined) {
      const http = { ...(doc.http as Obj) };
      if (http.headers !== undefined) {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(http.headers as Obj))
          headers[k] = this.envString(String(v), ['http', 'headers', k], false) ?? '';
        http.headers = headers;
      }
      def.http = http as NonNullable<TestDefinition['http']>;
    }
    if (doc.tags !== undefined) def.tags = { ...(doc.tags as Record<string, string>) };
    if (doc.thresholds !== undefined)
      def.thresholds = structuredClone(doc.thresholds) as NonNullable<TestDefinition['thresholds']>;
    if (doc.monitor !== undefined)
      def.monitor = structuredClone(doc.monitor) as NonNullable<TestDefinition['monitor']>;
    if (doc.capacityHeadroom !== undefined) def.capacityHeadroom = doc.capacityHeadroom as string | number;
    if (this.errors.length > 0) {
      // In file order, like the loader's.
      const pos = (e: string): number[] => (/:(\d+):(\d+): /.exec(e) ?? []).slice(1).map(Number);
      const errors = [...this.errors].sort((a, b) => {
        const [la = 0, ca = 0] = pos(a);
        const [lb = 0, cb = 0] = pos(b);
        return la - lb || ca - cb;
      });
      throw new VolleyError('INVALID_CONFIG', errors[0] as string, { details: errors });
    }
    return def;
  }
}

/** The endpoint name of a URL with templates in its path: `/api/users/{{ id }}` → `/api/users/${}`. */
function templateName(url: string): string | undefined {
  const t = parseTemplate(url);
  const first = t.parts[0];
  // A URL that starts with a runtime value (e.g. a captured Location): the runtime names it.
  if (t.errors.length > 0 || (typeof first !== 'string' && first?.expr.kind !== 'env')) return undefined;
  let s = '';
  for (const p of t.parts)
    s += typeof p === 'string' ? p : p.expr.kind === 'env' || p.expr.kind === 'literal' ? '' : '${}';
  const pathOnly = s.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split('?')[0] as string;
  return pathOnly.includes('${}') ? pathOnly : undefined;
}

/**
 * Compiles a document that `parseTestFile` accepted into a `TestDefinition`. Throws a
 * `VolleyError('INVALID_CONFIG')` listing every problem only knowable now (an unset `$env`
 * variable, a data file that does not load, a column the rows do not have, a preset's rules).
 */
export function compileTestFile(value: unknown, options: CompileOptions): TestDefinition {
  return new Compiler(value as Obj, options).compile();
}
