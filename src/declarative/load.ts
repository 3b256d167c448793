/**
 * Reads a declarative test file (YAML or JSON, both through the YAML parser so every node has a
 * position), validates it against TEST_FILE_SCHEMA, then checks what a schema cannot say (one
 * thing to run per scenario, users and flows that exist, durations, variables captured before
 * they are used, preset options, executor rules, threshold syntax). Every problem is reported at
 * once, in file order, as `FILE:LINE:COL: message`.
 */
import { Ajv, type ErrorObject } from 'ajv';
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type Pair,
} from 'yaml';
import { tryParseDurationMs, parseDurationRangeMs } from '../config/duration.js';
import { closest, suggest } from '../config/suggest.js';
import type { ScenarioConfig, ThresholdSpec } from '../config/types.js';
import { VolleyError } from '../errors.js';
import { pathSegments, problemPath, problemText } from '../config/problems.js';
import { validateScenario } from '../executors/registry.js';
import { BUILTIN_BY_NAME } from '../metrics/definitions.js';
import { parseThresholds } from '../thresholds/parse.js';
import {
  EXECUTOR_FIELDS,
  EXECUTOR_NAMES,
  HTTP_METHODS,
  PRESET_KEEPS,
  PRESET_ONLY_OPTIONS,
  PRESET_OPTIONS,
  SCENARIO_DURATION_FIELDS,
  TEST_FILE_SCHEMA,
  type PresetName,
} from './schema.js';
import { parseTemplate, type TemplateExpr } from './templates.js';

/** A position in the document: keys and list indexes from the root, e.g. `['scenarios', 'load', 'flow', 0]`. */
export type DocPath = readonly (string | number)[];

/** `FILE:LINE:COL` of a document path (or of its nearest parent that exists). */
export type Locator = (path: DocPath) => string;

/** A preset by name: options in, executor fields out (src/script/presets.ts PRESETS). */
export type PresetMap = Readonly<
  Record<string, (options: Record<string, unknown>) => Omit<ScenarioConfig, 'exec'>>
>;

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

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validateSchema = ajv.compile(TEST_FILE_SCHEMA);

// ---------------------------------------------------------------------------------------------
// Messages

/** `scenarios.load.flow[0].get`; keys that are not plain names are quoted. */
export function dotted(path: DocPath): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out === '' ? 'the top level' : out;
}

const show = (v: unknown): string => {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a map';
  return JSON.stringify(v) ?? String(v);
};

const TYPE_WORDS: Readonly<Record<string, string>> = {
  object: 'a map',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  integer: 'integer',
  boolean: 'a boolean',
  null: 'null',
};
/** `a, b or c`. */
const either = (words: string[]): string =>
  words.length <= 1
    ? (words[0] ?? '')
    : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1] as string}`;
const typeWords = (t: unknown): string =>
  either((Array.isArray(t) ? t : [t]).map((x) => TYPE_WORDS[String(x)] ?? String(x)));

/** What the branches of an `anyOf` accept: `integer or a list of integer`. */
function anyOfWords(branches: unknown): string {
  if (!Array.isArray(branches)) return 'something else';
  return either(
    branches.map((b: Obj) => {
      if (b.type === 'array' && isObj(b.items)) {
        const items = b.items.anyOf ? anyOfWords(b.items.anyOf) : typeWords(b.items.type);
        return `a list of ${items}`;
      }
      if (b.type === 'object' && isObj(b.properties)) return `{ ${Object.keys(b.properties).join(', ')} }`;
      return typeWords(b.type);
    }),
  );
}

function schemaMessage(err: ErrorObject, path: DocPath): string {
  const where = dotted(path);
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const prop = String(p.additionalProperty);
      const parent = err.parentSchema as { properties?: Obj } | undefined;
      return `unknown field '${prop}' in ${where}${suggest(prop, Object.keys(parent?.properties ?? {}))}`;
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const got = err.data;
      const best = typeof got === 'string' ? closest(got, allowed) : undefined;
      return `${where} must be one of ${allowed.join(', ')} (got ${show(got)}${best ? `; did you mean '${best}'?` : ''})`;
    }
    case 'required':
      return `${where}: missing field '${String(p.missingProperty)}'`;
    case 'type':
      return `${where} must be ${typeWords(p.type)} (got ${show(err.data)})`;
    case 'anyOf':
      return `${where} must be ${anyOfWords(err.schema)} (got ${show(err.data)})`;
    case 'const':
      return `${where} must be ${show(p.allowedValue)}`;
    case 'minimum':
      return `${where} must be >= ${String(p.limit)} (got ${show(err.data)})`;
    case 'minItems':
    case 'maxItems':
      return `${where} must have ${err.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`;
    case 'minProperties':
      return path.length === 1 && path[0] === 'scenarios'
        ? 'scenarios: define at least one scenario'
        : `${where} must not be empty`;
    case 'minLength':
    case 'maxLength':
      return `${where} must be ${String(p.limit)} character${p.limit === 1 ? '' : 's'} ${err.keyword === 'minLength' ? 'or more' : 'or less'}`;
    default:
      return `${where} ${err.message ?? 'is invalid'}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Positions

interface Found {
  /** The value node (or the key node of the last pair found when the path goes further). */
  node: Node | undefined;
  key: Node | undefined;
  complete: boolean;
}

function walk(doc: Document, path: DocPath): Found {
  let node = doc.contents as Node | null;
  let key: Node | undefined;
  for (let i = 0; i < path.length; i++) {
    if (node && isAlias(node)) node = (node.resolve(doc) as Node | undefined) ?? null;
    const seg = path[i] as string | number;
    if (isMap(node)) {
      const pair = (node.items as Pair<Node, Node>[]).find(
        (it) => isScalar(it.key) && String(it.key.value) === String(seg),
      );
      if (!pair) return { node: key ? undefined : (node as Node), key, complete: false };
      key = pair.key ?? undefined;
      node = pair.value ?? null;
      if (!node) return { node: undefined, key, complete: i === path.length - 1 };
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      key = undefined;
      node = node.items[seg] as Node;
    } else {
      return { node: node ?? undefined, key, complete: false };
    }
  }
  return { node: node ?? undefined, key, complete: true };
}

// ---------------------------------------------------------------------------------------------
// Issues

interface Issue {
  offset: number;
  where: string;
  message: string;
}

class Issues {
  readonly list: Issue[] = [];
  private readonly paths = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly lc: LineCounter,
    private readonly doc: Document | undefined,
  ) {}

  at(offset: number): string {
    const p = this.lc.linePos(offset);
    return `${this.file}:${p.line}:${p.col}`;
  }

  /** The offset of a path: its value node, or its key (`key`), or the nearest existing parent's key. */
  offsetOf(path: DocPath, key = false): number {
    if (!this.doc) return 0;
    const f = walk(this.doc, path);
    if (f.complete) {
      const n = key && f.key ? f.key : (f.node ?? f.key);
      return n?.range?.[0] ?? 0;
    }
    return (f.key ?? f.node)?.range?.[0] ?? 0;
  }

  addAt(offset: number, message: string): void {
    this.list.push({ offset, where: this.at(offset), message });
  }

  add(path: DocPath, message: string, key = false): void {
    const offset = this.offsetOf(path, key);
    const id = JSON.stringify(path);
    this.paths.add(id);
    this.list.push({ offset, where: this.at(offset), message });
  }

  /** Counts `path` as having a problem without a message (suppresses follow-up messages). */
  mark(path: DocPath): void {
    this.paths.add(JSON.stringify(path));
  }

  has(path: DocPath): boolean {
    return this.paths.has(JSON.stringify(path));
  }

  lines(): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const i of [...this.list].sort((a, b) => a.offset - b.offset)) {
      const line = `${i.where}: ${i.message}`;
      if (!seen.has(line)) {
        seen.add(line);
        out.push(line);
      }
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

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
  const locate: Locator = (p) => issues.at(issues.offsetOf(p));
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
  if (!validateSchema(value)) {
    for (const err of validateSchema.errors ?? []) {
      // The branches of an anyOf fail on their own: the anyOf error says it once.
      if (err.schemaPath.includes('/anyOf/')) continue;
      // propertyNames reports the pattern failure and then itself: keep the first.
      if (err.keyword === 'propertyNames') continue;
      const at = err.instancePath
        .split('/')
        .slice(1)
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((s, i, all) =>
          /^\d+$/.test(s) && Array.isArray(pathValue(value, all.slice(0, i))) ? Number(s) : s,
        );
      const p = err.params as Record<string, unknown>;
      if (err.keyword === 'additionalProperties') {
        const prop = String(p.additionalProperty);
        issues.add([...at, prop], schemaMessage(err, at), true);
        // 'duraton' (did you mean 'duration'?): no second message saying duration is missing.
        const parent = err.parentSchema as { properties?: Obj } | undefined;
        const best = closest(prop, Object.keys(parent?.properties ?? {}));
        if (best !== undefined) issues.mark([...at, best]);
      } else if (typeof err.propertyName === 'string') {
        issues.add(
          [...at, err.propertyName],
          `${dotted(at)}: '${err.propertyName}' is not a valid name (letters, digits, _ and -, not starting with a digit)`,
          true,
        );
      } else {
        issues.add(at, schemaMessage(err, at));
      }
    }
  }
  if (isObj(value)) new Semantics(value, issues, options).run();
  return { value, errors: issues.lines(), locate };
}

function pathValue(root: unknown, path: readonly string[]): unknown {
  let cur = root;
  for (const k of path) cur = isObj(cur) || Array.isArray(cur) ? (cur as Obj)[k] : undefined;
  return cur;
}

/** Throws the file's problems as one VolleyError (every problem in `details`). */
export function assertValid(parsed: ParsedTestFile): void {
  if (parsed.errors.length > 0)
    throw new VolleyError('INVALID_CONFIG', parsed.errors[0] as string, { details: parsed.errors });
}

// ---------------------------------------------------------------------------------------------
// Checks the schema cannot express

const REQUEST_ONLY = [
  'headers',
  'json',
  'body',
  'form',
  'query',
  'params',
  'name',
  'tags',
  'timeout',
  'redirects',
  'capture',
  'check',
];
const MALFORMED = (v: unknown, path: DocPath): string =>
  `malformed duration ${show(v)} in ${dotted(path)} (e.g. 500ms, 30s, 1m30s, or a number of seconds)`;

const PARAM = /:([A-Za-z_]\w*)/g;

/** The path part of a URL template (no origin, no query): where `:name` placeholders live. */
const urlPath = (url: string): string =>
  url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split('?')[0] as string;

/** Variables a flow captures, in order, with where. */
interface Capture {
  name: string;
  path: DocPath;
}

class Semantics {
  private readonly users: Obj;
  private readonly flows: Obj;
  private readonly data: Obj;
  /** Every variable captured anywhere (for suggestions). */
  private readonly allCaptures = new Set<string>();

  constructor(
    private readonly doc: Obj,
    private readonly issues: Issues,
    private readonly options: ParseOptions,
  ) {
    this.users = isObj(doc.users) ? doc.users : {};
    this.flows = isObj(doc.flows) ? doc.flows : {};
    this.data = isObj(doc.data) ? doc.data : {};
  }

  run(): void {
    this.collectAllCaptures(this.doc);
    this.topLevel();
    for (const [name, f] of Object.entries(this.flows)) this.flow(f, ['flows', name], new Set(), new Set());
    if (isObj(this.doc.scenarios))
      for (const [name, s] of Object.entries(this.doc.scenarios)) if (isObj(s)) this.scenario(name, s);
    for (const [name, u] of Object.entries(this.users)) if (isObj(u)) this.user(name, u);
    this.thresholds();
  }

  private collectAllCaptures(v: unknown): void {
    if (Array.isArray(v)) v.forEach((x) => this.collectAllCaptures(x));
    else if (isObj(v)) {
      if (isObj(v.capture) && HTTP_METHODS.some((m) => v[m] !== undefined))
        for (const k of Object.keys(v.capture)) this.allCaptures.add(k);
      for (const x of Object.values(v)) this.collectAllCaptures(x);
    }
  }

  private duration(v: unknown, path: DocPath): void {
    if (v === undefined || this.issues.has(path)) return;
    if ((typeof v !== 'string' && typeof v !== 'number') || tryParseDurationMs(v) === undefined)
      this.issues.add(path, MALFORMED(v, path));
  }

  /** Templates allowed where the value is fixed when the file loads: only $env (and literals). */
  private envOnly(text: unknown, path: DocPath): void {
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

  private topLevel(): void {
    this.envOnly(this.doc.baseUrl, ['baseUrl']);
    const http = this.doc.http;
    if (isObj(http)) {
      this.duration(http.timeout, ['http', 'timeout']);
      if (isObj(http.headers))
        for (const [k, v] of Object.entries(http.headers)) this.envOnly(v, ['http', 'headers', k]);
    }
    for (const [name, d] of Object.entries(this.data)) {
      if (!isObj(d)) continue;
      const kinds = ['csv', 'json'].filter((k) => d[k] !== undefined);
      if (kinds.length !== 1)
        this.issues.add(['data', name], `data.${name} needs exactly one of csv: PATH or json: PATH`, true);
      if (d.json !== undefined)
        for (const k of ['header', 'delimiter'])
          if (d[k] !== undefined)
            this.issues.add(['data', name, k], `data.${name}.${k} only applies to csv files`, true);
    }
  }

  private scenario(name: string, s: Obj): void {
    const p = ['scenarios', name];
    const runs = ['flow', 'user', 'exec'].filter((k) => s[k] !== undefined);
    if (runs.length === 0)
      this.issues.add(p, `scenarios.${name} has nothing to run: give it one of flow, user or exec`, true);
    else if (runs.length > 1)
      this.issues.add(
        [...p, runs[1] as string],
        `scenarios.${name}: give only one of flow, user or exec (found ${runs.join(', ')})`,
        true,
      );
    if (typeof s.user === 'string' && !Object.hasOwn(this.users, s.user))
      this.issues.add(
        [...p, 'user'],
        `scenarios.${name}.user: no user '${s.user}' in users${suggest(s.user, Object.keys(this.users)) || ` (users: ${Object.keys(this.users).join(', ') || 'none'})`}`,
      );
    if (typeof s.exec === 'string' && !Object.hasOwn(this.flows, s.exec))
      this.issues.add(
        [...p, 'exec'],
        `scenarios.${name}.exec: no flow '${s.exec}' in flows${suggest(s.exec, Object.keys(this.flows)) || ` (flows: ${Object.keys(this.flows).join(', ') || 'none'})`}`,
      );
    for (const f of SCENARIO_DURATION_FIELDS) this.duration(s[f], [...p, f]);
    if (Array.isArray(s.stages))
      s.stages.forEach((st, i) => {
        if (isObj(st)) this.duration(st.duration, [...p, 'stages', i, 'duration']);
      });
    if (s.flow !== undefined) this.flow(s.flow, [...p, 'flow'], new Set(), new Set());

    const preset = s.preset;
    if (preset !== undefined) {
      if (s.executor !== undefined)
        this.issues.add(
          [...p, 'executor'],
          `scenarios.${name}: a preset sets the executor; give preset or executor, not both`,
          true,
        );
      if (typeof preset === 'string' && Object.hasOwn(PRESET_OPTIONS, preset))
        this.presetScenario(name, s, preset as PresetName);
      return;
    }
    if (s.executor === undefined)
      this.issues.add(
        p,
        `scenarios.${name} needs an executor (one of ${EXECUTOR_NAMES.join(', ')}) or a preset`,
        true,
      );
    for (const o of PRESET_ONLY_OPTIONS)
      if (s[o] !== undefined)
        this.issues.add(
          [...p, o],
          `scenarios.${name}.${o} is a preset option, but the scenario has no preset`,
          true,
        );
    if (typeof s.executor === 'string' && (EXECUTOR_NAMES as readonly string[]).includes(s.executor)) {
      const cfg: Obj = {};
      for (const f of EXECUTOR_FIELDS) if (s[f] !== undefined) cfg[f] = s[f];
      this.executorRules(name, cfg as unknown as ScenarioConfig, false);
    }
  }

  private presetScenario(name: string, s: Obj, preset: PresetName): void {
    const p = ['scenarios', name];
    const accepted: readonly string[] = PRESET_OPTIONS[preset];
    const keep = new Set<string>([...PRESET_KEEPS, 'flow', 'user', 'exec', 'preset', 'executor']);
    const options: Obj = {};
    for (const [k, v] of Object.entries(s)) {
      if (accepted.includes(k)) options[k] = v;
      else if (!keep.has(k) && !this.issues.has([...p, k]))
        this.issues.add(
          [...p, k],
          `scenarios.${name}.${k}: not an option of preset ${preset} (options: ${accepted.join(', ')})${suggest(k, accepted)}`,
          true,
        );
    }
    const fn = this.options.presets?.[preset];
    if (!fn || ['preset', ...Object.keys(options)].some((k) => this.issues.has([...p, k]))) return;
    let resolved: Omit<ScenarioConfig, 'exec'>;
    try {
      resolved = fn(options);
    } catch (err) {
      const details =
        err instanceof VolleyError && err.details.length > 0 ? err.details : [(err as Error).message];
      for (const d of details) {
        // "load: rampUp: malformed duration …" → at rampUp.
        const m = /^\w+: (?:unknown option ')?(\w+)/.exec(d);
        const field = m && Object.hasOwn(s, m[1] as string) ? (m[1] as string) : 'preset';
        this.issues.add([...p, field], `scenarios.${name}: preset ${d}`);
      }
      return;
    }
    const cfg: Obj = { ...resolved };
    for (const k of PRESET_KEEPS) if (s[k] !== undefined) cfg[k] = s[k];
    this.executorRules(name, cfg as unknown as ScenarioConfig, true);
  }

  /** The executor's own rules (src/executors), each at its field unless that field already has a problem. */
  private executorRules(name: string, cfg: ScenarioConfig, fromPreset: boolean): void {
    const p = ['scenarios', name];
    for (const e of validateScenario(cfg, problemPath('scenarios', name))) {
      const segs = pathSegments(e.path).slice(2);
      if (segs.length > 0 && (this.issues.has([...p, ...segs]) || this.issues.has([...p, segs[0] as string])))
        continue;
      if (fromPreset)
        this.issues.add(
          [...p, 'preset'],
          `${problemText(e)} (from preset ${String((cfg as unknown as Obj).executor)})`,
        );
      // An unknown field is shown at its key; other rules at the value.
      else this.issues.add([...p, ...segs], problemText(e), e.code === 'unknown-field');
    }
  }

  private user(name: string, u: Obj): void {
    const p = ['users', name];
    const w = u.wait;
    if (isObj(w)) {
      const kinds = ['between', 'constant', 'pacing'].filter((k) => w[k] !== undefined);
      if (kinds.length !== 1)
        this.issues.add(
          [...p, 'wait'],
          `users.${name}.wait takes exactly one of between: [MIN, MAX], constant: S or pacing: S`,
        );
      const b = w.between;
      if (Array.isArray(b) && typeof b[0] === 'number' && typeof b[1] === 'number' && b[1] < b[0])
        this.issues.add(
          [...p, 'wait', 'between'],
          `users.${name}.wait.between: max (${b[1]}) must be >= min (${b[0]})`,
        );
    }
    const tasks = Array.isArray(u.tasks) ? u.tasks.filter(isObj) : [];
    if (tasks.length > 0 && tasks.every((t) => typeof t.weight === 'number' && t.weight === 0))
      this.issues.add([...p, 'tasks'], `users.${name}.tasks: at least one task needs a weight > 0`);
    // Variables: onStart's captures reach every task and onStop; a task may use what another
    // task captured (it may have run before, checked when it runs), but not what it captures later itself.
    const onStart = this.flow(u.onStart, [...p, 'onStart'], new Set(), new Set());
    const taskCaptures = (Array.isArray(u.tasks) ? u.tasks : []).map((t) =>
      isObj(t) ? this.capturesOf(t.flow) : [],
    );
    const fromStart = new Set(onStart.map((c) => c.name));
    (Array.isArray(u.tasks) ? u.tasks : []).forEach((t, i) => {
      if (!isObj(t)) return;
      const others = new Set(taskCaptures.flatMap((c, j) => (j === i ? [] : c)));
      this.flow(t.flow, [...p, 'tasks', i, 'flow'], fromStart, others);
    });
    this.flow(u.onStop, [...p, 'onStop'], fromStart, new Set(taskCaptures.flat()));
  }

  private capturesOf(flow: unknown): string[] {
    const out: string[] = [];
    const visit = (f: unknown): void => {
      if (!Array.isArray(f)) return;
      for (const step of f) {
        if (!isObj(step)) continue;
        if (isObj(step.capture)) out.push(...Object.keys(step.capture));
        visit(step.flow);
      }
    };
    visit(flow);
    return out;
  }

  /**
   * Checks a flow's steps in order. `available`: variables captured before the flow starts;
   * `maybe`: variables other flows of the same VU may have captured (checked at run time).
   * Returns the flow's captures in order.
   */
  private flow(
    flow: unknown,
    path: DocPath,
    available: ReadonlySet<string>,
    maybe: ReadonlySet<string>,
  ): Capture[] {
    const captured: Capture[] = [];
    const have = new Set(available);
    const later = new Map<string, DocPath>();
    const collectLater = (f: unknown, fp: DocPath): void => {
      if (!Array.isArray(f)) return;
      f.forEach((step, i) => {
        if (!isObj(step)) return;
        if (isObj(step.capture))
          for (const k of Object.keys(step.capture))
            if (!later.has(k)) later.set(k, [...fp, i, 'capture', k]);
        collectLater(step.flow, [...fp, i, 'flow']);
      });
    };
    collectLater(flow, path);
    const steps = (f: unknown, fp: DocPath): void => {
      if (f === undefined || !Array.isArray(f)) return;
      f.forEach((step, i) => {
        if (isObj(step)) this.step(step, [...fp, i], have, maybe, later, captured, steps);
      });
    };
    steps(flow, path);
    return captured;
  }

  private step(
    step: Obj,
    p: DocPath,
    have: Set<string>,
    maybe: ReadonlySet<string>,
    later: ReadonlyMap<string, DocPath>,
    captured: Capture[],
    steps: (f: unknown, fp: DocPath) => void,
  ): void {
    const methods = HTTP_METHODS.filter((m) => step[m] !== undefined);
    const others = (['think', 'group', 'loop'] as const).filter((k) => step[k] !== undefined);
    const kinds = [...methods, ...others];
    if (kinds.length === 0) {
      this.issues.add(
        p,
        `${dotted(p)}: a step needs one of get/post/put/patch/delete/head/options: URL, think, group or loop`,
      );
      return;
    }
    if (kinds.length > 1) {
      this.issues.add(
        [...p, kinds[1] as string],
        `${dotted(p)}: one step is one of a request, think, group or loop (found ${kinds.join(', ')})`,
        true,
      );
      return;
    }
    const kind = kinds[0] as string;
    if (kind === 'group' || kind === 'loop') {
      if (!Array.isArray(step.flow))
        this.issues.add([...p, kind], `${dotted(p)}: a ${kind} step needs a flow: [steps]`, true);
    } else if (step.flow !== undefined) {
      this.issues.add([...p, 'flow'], `${dotted(p)}: flow belongs to group and loop steps`, true);
    }
    if (kind === 'think' || kind === 'group' || kind === 'loop') {
      for (const k of REQUEST_ONLY)
        if (step[k] !== undefined)
          this.issues.add([...p, k], `${dotted(p)}: '${k}' only applies to a request step`, true);
      if (
        kind === 'think' &&
        !this.issues.has([...p, 'think']) &&
        parseDurationRangeMs(step.think) === undefined
      )
        this.issues.add(
          [...p, 'think'],
          `think: malformed duration ${show(step.think)} (e.g. 2s, 500ms, or a range 1-3s)`,
        );
      if (kind !== 'think') steps(step.flow, [...p, 'flow']);
      return;
    }
    // A request.
    const bodies = ['json', 'body', 'form'].filter((k) => step[k] !== undefined);
    if (bodies.length > 1)
      this.issues.add(
        [...p, bodies[1] as string],
        `${dotted(p)}: give one body: json, body or form (found ${bodies.join(', ')})`,
        true,
      );
    this.duration(step.timeout, [...p, 'timeout']);
    const use = (v: unknown, vp: DocPath): void => this.templates(v, vp, have, maybe, later);
    use(step[kind], [...p, kind]);
    for (const k of ['headers', 'json', 'body', 'form', 'query', 'params']) use(step[k], [...p, k]);
    const url = step[kind];
    if (
      this.doc.baseUrl === undefined &&
      typeof url === 'string' &&
      !/^\s*\{\{/.test(url) &&
      !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)
    )
      this.issues.add([...p, kind], `${dotted(p)}: '${url}' is a relative URL, but the test has no baseUrl`);
    if (isObj(step.params) && typeof url === 'string') {
      const names = new Set([...urlPath(url).matchAll(PARAM)].map((m) => m[1] as string));
      for (const k of Object.keys(step.params))
        if (!names.has(k))
          this.issues.add(
            [...p, 'params', k],
            `${dotted(p)}.params.${k}: the URL has no :${k} placeholder`,
            true,
          );
      for (const n of names)
        if (!Object.hasOwn(step.params, n))
          this.issues.add([...p, 'params'], `${dotted(p)}.params: no value for :${n} in the URL`, true);
    }
    const check = step.check;
    if (isObj(check)) {
      this.duration(check.maxDuration, [...p, 'check', 'maxDuration']);
      use(check.json, [...p, 'check', 'json']);
      use(check.header, [...p, 'check', 'header']);
      use(check.bodyContains, [...p, 'check', 'bodyContains']);
    }
    // Captures become available after the request (its own templates cannot use them).
    if (isObj(step.capture)) {
      for (const [v, spec] of Object.entries(step.capture)) {
        const cp = [...p, 'capture', v];
        if (isObj(spec)) {
          const sources = ['json', 'header', 'regex', 'status'].filter((k) => spec[k] !== undefined);
          if (sources.length !== 1)
            this.issues.add(
              cp,
              `capture '${v}' takes exactly one of json: PATH, header: NAME, regex: PATTERN or status: true`,
            );
          if (typeof spec.regex === 'string')
            try {
              new RegExp(spec.regex);
            } catch (err) {
              this.issues.add([...cp, 'regex'], `capture '${v}': ${(err as Error).message}`);
            }
        }
        captured.push({ name: v, path: cp });
        have.add(v);
      }
    }
  }

  /** Every template in a value (strings, and the string leaves of lists and maps). */
  private templates(
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

  private thresholds(): void {
    const t = this.doc.thresholds;
    if (!isObj(t)) return;
    const metrics = (n: string): ReturnType<typeof BUILTIN_BY_NAME.get> => BUILTIN_BY_NAME.get(n);
    for (const [key, v] of Object.entries(t)) {
      const list = Array.isArray(v) ? v : [v];
      const items: [ThresholdSpec, DocPath][] = [];
      list.forEach((spec, i) => {
        if (typeof spec === 'string' || (isObj(spec) && typeof spec.threshold === 'string'))
          items.push([
            spec as ThresholdSpec,
            Array.isArray(v) ? ['thresholds', key, i] : ['thresholds', key],
          ]);
      });
      if (items.length === 0) continue;
      // The key first (an unknown metric is reported once, at the key).
      const first = parseThresholds(
        { [key]: [items[0]?.[0] as ThresholdSpec] },
        metrics,
        BUILTIN_BY_NAME.keys(),
      ).problems;
      const keyError = first.find((e) => pathSegments(e.path).length === 2);
      if (keyError) {
        this.issues.add(['thresholds', key], problemText(keyError), true);
        continue;
      }
      for (const [spec, sp] of items)
        for (const e of parseThresholds({ [key]: [spec] }, metrics).problems)
          this.issues.add(sp, problemText(e));
    }
  }
}
