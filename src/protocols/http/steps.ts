/**
 * The HTTP module's declarative step kinds: `get: URL`, `post: URL`, … with headers, json, body,
 * form, query, params, tags, timeout, redirects and name; `check` and `capture` run on the response.
 */
import type { StepCompiler, StepKind, StepValue } from '../module.js';
import type { HttpClient, RequestOptions } from './api.js';

/** The step keys, one per method (lower case, as written in YAML). */
export const HTTP_STEP_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;

type Obj = Record<string, unknown>;
type Path = readonly (string | number)[];

function compileRequest<Ctx>(
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
  for (const k of ['tags', 'timeout', 'redirects'] as const) if (step[k] !== undefined) base[k] = step[k];
  if (typeof step.name === 'string') base.name = step.name;
  else if (!url.fixed && step.params === undefined) {
    // A template in the path: name the endpoint after the template, as http.url`…${x}` does.
    const name = c.templateName(rawUrl);
    if (name !== undefined) base.name = `${verb} ${name}`;
  }
  const after = c.afterResult(step, path, verb);

  return async (ctx) => {
    const options: Obj = { ...base };
    for (const [k, get] of dynamic) options[k] = get(ctx);
    const target = url.fixed ? (url.value as string) : (url.get(ctx) as string);
    const http = (ctx as unknown as { http: HttpClient }).http;
    const res = await http.request(verb, target, options as RequestOptions);
    if (after) after(res, ctx);
  };
}

export const HTTP_STEPS: readonly StepKind[] = HTTP_STEP_METHODS.map((m): StepKind => ({
  key: m,
  schema: {
    type: 'string',
    description: `a ${m.toUpperCase()} request to this URL, absolute or relative to baseUrl; {{ }} templates allowed, :name placeholders filled from params`,
  },
  compile: (step, path, compiler) => compileRequest(m, step, path, compiler),
}));
