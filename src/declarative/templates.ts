/**
 * `{{ expr }}` templates of declarative test files, parsed once into parts: literal text and
 * expressions. The validator (load.ts) and the compiler (compile.ts) share this parser, so what is
 * accepted when the file is checked is exactly what runs.
 *
 * Expressions:
 *   NAME, NAME.path            a variable captured earlier by this VU (ctx.state), optionally a path into it
 *   $vu $iteration $vuIteration $scenario
 *   $uuid $timestamp $randomInt(a, b)
 *   $env.NAME, $env.NAME ?? default
 *   $data.NAME.perVu|perIteration|unique|random[.field]
 *   'text' or "text"           a literal (the way to write a literal `{{`)
 */

export type DataPick = 'perVu' | 'perIteration' | 'unique' | 'random';

export type TemplateExpr =
  | { kind: 'vu' | 'iteration' | 'vuIteration' | 'scenario' | 'uuid' | 'timestamp' }
  | { kind: 'randomInt'; min: number; max: number }
  | { kind: 'env'; name: string; fallback: string | undefined }
  | { kind: 'data'; name: string; pick: DataPick; field: string | undefined }
  | { kind: 'var'; name: string; path: string | undefined }
  | { kind: 'literal'; text: string };

export interface TemplateSlot {
  /** The expression as written between the braces, trimmed (for messages). */
  source: string;
  expr: TemplateExpr;
}

/** Literal text and expressions, in order. A string without `{{` is one text part. */
export type TemplatePart = string | TemplateSlot;

export interface ParsedTemplate {
  parts: TemplatePart[];
  /** Problems, each about one `{{ … }}` (or an unclosed one). */
  errors: string[];
}

export const BUILTINS =
  '$vu, $iteration, $vuIteration, $scenario, $uuid, $timestamp, $randomInt(a, b), $env.NAME, $data.NAME.perVu.FIELD';

const SIMPLE: Readonly<Record<string, TemplateExpr['kind']>> = {
  $vu: 'vu',
  $iteration: 'iteration',
  $vuIteration: 'vuIteration',
  $scenario: 'scenario',
  $uuid: 'uuid',
  $timestamp: 'timestamp',
};

const VAR = /^([A-Za-z_][\w-]*)((?:\.[\w-]+|\[\d+\])*)$/;
const ENV = /^\$env\.([A-Za-z_]\w*)(?:\s*\?\?\s*(.*))?$/s;
const RANDOM_INT = /^\$randomInt\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)$/;
const DATA = /^\$data\.([A-Za-z_][\w-]*)\.([A-Za-z]+)((?:\.[\w-]+|\[\d+\])*)$/;
const PICKS: readonly DataPick[] = ['perVu', 'perIteration', 'unique', 'random'];

const unquote = (s: string): string | undefined => {
  const m = /^(['"])(.*)\1$/s.exec(s.trim());
  return m ? (m[2] as string) : undefined;
};

/** A dotted/indexed path without its leading dot: `.a[0].b` → `a.0.b`. */
const normalizePath = (p: string): string | undefined =>
  p === '' ? undefined : p.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');

/** One expression, or a message saying what is wrong with it. */
export function parseExpr(source: string): TemplateExpr | string {
  const s = source.trim();
  if (s === '') return 'empty {{ }}';
  const literal = unquote(s);
  if (literal !== undefined) return { kind: 'literal', text: literal };
  const simple = SIMPLE[s];
  if (simple) return { kind: simple } as TemplateExpr;
  if (s.startsWith('$env')) {
    const m = ENV.exec(s);
    if (!m) return `{{ ${s} }}: write $env.NAME or $env.NAME ?? default`;
    const raw = m[2]?.trim();
    const fallback = raw === undefined ? undefined : (unquote(raw) ?? raw);
    return { kind: 'env', name: m[1] as string, fallback };
  }
  if (s.startsWith('$randomInt')) {
    const m = RANDOM_INT.exec(s);
    if (!m) return `{{ ${s} }}: write $randomInt(MIN, MAX) with two integers`;
    const min = Number(m[1]);
    const max = Number(m[2]);
    if (max < min) return `{{ ${s} }}: MAX must be >= MIN`;
    return { kind: 'randomInt', min, max };
  }
  if (s.startsWith('$data')) {
    const m = DATA.exec(s);
    if (!m || !PICKS.includes(m[2] as DataPick))
      return `{{ ${s} }}: write $data.NAME.${PICKS.join('|')}.FIELD (NAME an entry of data)`;
    return { kind: 'data', name: m[1] as string, pick: m[2] as DataPick, field: normalizePath(m[3] ?? '') };
  }
  if (s.startsWith('$')) return `{{ ${s} }}: unknown built-in (one of ${BUILTINS})`;
  const m = VAR.exec(s);
  if (!m)
    return `{{ ${s} }} is neither a captured variable (a name, optionally .path) nor a built-in (${BUILTINS})`;
  return { kind: 'var', name: m[1] as string, path: normalizePath(m[2] ?? '') };
}

/** Splits a string into text and `{{ … }}` expressions. */
export function parseTemplate(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const errors: string[] = [];
  let pos = 0;
  let literal = '';
  while (pos < text.length) {
    const open = text.indexOf('{{', pos);
    if (open < 0) break;
    const close = findClose(text, open + 2);
    if (close < 0) {
      errors.push(`unclosed {{ in ${JSON.stringify(text)} (a literal {{ is written {{ '{{' }})`);
      break;
    }
    literal += text.slice(pos, open);
    const source = text.slice(open + 2, close).trim();
    const expr = parseExpr(source);
    if (typeof expr === 'string') errors.push(expr);
    else if (expr.kind === 'literal') literal += expr.text;
    else {
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push({ source, expr });
    }
    pos = close + 2;
  }
  literal += text.slice(pos);
  if (literal !== '') parts.push(literal);
  return { parts, errors };
}

/** The `}}` closing a template opened before `from`, skipping quoted literals. */
function findClose(text: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      // A quote opens a literal only at the start of the expression.
      if (text.slice(from, i).trim() === '') quote = c;
    } else if (c === '}' && text[i + 1] === '}') return i;
  }
  return -1;
}

export const hasTemplate = (text: string): boolean => text.includes('{{');

/** Reads `a.0.b` out of a value (undefined when absent). */
