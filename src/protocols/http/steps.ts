/**
 * The HTTP module's declarative step kinds: `get: URL`, `post: URL`, … with headers, json, body,
 * form, query, params, tags, timeout, redirects and name; `check` (status, json, header,
 * bodyContains, maxDuration) and `capture` (json, header, regex, status) run on the response.
 * Everything fixed is decided when the file loads; a step at run time fills in its dynamic values.
 */
import { tryParseDurationMs } from '../../config/duration.js';
import { deepFreeze } from '../../config/freeze.js';
import type { StepCompiler, StepKind, StepValue } from '../module.js';
import type { HttpClient, RequestOptions, ScriptResponse } from './api.js';

/** The step keys, one per method (lower case, as written in YAML). */
export const HTTP_STEP_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;

type Obj = Record<string, unknown>;
type Path = readonly (string | number)[];

/** What an HTTP step uses of the VU context: its client, its state (captures) and `check`. */
interface StepVu {
  readonly http: HttpClient;
  state: object;
  check<T>(value: T, checks: Record<string, (value: T) => boolean>): boolean;
}
type CheckSet<T> = Record<string, (value: T) => boolean>;

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!Object.hasOwn(b, k) || !deepEqual((a as Obj)[k], (b as Obj)[k])) return false;
  return true;
}

function checks<Ctx extends StepVu>(
  spec: Obj,
  path: Path,
  tools: StepCompiler<Ctx>,
): (r: ScriptResponse, ctx: Ctx) => void {
  type Rule =
    | { label: string; fixed: (r: ScriptResponse) => boolean }
    | { label: string; make: (ctx: Ctx) => (r: ScriptResponse) => boolean };
  const rules: Rule[] = [];
  const expecting = (
    label: string,
    v: StepValue<Ctx>,
    test: (r: ScriptResponse, expected: unknown) => boolean,
  ): void => {
    if (v.fixed) {
      const expected = v.value;
      rules.push({ label, fixed: (r) => test(r, expected) });
    } else {
      const get = v.get;
      rules.push({
        label,
        make: (ctx) => {
          const expected = get(ctx);
          return (r) => test(r, expected);
        },
      });
    }
  };
  if (spec.status !== undefined) {
    const list = (Array.isArray(spec.status) ? spec.status : [spec.status]) as number[];
    const label = `status is ${list.join(' or ')}`;
    rules.push(
      list.length === 1
        ? { label, fixed: (r) => r.status === list[0] }
        : { label, fixed: (r) => list.includes(r.status) },
    );
  }
  if (spec.json !== null && typeof spec.json === 'object')
    for (const [p, expected] of Object.entries(spec.json as Obj))
      expecting(
        `json ${p} == ${JSON.stringify(expected)}`,
        tools.tree(expected, [...path, 'json', p], true),
        (r, e) => deepEqual(r.json(p), e),
      );
  if (spec.header !== null && typeof spec.header === 'object')
    for (const [h, expected] of Object.entries(spec.header as Obj))
      expecting(
        `header ${h} == ${String(expected)}`,
        tools.string(String(expected), [...path, 'header', h], false),
        (r, e) => r.header(h) === e,
      );
  if (typeof spec.bodyContains === 'string')
    expecting(
      `body contains ${JSON.stringify(spec.bodyContains)}`,
      tools.string(spec.bodyContains, [...path, 'bodyContains'], false),
      (r, e) => r.text().includes(e as string),
    );
  if (spec.maxDuration !== undefined) {
    const ms = tryParseDurationMs(spec.maxDuration as string | number) ?? 0;
    const shown = typeof spec.maxDuration === 'number' ? `${spec.maxDuration}s` : String(spec.maxDuration);
    rules.push({ label: `duration < ${shown}`, fixed: (r) => r.timings.duration < ms });
  }
  const allFixed = rules.every((r) => 'fixed' in r);
  // Check sets per endpoint name (names are bounded; a set is built once per endpoint).
  const sets = new Map<string, CheckSet<ScriptResponse>>();
  const names = new Map<string, string[]>();
  return (r, ctx) => {
    const endpoint = r.request.name;
    if (allFixed) {
      let set = sets.get(endpoint);
      if (!set) {
        set = {};
        for (const rule of rules)
          set[`${endpoint}: ${rule.label}`] = (rule as { fixed: (r: ScriptResponse) => boolean }).fixed;
        if (sets.size < 1000) sets.set(endpoint, set);
      }
      ctx.check(r, set);
      return;
    }
    let labels = names.get(endpoint);
    if (!labels) {
      labels = rules.map((rule) => `${endpoint}: ${rule.label}`);
      if (names.size < 1000) names.set(endpoint, labels);
    }
    const set: CheckSet<ScriptResponse> = {};
    rules.forEach((rule, i) => {
      set[labels[i] as string] = 'fixed' in rule ? rule.fixed : rule.make(ctx);
    });
    ctx.check(r, set);
  };
}

function captures<Ctx extends StepVu>(
  spec: Obj,
  verb: string,
  where: string,
  tools: StepCompiler<Ctx>,
): (r: ScriptResponse, ctx: Ctx) => void {
  const list = Object.entries(spec).map(([name, s]) => {
    const src = s as Obj;
    let read: (r: ScriptResponse) => unknown;
    let what: string;
    if (typeof src.json === 'string') {
      const p = src.json;
      read = (r) => r.json(p);
      what = `json ${p}`;
    } else if (typeof src.header === 'string') {
      const h = src.header;
      read = (r) => r.header(h);
      what = `header ${h}`;
    } else if (typeof src.regex === 'string') {
      const re = new RegExp(src.regex);
      read = (r) => {
        const m = re.exec(r.text());
        return m ? (m.length > 1 ? m[1] : m[0]) : undefined;
      };
      what = `regex ${src.regex}`;
    } else {
      read = (r) => r.status;
      what = 'status';
    }
    return { name, read, what };
  });
  return (r, ctx) => {
    const state = ctx.state as Obj;
    for (const c of list) {
      let value: unknown;
      let why = '';
      try {
        value = c.read(r);
      } catch (err) {
        why = ` (${(err as Error).message})`;
      }
      if (value === undefined)
        throw tools.flowError(
          `${where}: ${verb} ${r.request.url} → ${r.status || (r.error?.class ?? 'no response')}: capture '${c.name}' (${c.what}) found nothing in the response${why}`,
        );
      state[c.name] = value;
    }
  };
}

function compileRequest<Ctx extends StepVu>(
  method: string,
  step: Readonly<Obj>,
  path: Path,
  c: StepCompiler<Ctx>,
): (ctx: Ctx) => Promise<void> {
  const verb = method.toUpperCase();
  const rawUrl = String(step[method]);
  const url = c.string(rawUrl, [...path, method], false);

  const base: Obj = {};
  const dynamic: [string, (ctx: Ctx) => unknown][] = [];
  const option = (key: keyof RequestOptions, v: StepValue<Ctx>): void => {
    if (v.fixed) base[key] = v.value;
    else dynamic.push([key, v.get]);
  };
  if (step.headers !== undefined) {
    // Header values are text (a YAML number or boolean is sent as written).
    const headers: Obj = {};
    for (const [k, v] of Object.entries(step.headers as Obj))
      headers[k] = typeof v === 'string' ? v : String(v);
    option('headers', c.tree(headers, [...path, 'headers'], false));
  }
  if (step.json !== undefined) option('json', c.tree(step.json, [...path, 'json'], true));
  if (step.body !== undefined) option('body', c.string(String(step.body), [...path, 'body'], false));
  for (const k of ['form', 'query', 'params'] as const)
    if (step[k] !== undefined) option(k, c.tree(step[k], [...path, k], true));
  for (const k of ['tags', 'timeout', 'redirects', 'expectedStatuses', 'compression'] as const)
    if (step[k] !== undefined) base[k] = step[k];
  if (typeof step.name === 'string') base.name = step.name;
  else if (!url.fixed && step.params === undefined) {
    // A template in the path: name the endpoint after the template, as http.url`…${x}` does.
    const name = c.templateName(rawUrl);
    if (name !== undefined) base.name = `${verb} ${name}`;
  }
  const where = c.where(path);
  const check = step.check !== undefined ? checks(step.check as Obj, [...path, 'check'], c) : undefined;
  const capture = step.capture !== undefined ? captures(step.capture as Obj, verb, where, c) : undefined;

  // Options without templates are the same every time: one frozen object, so the client builds
  // the request once per URL (script-client.ts) instead of on every iteration.
  const fixedOptions = dynamic.length === 0 ? deepFreeze(base) : undefined;
  return async (ctx) => {
    let options: Obj | undefined = fixedOptions;
    if (options === undefined) {
      options = { ...base };
      for (const [k, get] of dynamic) options[k] = get(ctx);
    }
    const target = url.fixed ? (url.value as string) : (url.get(ctx) as string);
    const res = await ctx.http.request(verb, target, options as RequestOptions);
    if (check) check(res, ctx);
    if (capture) capture(res, ctx);
  };
}

export const HTTP_STEPS: readonly StepKind[] = HTTP_STEP_METHODS.map((m): StepKind => ({
  key: m,
  schema: {
    type: 'string',
    description: `a ${m.toUpperCase()} request to this URL, absolute or relative to baseUrl; {{ }} templates allowed, :name placeholders filled from params`,
  },
  // The declarative compiler's context is a VU context, whose `http` is this module's client.
  compile: <Ctx>(step: Readonly<Obj>, path: Path, compiler: StepCompiler<Ctx>) =>
    compileRequest(m, step, path, compiler as unknown as StepCompiler<StepVu>) as unknown as (
      ctx: Ctx,
    ) => Promise<void>,
}));
