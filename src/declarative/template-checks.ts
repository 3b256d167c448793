/**
 * The `{{ }}` templates of a declarative file: their syntax, the data entries and variables they
 * read (a variable must be captured by an earlier step), and where only `{{ $env.NAME }}` works
 * because the value is fixed when the file loads.
 */
import { suggest } from '../config/suggest.js';
import { dotted, type DocPath, type Issues } from './locate.js';
import { parseTemplate, type TemplateExpr } from './templates.js';

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export class TemplateChecks {
  constructor(
    private readonly issues: Issues,
    /** The file's data entries. */
    private readonly data: Readonly<Record<string, unknown>>,
    /** Every variable captured anywhere in the file (for suggestions). */
    private readonly allCaptures: ReadonlySet<string>,
  ) {}

  /** Templates allowed where the value is fixed when the file loads: only $env (and literals). */
  envOnly(text: unknown, path: DocPath): void {
    if (typeof text !== 'string') return;
    const t = parseTemplate(text);
    for (const e of t.errors) this.issues.add(path, e);
    for (const p of t.parts)
      if (typeof p !== 'string' && p.expr.kind !== 'env')
        this.issues.add(
          path,
          `{{ ${p.source} }}: ${dotted(path)} is fixed when the file loads; only {{ $env.NAME }} works here`,
        );
  }

  /** Every template in a value (strings, and the string leaves of lists and maps). */
  templates(
    v: unknown,
    path: DocPath,
    have: ReadonlySet<string>,
    maybe: ReadonlySet<string>,
    later: ReadonlyMap<string, DocPath>,
  ): void {
    if (Array.isArray(v)) return v.forEach((x, i) => this.templates(x, [...path, i], have, maybe, later));
    if (isObj(v)) {
      for (const [k, x] of Object.entries(v)) this.templates(x, [...path, k], have, maybe, later);
      return;
    }
    if (typeof v !== 'string' || !v.includes('{{')) return;
    const t = parseTemplate(v);
    for (const e of t.errors) this.issues.add(path, e);
    for (const part of t.parts) {
      if (typeof part === 'string') continue;
      this.expr(part.expr, part.source, path, have, maybe, later);
    }
  }

  private expr(
    e: TemplateExpr,
    source: string,
    path: DocPath,
    have: ReadonlySet<string>,
    maybe: ReadonlySet<string>,
    later: ReadonlyMap<string, DocPath>,
  ): void {
    if (e.kind === 'data' && !Object.hasOwn(this.data, e.name)) {
      this.issues.add(
        path,
        `{{ ${source} }}: no data entry '${e.name}'${suggest(e.name, Object.keys(this.data)) || ` (data: ${Object.keys(this.data).join(', ') || 'none'})`}`,
      );
    }
    if (e.kind !== 'var' || have.has(e.name) || maybe.has(e.name)) return;
    const capturedAt = later.get(e.name);
    if (capturedAt) {
      const where = this.issues
        .at(this.issues.offsetOf(capturedAt, true))
        .replace(/^.*?:(\d+:\d+)$/, 'line $1');
      this.issues.add(
        path,
        `{{ ${source} }}: '${e.name}' is used before the step that captures it (${where})`,
      );
    } else {
      this.issues.add(
        path,
        `{{ ${source} }}: no step captures '${e.name}'${suggest(e.name, [...this.allCaptures, ...have]) || ' (a variable must be captured first: capture: { NAME: … })'}`,
      );
    }
  }
}
