/**
 * Reads a declarative test file (YAML or JSON, both through the YAML parser so every node has a
 * position) and checks it in three passes, each in its own module: its structure against
 * TEST_FILE_SCHEMA (structure.ts), the definition through the validator scripts use too
 * (definition-checks.ts), and what only files have, flows and templates (flow-checks.ts). Every
 * problem is reported at once, in file order, as `FILE:LINE:COL: message`. Compiling a valid file
 * into a TestDefinition is compile.ts's job (index.ts hands it over).
 */
import { LineCounter, parseDocument } from 'yaml';
import { VolleyError } from '../errors.js';
import type { PresetMap } from '../script/validate-definition.js';
import { checkDefinition } from './definition-checks.js';
import { FlowChecks } from './flow-checks.js';
import { Issues, type Locator } from './locate.js';
import { checkStructure } from './structure.js';

export { dotted, type DocPath, type Locator } from './locate.js';
export type { PresetMap } from '../script/validate-definition.js';

export interface ParsedTestFile {
  /** The document as plain data; `undefined` when the file is not valid YAML/JSON. */
  value: unknown;
  /** Every problem, `FILE:LINE:COL: message`, in file order. Empty when the file is valid. */
  errors: string[];
  locate: Locator;
}

export interface ParseOptions {
  /** With the presets, preset scenarios are resolved and their executor rules checked too. */
  presets?: PresetMap;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function jsonSyntaxError(text: string): { offset: number; message: string } | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const message = (err as Error).message;
    const m = /at position (\d+)/.exec(message);
    const offset = m ? Number(m[1]) : text.length;
    return { offset, message: `invalid JSON: ${message.replace(/\s*in JSON at position \d+.*$/s, '')}` };
  }
}

/**
 * Parses and validates a test file. `path` is only used in messages and to pick JSON or YAML by
 * extension; the text is always read by the YAML parser (JSON is YAML) to get node positions.
 */
export function parseTestFile(path: string, text: string, options: ParseOptions = {}): ParsedTestFile {
  const lc = new LineCounter();
  if (/\.json$/i.test(path)) {
    const bad = jsonSyntaxError(text);
    if (bad) {
      lc.addNewLine(0);
      for (let i = 0; i < text.length; i++) if (text[i] === '\n') lc.addNewLine(i + 1);
      const issues = new Issues(path, lc, undefined);
      issues.addAt(bad.offset, bad.message);
      return { value: undefined, errors: issues.lines(), locate: () => `${path}:1:1` };
    }
  }
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, merge: true });
  const issues = new Issues(path, lc, doc);
  const locate = issues.locate;
  if (doc.errors.length > 0) {
    const lines = new Set<number>();
    for (const e of doc.errors) {
      // Point at the first character of an indented line rather than its start.
      let at = e.pos[0];
      if (at === 0 || text[at - 1] === '\n') while (text[at] === ' ') at++;
      // Later errors on the same line follow from the first.
      const line = lc.linePos(at).line;
      if (lines.has(line)) continue;
      lines.add(line);
      const hint =
        e.code === 'BLOCK_AS_IMPLICIT_KEY' || e.code === 'MULTILINE_IMPLICIT_KEY'
          ? ' (is the line below indented too far?)'
          : '';
      issues.addAt(at, `YAML: ${e.message.split('\n')[0] as string}${hint}`);
    }
    return { value: undefined, errors: issues.lines(), locate };
  }
  const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  if (value === null || value === undefined) {
    issues.addAt(0, 'the file is empty: a test needs at least scenarios');
    return { value, errors: issues.lines(), locate };
  }
  checkStructure(value, issues);
  if (isObj(value)) {
    checkDefinition(value, issues, options.presets);
    new FlowChecks(value, issues).run();
  }
  return { value, errors: issues.lines(), locate };
}

/** Throws the file's problems as one VolleyError (every problem in `details`). */
export function assertValid(parsed: ParsedTestFile): void {
  if (parsed.errors.length > 0)
    throw new VolleyError('INVALID_CONFIG', parsed.errors[0] as string, { details: parsed.errors });
}
