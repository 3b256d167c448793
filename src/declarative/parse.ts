/**
 * Reads a YAML/JSON test file with positions, validates it against the JSON Schema and the rules
 * the schema cannot say, and reports every problem at once as `FILE:LINE:COL: message`.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { tryParseDurationMs } from '../config/duration.js';
import { TEST_FILE_SCHEMA } from './schema.js';

export interface ParsedFile {
  value: unknown;
  errors: string[];
  /** `file:line:col` of a dotted/indexed path (`scenarios.load.duration`), or of the nearest parent that exists. */
  locate(path: (string | number)[]): string;
}

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validate = ajv.compile(TEST_FILE_SCHEMA);

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      row[j] = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  return (d[a.length] as number[])[b.length] as number;
}

function suggest(word: string, options: readonly string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const dist = levenshtein(word.toLowerCase(), o.toLowerCase());
    if (dist < bestD) {
      bestD = dist;
      best = o;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3))
    ? ` (did you mean '${best}'?)`
    : '';
}

const dotted = (path: (string | number)[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(top level)';

/** The schema's property names allowed at an ajv error (for suggestions). */
function allowedNames(err: ErrorObject): string[] {
  const parent = err.parentSchema as { properties?: Record<string, unknown> } | undefined;
  return Object.keys(parent?.properties ?? {});
}

function describe(err: ErrorObject, path: (string | number)[]): string {
  const where = dotted(path);
  switch (err.keyword) {
    case 'additionalProperties': {
      const prop = (err.params as { additionalProperty: string }).additionalProperty;
      return `unknown field '${prop}' in ${where}${suggest(prop, allowedNames(err))}`;
    }
    case 'enum':
      return `${where} must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'required':
      return `${where} needs '${(err.params as { missingProperty: string }).missingProperty}'`;
    case 'type':
      return `${where} must be ${(err.params as { type: string }).type}`;
    default:
      return `${where} ${err.message ?? 'is invalid'}`;
  }
}

export function parseTestFile(file: string, text: string): ParsedFile {
  const lc = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): string => {
    const p = lc.linePos(offset);
    return `${file}:${p.line}:${p.col}`;
  };
  const errors: string[] = doc.errors.map((e) => `${at(e.pos[0])}: ${e.message.split('\n')[0]}`);
  const locate = (path: (string | number)[], key = false): string => {
    for (let n = path.length; n >= 0; n--) {
      if (key && n === path.length && n > 0) {
        const parent = doc.getIn(path.slice(0, -1), true) as Node | undefined;
        if (isMap(parent)) {
          const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === path[n - 1]);
          const k = pair?.key as Node | undefined;
          if (k?.range) return at(k.range[0]);
        }
      }
      const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | null | undefined;
      if (node && typeof node === 'object' && 'range' in node && node.range) return at(node.range[0]);
    }
    return `${file}:1:1`;
  };
  if (errors.length > 0) return { value: undefined, errors, locate: (p) => locate(p) };
  const value = doc.toJS() as unknown;
  if (!validate(value)) {
    const seen = new Set<string>();
    for (const err of validate.errors ?? []) {
      // anyOf branches repeat themselves: report the anyOf once, not every branch.
      if (err.schemaPath.includes('/anyOf/')) continue;
      const path = err.instancePath
        .split('/')
        .slice(1)
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      const isProp = err.keyword === 'additionalProperties';
      const full = isProp
        ? [...path, (err.params as { additionalProperty: string }).additionalProperty]
        : path;
      const line = `${locate(full, isProp)}: ${err.keyword === 'anyOf' ? `${dotted(path)} has the wrong type` : describe(err, path)}`;
      if (!seen.has(line)) {
        seen.add(line);
        errors.push(line);
      }
    }
  }
  if (errors.length === 0) semanticChecks(value as Record<string, unknown>, errors, locate);
  return { value, errors, locate: (p) => locate(p) };
}

const BUILTINS = /^\$(vu|iteration|scenario|uuid|timestamp|env\.|randomInt\(|data\.)/;
const TEMPLATE = /\{\{\s*([^}]*?)\s*\}\}/g;

type Obj = Record<string, unknown>;

/** Rules the schema cannot state: one of flow/user/preset, users that exist, durations, variables. */
function semanticChecks(
  doc: Obj,
  errors: string[],
  locate: (p: (string | number)[], key?: boolean) => string,
): void {
  const users = (doc.users ?? {}) as Obj;
  const data = (doc.data ?? {}) as Obj;
  const captured = new Set<string>();
  const templates: { text: string; path: (string | number)[] }[] = [];
  const durations: { value: unknown; path: (string | number)[] }[] = [];

  const walkFlow = (flow: unknown, path: (string | number)[]): void => {
    if (!Array.isArray(flow)) return;
    flow.forEach((step: Obj, i) => {
      const p = [...path, i];
      const kinds = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'].filter((m) => m in step);
      const other = ['think', 'group', 'loop'].filter((k) => k in step);
      if (kinds.length + other.length !== 1 && !(other.length === 1 && kinds.length === 0))
        errors.push(
          `${locate(p)}: a step is exactly one of a request (get/post/put/patch/delete/head/options), think, group or loop`,
        );
      if ((step.group !== undefined || step.loop !== undefined) && !Array.isArray(step.flow))
        errors.push(`${locate(p)}: group and loop steps need a flow`);
      if (step.think !== undefined) {
        const t = step.think;
        const ok =
          typeof t === 'number'
            ? t >= 0
            : typeof t === 'string' &&
              (/^\s*[\d.]+\s*-\s*[\d.]+[a-zµ]*\s*$/.test(t) || tryParseDurationMs(t) !== undefined);
        if (!ok)
          errors.push(
            `${locate([...p, 'think'])}: think: malformed duration ${JSON.stringify(t)} (e.g. 2s or 1-3s)`,
          );
      }
      if (step.timeout !== undefined) durations.push({ value: step.timeout, path: [...p, 'timeout'] });
      if ((step.check as Obj | undefined)?.maxDuration !== undefined)
        durations.push({ value: (step.check as Obj).maxDuration, path: [...p, 'check', 'maxDuration'] });
      for (const v of Object.keys((step.capture as Obj | undefined) ?? {})) {
        captured.add(v);
        const spec = (step.capture as Record<string, Obj>)[v] as Obj;
        if (Object.keys(spec).length !== 1)
          errors.push(
            `${locate([...p, 'capture', v])}: capture '${v}' takes exactly one of json, header, regex, status`,
          );
        if (typeof spec.regex === 'string') {
          try {
            new RegExp(spec.regex);
          } catch (e) {
            errors.push(`${locate([...p, 'capture', v, 'regex'])}: ${(e as Error).message}`);
          }
        }
      }
      const collect = (v: unknown, vp: (string | number)[]): void => {
        if (typeof v === 'string') templates.push({ text: v, path: vp });
        else if (Array.isArray(v)) v.forEach((x, k) => collect(x, [...vp, k]));
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) collect(x, [...vp, k]);
      };
      for (const k of [...kinds, 'headers', 'json', 'body', 'form', 'query', 'params'])
        if (step[k] !== undefined) collect(step[k], [...p, k]);
      if (Array.isArray(step.flow)) walkFlow(step.flow, [...p, 'flow']);
    });
  };

  const scenarios = doc.scenarios as Record<string, Obj>;
  for (const [name, s] of Object.entries(scenarios)) {
    const p = ['scenarios', name];
    const n = ['flow', 'user', 'preset'].filter((k) => s[k] !== undefined).length;
    const runs = ['flow', 'user'].filter((k) => s[k] !== undefined).length;
    if (runs !== 1) errors.push(`${locate(p)}: scenarios.${name} needs exactly one of flow or user`);
    if (s.preset === undefined && s.executor === undefined)
      errors.push(`${locate(p)}: scenarios.${name} needs an executor (or a preset)`);
    if (s.preset !== undefined && s.executor !== undefined)
      errors.push(
        `${locate([...p, 'executor'])}: scenarios.${name}: a preset sets the executor; remove one of them`,
      );
    void n;
    if (typeof s.user === 'string' && !(s.user in users))
      errors.push(
        `${locate([...p, 'user'])}: scenarios.${name}.user: no user '${s.user}' in users${suggest(s.user, Object.keys(users))}`,
      );
    for (const f of ['duration', 'startTime', 'gracefulStop', 'maxDuration', 'gracefulRampDown', 'timeUnit'])
      if (s[f] !== undefined) durations.push({ value: s[f], path: [...p, f] });
    if (Array.isArray(s.stages))
      s.stages.forEach((st: Obj, i) =>
        durations.push({ value: st.duration, path: [...p, 'stages', i, 'duration'] }),
      );
    walkFlow(s.flow, [...p, 'flow']);
  }
  for (const [name, u] of Object.entries(users as Record<string, Obj>)) {
    walkFlow(u.onStart, ['users', name, 'onStart']);
    walkFlow(u.onStop, ['users', name, 'onStop']);
    if (Array.isArray(u.tasks))
      (u.tasks as Obj[]).forEach((t, i) => walkFlow(t.flow, ['users', name, 'tasks', i, 'flow']));
    const b = (u.wait as Obj | undefined)?.between as number[] | undefined;
    if (b && (b[1] as number) < (b[0] as number))
      errors.push(`${locate(['users', name, 'wait', 'between'])}: between: max must be >= min`);
  }
  for (const [name, d] of Object.entries(data as Record<string, Obj>))
    if ((d.csv === undefined) === (d.json === undefined))
      errors.push(`${locate(['data', name])}: data.${name} needs exactly one of csv or json`);
  if (doc.http && (doc.http as Obj).timeout !== undefined)
    durations.push({ value: (doc.http as Obj).timeout, path: ['http', 'timeout'] });
  if (typeof doc.baseUrl === 'string')
    for (const m of doc.baseUrl.matchAll(TEMPLATE))
      if (!/^\$env\./.test(m[1] as string))
        errors.push(
          `${locate(['baseUrl'])}: baseUrl may only use {{ $env.NAME }} (or {{ $env.NAME ?? default }})`,
        );
  for (const d of durations)
    if (tryParseDurationMs(d.value as string) === undefined)
      errors.push(
        `${locate(d.path)}: malformed duration ${JSON.stringify(d.value)} (e.g. 500ms, 30s, 1m30s)`,
      );
  for (const t of templates) {
    for (const m of t.text.matchAll(TEMPLATE)) {
      const expr = m[1] as string;
      if (BUILTINS.test(expr)) {
        const dm = /^\$data\.([A-Za-z_][\w-]*)\.(perVu|perIteration|unique|random)(\.[\w.-]+)?$/.exec(expr);
        if (expr.startsWith('$data.') && (!dm || !((dm[1] as string) in data)))
          errors.push(
            `${locate(t.path)}: {{ ${expr} }}: use $data.NAME.perVu|perIteration|unique|random.FIELD with NAME in data`,
          );
        continue;
      }
      if (!/^[A-Za-z_][\w]*$/.test(expr))
        errors.push(
          `${locate(t.path)}: {{ ${expr} }} is not a variable or built-in ($vu, $iteration, $scenario, $env.NAME, $uuid, $timestamp, $randomInt(a, b), $data.NAME.perVu.FIELD)`,
        );
      else if (!captured.has(expr))
        errors.push(
          `${locate(t.path)}: {{ ${expr} }}: no step captures '${expr}'${suggest(expr, [...captured])}`,
        );
    }
  }
}
