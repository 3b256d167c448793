/**
 * The flows of a declarative file: the steps of every flow (a request, think, group or loop),
 * the flows scenarios name, and the variables steps capture — each used only after the step that
 * captures it (onStart's captures reach every task; another task's are checked at run time).
 */
import { durationProblem, parseDurationRangeMs, showValue as show } from '../config/duration.js';
import { suggest } from '../config/suggest.js';
import { dotted, type DocPath, type Issues } from './locate.js';
import { stepKindSchemas } from '../protocols/registry.js';
import { HTTP_STEP_OPTIONS } from '../protocols/http/depth-options.js';

/** The keys of the protocol modules' step kinds (HTTP's get, post, …): a step that sends something. */
const STEP_KEYS: readonly string[] = stepKindSchemas().map((k) => k.key);
import { TemplateChecks } from './template-checks.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

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
  ...HTTP_STEP_OPTIONS,
  'capture',
  'check',
];
const PARAM = /:([A-Za-z_]\w*)/g;

/** The path part of a URL template (no origin, no query): where `:name` placeholders live. */
const urlPath = (url: string): string =>
  url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split('?')[0] as string;

/** Variables a flow captures, in order, with where. */
interface Capture {
  name: string;
  path: DocPath;
}

export class FlowChecks {
  private readonly users: Obj;
  private readonly flows: Obj;
  /** Every variable captured anywhere (for suggestions). */
  private readonly allCaptures = new Set<string>();
  private readonly templates: TemplateChecks;

  constructor(
    private readonly doc: Obj,
    private readonly issues: Issues,
  ) {
    this.users = isObj(doc.users) ? doc.users : {};
    this.flows = isObj(doc.flows) ? doc.flows : {};
    this.collectAllCaptures(doc);
    this.templates = new TemplateChecks(issues, isObj(doc.data) ? doc.data : {}, this.allCaptures);
  }

  run(): void {
    this.templates.envOnly(this.doc.baseUrl, ['baseUrl']);
    const http = this.doc.http;
    if (isObj(http) && isObj(http.headers))
      for (const [k, v] of Object.entries(http.headers)) this.templates.envOnly(v, ['http', 'headers', k]);
    for (const [name, f] of Object.entries(this.flows)) this.flow(f, ['flows', name], new Set(), new Set());
    if (isObj(this.doc.scenarios))
      for (const [name, s] of Object.entries(this.doc.scenarios)) if (isObj(s)) this.scenario(name, s);
    for (const [name, u] of Object.entries(this.users)) if (isObj(u)) this.user(name, u);
  }

  private collectAllCaptures(v: unknown): void {
    if (Array.isArray(v)) v.forEach((x) => this.collectAllCaptures(x));
    else if (isObj(v)) {
      if (isObj(v.capture) && STEP_KEYS.some((m) => v[m] !== undefined))
        for (const k of Object.keys(v.capture)) this.allCaptures.add(k);
      for (const x of Object.values(v)) this.collectAllCaptures(x);
    }
  }

  private duration(v: unknown, path: DocPath): void {
    if (v === undefined || this.issues.has(path)) return;
    const d = durationProblem(v, false);
    if (d) this.issues.add(path, `${dotted(path)}: ${d.message}`);
  }

  private scenario(name: string, s: Obj): void {
    const p = ['scenarios', name];
    if (typeof s.exec === 'string' && !Object.hasOwn(this.flows, s.exec))
      this.issues.add(
        [...p, 'exec'],
        `scenarios.${name}.exec: no flow '${s.exec}' in flows${suggest(s.exec, Object.keys(this.flows)) || ` (flows: ${Object.keys(this.flows).join(', ') || 'none'})`}`,
      );
    if (s.flow !== undefined) this.flow(s.flow, [...p, 'flow'], new Set(), new Set());
  }

  private user(name: string, u: Obj): void {
    const p = ['users', name];
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
    const methods = STEP_KEYS.filter((m) => step[m] !== undefined);
    const others = (['think', 'group', 'loop'] as const).filter((k) => step[k] !== undefined);
    const kinds = [...methods, ...others];
    if (kinds.length === 0) {
      this.issues.add(
        p,
        `${dotted(p)}: a step needs one of ${STEP_KEYS.join('/')}: URL, think, group or loop`,
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
          `${dotted([...p, 'think'])}: malformed duration ${show(step.think)} (e.g. 2s, 500ms, or a range 1-3s)`,
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
    const use = (v: unknown, vp: DocPath): void => this.templates.templates(v, vp, have, maybe, later);
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
              `${dotted(cp)}: takes exactly one of json: PATH, header: NAME, regex: PATTERN or status: true`,
            );
          if (typeof spec.regex === 'string')
            try {
              new RegExp(spec.regex);
            } catch (err) {
              this.issues.add([...cp, 'regex'], `${dotted([...cp, 'regex'])}: ${(err as Error).message}`);
            }
        }
        captured.push({ name: v, path: cp });
        have.add(v);
      }
    }
  }
}
