/**
 * Declarative tests (YAML/JSON): the schema, YAML/JSON twins compiling to the same TestDefinition,
 * every mistake reported at once with FILE:LINE:COL, and the compiled flows run through a minimal
 * test-only VuContext whose HTTP client really sends each request (undici) to a node:http server
 * that records what it received.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { request as undiciRequest } from 'undici';
import { parse as parseYaml } from 'yaml';
import { VolleyError } from '../../src/errors.js';
import {
  compileTestFile,
  FlowError,
  loadDeclarativeTest,
  parseTestFile,
  TEST_FILE_SCHEMA,
  type DataSource,
  type PresetMap,
} from '../../src/declarative/index.js';
import { DataRegistry } from '../../src/script/data/shared-data.js';
import type {
  CheckSet,
  CookieJarApi,
  HttpClient,
  RequestOptions,
  RequestTarget,
  ResponseTimings,
  ScriptResponse,
  TestDefinition,
  UrlTemplate,
  UserDefinition,
  VuContext,
  WsApi,
  VuFunction,
} from '../../src/script/api.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/declarative/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);
const tmp = mkdtempSync(join(tmpdir(), 'volley-declarative-'));

// ------------------------------------------------------------------------------------------
// Injected dependencies: rows from files, presets.

/** The real data registry over the fixtures folder, recording which files the compiler asked for. */
function dataSource(calls: unknown[] = []): DataSource {
  const registry = new DataRegistry(FIXTURES);
  return {
    csv(path, options) {
      calls.push(['csv', path, options]);
      return registry.csv(path, options);
    },
    json(path) {
      calls.push(['json', path]);
      return registry.json(path);
    },
  };
}

const presetCalls: [string, Record<string, unknown>][] = [];
const PRESETS: PresetMap = {
  load: (o) => {
    presetCalls.push(['load', o]);
    if (o.rampUp === 'never')
      throw new VolleyError('INVALID_CONFIG', 'load.rampUp: malformed duration "never"', {
        details: ['load.rampUp: malformed duration "never"'],
        problems: [{ path: 'rampUp', code: 'not-a-duration', message: 'malformed duration "never"' }],
      });
    return {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: String(o.rampUp ?? '1m'), target: Number(o.vus ?? 50) },
        { duration: '5m', target: Number(o.vus ?? 50) },
        { duration: '30s', target: 0 },
      ],
    };
  },
};

const options = (env: Record<string, string> = {}): Parameters<typeof loadDeclarativeTest>[1] => ({
  env,
  data: dataSource(),
  presets: PRESETS,
});

/** The data half of a definition: functions replaced by a marker. */
function plain(v: unknown): unknown {
  if (typeof v === 'function') return '[function]';
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function errorsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof VolleyError, String(err));
    assert.equal(err.code, 'INVALID_CONFIG');
    assert.equal(err.message, err.details[0]);
    return [...err.details];
  }
  assert.fail('expected a VolleyError');
}

// ------------------------------------------------------------------------------------------
// The schema

describe('declarative: the JSON Schema', () => {
  it('compiles in ajv (strict mode) and accepts the valid fixture, YAML and JSON', () => {
    const validate = new Ajv({ strict: true, allErrors: true }).compile(TEST_FILE_SCHEMA);
    for (const doc of [
      parseYaml(readFileSync(fixture('valid.yaml'), 'utf8')) as unknown,
      JSON.parse(readFileSync(fixture('valid.json'), 'utf8')) as unknown,
      parseYaml(readFileSync(fixture('flows.yaml'), 'utf8')) as unknown,
    ])
      assert.equal(validate(doc), true, JSON.stringify(validate.errors));
    assert.equal(validate({ scenarios: { a: { executor: 'constant-vus', duraton: '1s' } } }), false);
  });

  it('describes its properties and closes every object', () => {
    const s = TEST_FILE_SCHEMA as unknown as Record<string, unknown>;
    assert.match(String(s.$schema), /json-schema\.org/);
    const props = s.properties as Record<string, { description?: string }>;
    for (const k of ['baseUrl', 'http', 'data', 'flows', 'scenarios', 'users', 'thresholds'])
      assert.ok(props[k]?.description, `${k} has a description`);
    const open: string[] = [];
    const visit = (node: unknown, at: string): void => {
      if (Array.isArray(node)) return node.forEach((x, i) => visit(x, `${at}/${i}`));
      if (node === null || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      if (o.type === 'object' && o.properties !== undefined && o.additionalProperties !== false)
        open.push(at);
      for (const [k, v] of Object.entries(o)) visit(v, `${at}/${k}`);
    };
    visit(TEST_FILE_SCHEMA, '#');
    assert.deepEqual(open, [], 'objects with properties reject unknown fields');
  });
});

// ------------------------------------------------------------------------------------------
// Compiling

describe('declarative: compiling to a TestDefinition', () => {
  it('a YAML file and its JSON twin compile to the same definition', () => {
    presetCalls.length = 0;
    const calls: unknown[] = [];
    const y = loadDeclarativeTest(fixture('valid.yaml'), { ...options(), data: dataSource(calls) });
    const j = loadDeclarativeTest(fixture('valid.json'), options());
    assert.deepEqual(plain(y), plain(j));
    assert.deepEqual(calls, [['csv', './users.csv', {}]]);

    assert.deepEqual(plain(y.scenarios), {
      journeys: {
        executor: 'ramping-vus',
        stages: [
          { duration: '10s', target: 10 },
          { duration: '1m', target: 10 },
        ],
        user: 'member',
      },
      submit: {
        executor: 'constant-arrival-rate',
        duration: '2m',
        rate: 500,
        preAllocatedVUs: 50,
        maxVUs: 400,
        exec: '[function]',
      },
      ramp: {
        executor: 'ramping-vus',
        startVUs: 0,
        stages: [
          { duration: '30s', target: 100 },
          { duration: '5m', target: 100 },
          { duration: '30s', target: 0 },
        ],
        startTime: '2m',
        gracefulStop: '10s',
        user: 'member',
      },
      probe: {
        executor: 'constant-vus',
        tags: { kind: 'probe' },
        vus: 1,
        duration: '3m',
        exec: '[function]',
      },
    });
    assert.deepEqual(
      presetCalls[0],
      ['load', { vus: 100, rampUp: '30s' }],
      'the preset got its options only',
    );
    assert.deepEqual(y.thresholds, {
      http_req_duration: ['p(95)<50', 'p(99)<100'],
      'http_req_duration{name:GET /api/teams}': ['p(99)<80'],
      http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '10s' }],
      checks: 'rate>0.99',
    });
    assert.equal(y.baseUrl, 'http://127.0.0.1:8117', 'the $env default');
    assert.deepEqual(y.http, { timeout: '5s', headers: { accept: 'application/json' } });
    assert.deepEqual(y.tags, { suite: 'fixtures' });
    const member = y.users?.member as UserDefinition;
    assert.deepEqual(member.wait, { kind: 'between', min: 1, max: 3 });
    assert.equal(typeof member.onStart, 'function');
    assert.deepEqual(
      member.tasks.map((t) => (typeof t === 'function' ? 'fn' : [t.name, t.weight, typeof t.run])),
      [
        ['browse teams', 3, 'function'],
        ['update profile', 1, 'function'],
      ],
    );
    const withEnv = loadDeclarativeTest(fixture('valid.yaml'), options({ BASE_URL: 'http://10.0.0.1:9' }));
    assert.equal(withEnv.baseUrl, 'http://10.0.0.1:9');
  });

  it('resolves $env once, at compile time, and reports an unset one with its position', () => {
    const text = `baseUrl: '{{ $env.NOPE }}'
http: { headers: { x-key: '{{ $env.KEY }}' } }
scenarios:
  a:
    executor: constant-vus
    vus: 1
    duration: 1s
    flow:
      - get: 'http://x/{{ $env.PATH_PART }}'
        headers: { x-region: '{{ $env.REGION ?? eu }}' }
`;
    const parsed = parseTestFile('env.yaml', text);
    assert.deepEqual(parsed.errors, []);
    const compile = (env: Record<string, string>): TestDefinition =>
      compileTestFile(parsed.value, { ...options(env), path: 'env.yaml', locate: parsed.locate });
    assert.deepEqual(
      errorsOf(() => compile({})),
      [
        'env.yaml:2:27: {{ $env.KEY }}: KEY is not set (pass -e KEY=… or give a default)',
        'env.yaml:9:14: {{ $env.PATH_PART }}: PATH_PART is not set (pass -e PATH_PART=… or give a default: {{ $env.PATH_PART ?? value }})',
      ],
    );
    const def = compile({ KEY: 'k1', PATH_PART: 'p' });
    assert.equal(def.baseUrl, undefined, 'an unset baseUrl variable leaves no baseUrl');
    assert.deepEqual(def.http?.headers, { 'x-key': 'k1' });
  });

  it('reports a data column the rows do not have, and a preset that rejects its options, at their positions', () => {
    const text = `data:
  accounts: { csv: ./users.csv }
scenarios:
  a: { preset: load, rampUp: never, user: u }
users:
  u:
    tasks:
      - flow:
          - get: 'http://x/{{ $data.accounts.perVu.usr }}'
`;
    const file = join(FIXTURES, 'inline.yaml');
    const parsed = parseTestFile(file, text, { presets: PRESETS });
    assert.deepEqual(parsed.errors, [`${file}:4:30: scenarios.a.rampUp: malformed duration "never"`]);
    assert.deepEqual(
      errorsOf(() =>
        compileTestFile(parsed.value, { ...options(), path: file, locate: parsed.locate, presets: {} }),
      ),
      [
        `${file}:4:16: unknown preset 'load'`,
        `${file}:9:18: {{ $data.accounts.perVu.usr }}: the rows of data.accounts have no field 'usr' (fields: user, password)`,
      ],
    );
  });
});

// ------------------------------------------------------------------------------------------
// Errors

describe('declarative: every problem at once, with FILE:LINE:COL', () => {
  it('lists every mistake of a file in file order', () => {
    const file = fixture('errors.yaml');
    const expected = [
      `${file}:5:15: scenarios.load.executor: must be one of constant-vus, ramping-vus, per-vu-iterations, shared-iterations, constant-arrival-rate, ramping-arrival-rate, externally-controlled (got "constant-vuz"; did you mean 'constant-vus'?)`,
      `${file}:7:5: scenarios.load.duraton: unknown field (did you mean 'duration'?)`,
      `${file}:12:10: scenarios.other.vus: must be an integer (got "many")`,
      `${file}:13:15: scenarios.other.duration: malformed duration "10q" (e.g. 500ms, 30s, 1m30s, or a number of seconds)`,
      `${file}:14:11: scenarios.other.user: no user "ghost" in users (users: member)`,
      `${file}:15:3: scenarios.arrivals.preAllocatedVUs: is required (VUs ready at the start; maxVUs may allow more)`,
      `${file}:30:39: {{ tokn }}: no step captures 'tokn' (did you mean 'token'?)`,
      `${file}:31:13: users.member.tasks[0].flow[0].chek: unknown field (did you mean 'check'?)`,
      `${file}:32:20: users.member.tasks[0].flow[1].think: malformed duration "soon" (e.g. 2s, 500ms, or a range 1-3s)`,
      `${file}:34:35: thresholds.http_req_duration[1]: 'p95 < 3' is not an expression like 'p(99)<100', 'avg<50', 'rate<0.01' or 'count>10'`,
    ];
    assert.deepEqual(parseTestFile(file, readFileSync(file, 'utf8'), { presets: PRESETS }).errors, expected);
    assert.deepEqual(
      errorsOf(() => loadDeclarativeTest(file, options())),
      expected,
    );
    // Each position is where the problem is written.
    const lines = readFileSync(file, 'utf8').split('\n');
    const at = (line: number, col: number): string => (lines[line - 1] as string).slice(col - 1);
    assert.match(at(5, 15), /^constant-vuz/);
    assert.match(at(7, 5), /^duraton:/);
    assert.match(at(12, 10), /^many/);
    assert.match(at(13, 15), /^10q/);
    assert.match(at(14, 11), /^ghost/);
    assert.match(at(15, 3), /^arrivals:/);
    assert.match(at(30, 39), /^'Bearer \{\{ tokn/);
    assert.match(at(31, 13), /^chek:/);
    assert.match(at(32, 20), /^soon/);
    assert.match(at(34, 35), /^'p95 < 3'/);
  });

  it('reports YAML and JSON syntax errors with their position', () => {
    const indent = join(tmp, 'indent.yaml');
    writeFileSync(indent, 'scenarios:\n  a:\n    executor: constant-vus\n   vus: 1\n    duration: 1s\n');
    assert.deepEqual(
      errorsOf(() => loadDeclarativeTest(indent, options())),
      [`${indent}:4:4: YAML: All mapping items must start at the same column`],
    );
    const deeper = join(tmp, 'deeper.yml');
    writeFileSync(deeper, 'scenarios:\n  a:\n    executor: constant-vus\n      vus: 1\n');
    assert.deepEqual(
      errorsOf(() => loadDeclarativeTest(deeper, options())),
      [
        `${deeper}:3:15: YAML: Nested mappings are not allowed in compact mappings (is the line below indented too far?)`,
      ],
    );
    const json = join(tmp, 'broken.json');
    writeFileSync(json, '{\n  "scenarios": {\n    "a": { "executor": "constant-vus" "vus": 1 }\n  }\n}\n');
    const [e] = errorsOf(() => loadDeclarativeTest(json, options()));
    assert.match(e as string, new RegExp(`^${json.replace(/[.\\]/g, '\\$&')}:3:39: invalid JSON: `));
    const dup = join(tmp, 'dup.yaml');
    writeFileSync(
      dup,
      'scenarios:\n  a: { executor: constant-vus, vus: 1, duration: 1s, flow: [] }\n  a: {}\n',
    );
    assert.deepEqual(
      errorsOf(() => loadDeclarativeTest(dup, options())),
      [`${dup}:3:3: YAML: Map keys must be unique`],
    );
  });

  it('checks variables in order: captured before use, by onStart for tasks, by another task at run time', () => {
    const text = `scenarios:
  s:
    executor: constant-vus
    vus: 1
    duration: 1s
    flow:
      - get: 'http://x/a/{{ id }}'
      - get: 'http://x/b'
        capture: { id: { json: id } }
      - get: 'http://x/c/{{ id }}/{{ $data.acounts.perVu.x }}/{{ $nope }}'
  t: { executor: constant-vus, vus: 1, duration: 1s, user: u, flow: [] }
users:
  u:
    onStart:
      - post: http://x/login
        capture: { token: { json: token } }
    tasks:
      - flow:
          - get: 'http://x/{{ token }}/{{ other }}'
      - flow:
          - get: http://x/other
            capture: { other: { header: x-other } }
    onStop:
      - get: 'http://x/{{ other }}/{{ token }}/{{ unknown }}'
data:
  accounts: { json: ./rows.json, header: false }
`;
    assert.deepEqual(parseTestFile('v.yaml', text).errors, [
      "v.yaml:7:14: {{ id }}: 'id' is used before the step that captures it (line 9:20)",
      'v.yaml:10:14: {{ $nope }}: unknown built-in (one of $vu, $iteration, $vuIteration, $scenario, $uuid, $timestamp, $randomInt(a, b), $env.NAME, $data.NAME.perVu.FIELD)',
      "v.yaml:10:14: {{ $data.acounts.perVu.x }}: no data entry 'acounts' (did you mean 'accounts'?)",
      'v.yaml:11:54: scenarios.t.user: give only one of flow, user or exec (found flow, user)',
      "v.yaml:24:14: {{ unknown }}: no step captures 'unknown' (a variable must be captured first: capture: { NAME: … })",
      'v.yaml:26:34: data.accounts.header: only applies to csv files',
    ]);
  });

  it('checks presets, flows by name, request shapes and executor rules', () => {
    const text = `flows:
  ping: [ { get: 'http://x/ping' } ]
scenarios:
  a: { preset: load, vus: 10, peak: 20, stages: [], exec: ping }
  b: { preset: load, executor: constant-vus, exec: pong }
  c: { executor: constant-vus, vus: 1, duration: 1s, rampUp: 1m, exec: ping }
  d: { executor: constant-vus, vus: 1, duration: 1s, gracefulRampDown: 5s, exec: ping }
  e:
    executor: shared-iterations
    flow:
      - get: 'http://x/users/:id'
        params: { ids: 1 }
        json: {}
        body: x
      - { think: 1s, get: 'http://x' }
      - { loop: 2 }
      - { name: nothing }
  f: { executor: constant-vus, vus: 1, duration: 1s, flow: [{ get: /relative }] }
`;
    assert.deepEqual(
      parseTestFile('p.yaml', text, { presets: PRESETS }).errors,
      [
        'p.yaml:4:31: scenarios.a.peak: is not an option of preset load (options: vus, rate, preAllocatedVUs, maxVUs, rampUp, hold, rampDown)',
        'p.yaml:4:49: scenarios.a.stages: must have at least 1 item',
        'p.yaml:5:22: scenarios.b.executor: a preset sets the executor; give preset or executor, not both',
        "p.yaml:5:52: scenarios.b.exec: no flow 'pong' in flows (did you mean 'ping'?)",
        'p.yaml:6:54: scenarios.c.rampUp: is a preset option, but the scenario has no preset',
        "p.yaml:7:54: scenarios.d.gracefulRampDown: is not a field of executor 'constant-vus'",
        'p.yaml:12:19: scenarios.e.flow[0].params.ids: the URL has no :ids placeholder',
        'p.yaml:12:9: scenarios.e.flow[0].params: no value for :id in the URL',
        'p.yaml:14:9: scenarios.e.flow[0]: give one body: json, body or form (found json, body)',
        'p.yaml:15:11: scenarios.e.flow[1]: one step is one of a request, think, group or loop (found get, think)',
        'p.yaml:16:11: scenarios.e.flow[2]: a loop step needs a flow: [steps]',
        'p.yaml:17:9: scenarios.e.flow[3]: a step needs one of get/post/put/patch/delete/head/options/grpc/ws: URL, think, group or loop',
        "p.yaml:18:68: scenarios.f.flow[0]: '/relative' is a relative URL, but the test has no baseUrl",
      ].sort(byPosition),
    );
  });
});

/** Sorts `FILE:LINE:COL: …` lines by position (the loader's order). */
function byPosition(a: string, b: string): number {
  const pos = (s: string): number[] => (/:(\d+):(\d+): /.exec(s) ?? []).slice(1).map(Number);
  const [la = 0, ca = 0] = pos(a);
  const [lb = 0, cb = 0] = pos(b);
  return la - lb || ca - cb;
}

// ------------------------------------------------------------------------------------------
// Running the compiled flows: a minimal VuContext over a real HTTP client and server.

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: string;
}

function route(req: Seen, res: ServerResponse): void {
  const json = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(value));
  };
  const key = `${req.method} ${req.path}`;
  if (key === 'POST /api/login') {
    const body = JSON.parse(req.body || '{}') as { user?: string };
    return json(200, { token: `tok-${body.user}`, id: 42, user: body.user }, { location: '/api/users/42' });
  }
  if (key === 'DELETE /api/login') return json(200, { ok: true });
  if (key === 'GET /api/teams') return json(200, { total: 20, items: [{ id: 1 }] });
  if (key === 'GET /api/teams/7') return json(200, { id: 7 });
  if (key === 'PUT /api/users/me')
    return String(req.headers.authorization).startsWith('Bearer tok-')
      ? json(200, { ok: true })
      : json(401, { ok: false });
  if (key === 'POST /api/tasks') return json(201, { id: 'task-1' });
  if (key === 'GET /html') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<a href="/api/users?id=123">next</a>');
    return;
  }
  const user = /^\/api\/users\/(\d+)$/.exec(req.path);
  if (req.method === 'GET' && user) return json(200, { id: Number(user[1]) });
  json(404, { error: 'not found' });
}

function readPath(value: unknown, path: string): unknown {
  let cur = value;
  for (const k of path
    .replace(/^\$\.?/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

class TestResponse implements ScriptResponse {
  readonly error = undefined;
  readonly proto = 'HTTP/1.1';
  constructor(
    readonly status: number,
    readonly headers: Readonly<Record<string, string | string[]>>,
    readonly body: Buffer,
    readonly timings: ResponseTimings,
    readonly request: { method: string; url: string; name: string },
  ) {}
  get ok(): boolean {
    return this.status >= 200 && this.status < 400;
  }
  text(): string {
    return this.body.toString('utf8');
  }
  json<T = unknown>(path?: string): T {
    const v = JSON.parse(this.text()) as unknown;
    return (path === undefined ? v : readPath(v, path)) as T;
  }
  header(name: string): string | undefined {
    const v = this.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  }
}

interface Sent {
  method: string;
  url: string;
  name: string;
  group: string;
  options: RequestOptions;
}

/** Just enough of the runtime's client: base URL, default headers, params, query, json/form/body, naming. */
class TestHttp implements HttpClient {
  readonly sent: Sent[] = [];
  constructor(
    private readonly def: TestDefinition,
    private readonly groupOf: () => string,
  ) {}

  async request(
    method: string,
    target: RequestTarget,
    options: RequestOptions = {},
  ): Promise<ScriptResponse> {
    let text = String(target);
    let name: string | undefined;
    if (options.params) {
      const params = options.params;
      name = `${method} ${text.replace(/^[a-z]+:\/\/[^/]*/i, '').split('?')[0] as string}`;
      text = text.replace(/:([A-Za-z_]\w*)/g, (whole, k: string) =>
        k in params ? encodeURIComponent(String(params[k])) : whole,
      );
    }
    const url = new URL(text, this.def.baseUrl);
    for (const [k, v] of Object.entries(options.query ?? {}))
      if (v !== undefined) url.searchParams.append(k, String(v));
    if (options.name !== undefined)
      name = options.name.startsWith('/') ? `${method} ${options.name}` : options.name;
    name ??= `${method} ${url.pathname}`;
    const headers: Record<string, string> = { ...(this.def.http?.headers ?? {}) };
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.form !== undefined) {
      body = new URLSearchParams(
        Object.fromEntries(Object.entries(options.form).map(([k, v]) => [k, String(v)])),
      ).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (options.body !== undefined) body = String(options.body);
    Object.assign(headers, options.headers ?? {});
    this.sent.push({ method, url: url.href, name, group: this.groupOf(), options });
    const start = performance.now();
    const res = await undiciRequest(url, { method: method as 'GET', headers, body: body ?? null });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    const duration = performance.now() - start;
    const resHeaders: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) resHeaders[k] = v;
    const timings = {
      blocked: 0,
      connecting: 0,
      tlsHandshaking: 0,
      sending: 0,
      waiting: duration,
      receiving: 0,
      duration,
    };
    return new TestResponse(res.statusCode, resHeaders, bytes, timings, { method, url: url.href, name });
  }
  get(u: RequestTarget, o?: RequestOptions): Promise<ScriptResponse> {
    return this.request('GET', u, o);
  }
  head(u: RequestTarget, o?: RequestOptions): Promise<ScriptResponse> {
    return this.request('HEAD', u, o);
  }
  delete(u: RequestTarget, o?: RequestOptions): Promise<ScriptResponse> {
    return this.request('DELETE', u, o);
  }
  options(u: RequestTarget, o?: RequestOptions): Promise<ScriptResponse> {
    return this.request('OPTIONS', u, o);
  }
  post(u: RequestTarget, o?: RequestOptions): Promise<ScriptResponse> {
    return this.request('POST', u, o);
  }
  put(u: RequestTarget, o?: RequestOptions): Promise<ScriptResponse> {
    return this.request('PUT', u, o);
  }
  patch(u: RequestTarget, o?: RequestOptions): Promise<ScriptResponse> {
    return this.request('PATCH', u, o);
  }
  url(strings: TemplateStringsArray, ...values: unknown[]): UrlTemplate {
    const url = strings.reduce((s, part, i) => s + part + (i < values.length ? String(values[i]) : ''), '');
    return { url, name: strings.join('${}') };
  }
  readonly cookies: CookieJarApi = { get: () => '', set: () => {}, clear: () => {} };
  batch(): never {
    throw new Error('declarative steps send no batches');
  }
  file(): never {
    throw new Error('declarative steps build no files');
  }
}

/** A VU context as the VuContext interface describes it, recording checks, groups and sleeps. */
class TestVu implements VuContext {
  readonly http: TestHttp;
  /** Declarative HTTP steps never reach gRPC. */
  readonly grpc = undefined as unknown as VuContext['grpc'];
  // These tests compile HTTP steps only: nothing calls ctx.ws.
  readonly ws = {} as WsApi;
  state: Record<string, unknown> = {};
  readonly data = undefined;
  readonly checks: { name: string; pass: boolean }[] = [];
  readonly sleeps: number[] = [];
  private readonly groups: string[] = [];
  constructor(
    def: TestDefinition,
    readonly vu: number,
    public iteration: number,
    public vuIteration: number,
    readonly scenario: string,
    readonly user: string | undefined,
  ) {
    this.http = new TestHttp(def, () => this.groups.map((g) => `::${g}`).join(''));
  }
  check<T>(value: T, checks: CheckSet<T>): boolean {
    let all = true;
    for (const [name, fn] of Object.entries(checks)) {
      let pass: boolean;
      try {
        pass = fn(value) === true;
      } catch {
        pass = false;
      }
      this.checks.push({ name, pass });
      all &&= pass;
    }
    return all;
  }
  async group<R>(name: string, fn: () => R | Promise<R>): Promise<R> {
    this.groups.push(name);
    try {
      return await fn();
    } finally {
      this.groups.pop();
    }
  }
  async sleep(seconds: number): Promise<void> {
    this.sleeps.push(seconds);
  }
}

describe('declarative: running compiled flows against a real server', () => {
  let server: Server;
  let target = '';
  let seen: Seen[] = [];
  let def: TestDefinition;

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        const s: Seen = {
          method: req.method ?? 'GET',
          path: u.pathname,
          query: Object.fromEntries(u.searchParams),
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        };
        seen.push(s);
        route(s, res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    def = loadDeclarativeTest(fixture('flows.yaml'), options({ TARGET: target }));
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  const member = (): UserDefinition => def.users?.member as UserDefinition;
  const task = (i: number): VuFunction => {
    const t = member().tasks[i];
    assert.ok(t && typeof t !== 'function');
    return t.run;
  };

  it('carries the user: wait, task names and weights', () => {
    assert.equal(def.baseUrl, target);
    assert.deepEqual(member().wait, { kind: 'constant', seconds: 2 });
    assert.deepEqual(
      member().tasks.map((t) => (typeof t === 'function' ? 'fn' : { name: t.name, weight: t.weight })),
      [
        { name: 'browse', weight: 3 },
        { name: 'update', weight: 1 },
      ],
    );
    assert.equal(def.scenarios.members?.user, 'member');
    assert.equal(typeof def.scenarios.api?.exec, 'function');
  });

  it('onStart, tasks and onStop: templates, captures, checks, groups, think and loop', async () => {
    seen = [];
    const ctx = new TestVu(def, 2, 5, 0, 'members', 'member');
    await member().onStart?.(ctx);
    // Login: the data row of VU 2, $vu as a number; default header from http.headers ($env default).
    assert.equal(seen.length, 1);
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), { user: 'bob', vu: 2 });
    assert.equal(seen[0]?.headers['content-type'], 'application/json');
    assert.equal(seen[0]?.headers['x-suite'], 'unit');
    assert.deepEqual(ctx.state, { token: 'tok-bob', me: '/api/users/42', userId: 42 });
    assert.deepEqual(ctx.checks, [
      { name: 'POST /api/login: status is 200', pass: true },
      { name: 'POST /api/login: json user == "{{ $data.accounts.perVu.user }}"', pass: true },
    ]);

    ctx.checks.length = 0;
    await task(0)(ctx);
    assert.deepEqual(
      seen.slice(1).map((s) => `${s.method} ${s.path}`),
      ['GET /api/teams', 'GET /api/teams/7'],
    );
    assert.deepEqual(
      ctx.http.sent.slice(1).map((s) => [s.name, s.group]),
      [
        ['GET /api/teams', '::teams'],
        ['GET /api/teams/:id', '::teams'],
      ],
    );
    assert.deepEqual(ctx.checks, [
      { name: 'GET /api/teams: status is 200', pass: true },
      { name: 'GET /api/teams: json total == 20', pass: true },
      { name: 'GET /api/teams: json items.0.id == 1', pass: true },
      { name: 'GET /api/teams/:id: status is 404', pass: false },
      { name: 'GET /api/teams/:id: header content-type == application/json', pass: true },
    ]);

    ctx.checks.length = 0;
    ctx.iteration = 7;
    ctx.vuIteration = 1;
    const before = seen.length;
    await task(1)(ctx);
    const put = seen[before] as Seen;
    assert.equal(`${put.method} ${put.path}`, 'PUT /api/users/me');
    assert.equal(put.headers.authorization, 'Bearer tok-bob', 'the captured token in a header');
    assert.deepEqual(JSON.parse(put.body), {
      id: 42,
      name: 'n7',
      vu: 2,
      label: 'members/2',
      tags: ['members', 'literal {{'],
    });
    assert.deepEqual(ctx.checks, [
      { name: 'PUT /api/users/me: status is 200', pass: true },
      { name: 'PUT /api/users/me: body contains "\\"ok\\":true"', pass: true },
      { name: 'PUT /api/users/me: duration < 5s', pass: true },
    ]);
    const loop = seen.slice(before + 1);
    assert.deepEqual(
      loop.map((s) => [s.method, s.path, s.query.page]),
      [
        ['GET', '/api/users/42', '1'],
        ['GET', '/api/users/42', '1'],
        ['GET', '/api/users/42', '1'],
      ],
    );
    assert.deepEqual(
      ctx.http.sent.slice(-3).map((s) => s.name),
      ['GET /api/users/${}', 'GET /api/users/${}', 'GET /api/users/${}'],
      'a templated path is one endpoint, named after the template',
    );
    assert.equal(ctx.sleeps.length, 4);
    assert.ok(
      (ctx.sleeps[0] as number) >= 1 && (ctx.sleeps[0] as number) <= 3,
      `think 1-3s: ${ctx.sleeps[0]}`,
    );
    assert.deepEqual(ctx.sleeps.slice(1), [0.25, 0.25, 0.25]);

    await member().onStop?.(ctx);
    const last = seen[seen.length - 1] as Seen;
    assert.deepEqual(
      [last.method, last.path, last.headers.authorization],
      ['DELETE', '/api/login', 'Bearer tok-bob'],
    );
  });

  it('a scenario flow by name: json, status and regex captures, query templates, an explicit name', async () => {
    seen = [];
    const ctx = new TestVu(def, 1, 12, 0, 'api', undefined);
    const exec = def.scenarios.api?.exec;
    assert.ok(typeof exec === 'function');
    await exec(ctx);
    const [post, html, user] = seen;
    assert.equal(`${post?.method} ${post?.path}`, 'POST /api/tasks');
    const body = JSON.parse(post?.body ?? '{}') as Record<string, unknown>;
    assert.equal(body.idempotencyKey, 'load-12');
    assert.equal(body.taskType, 'noop');
    assert.equal(typeof body.at, 'number', '$timestamp keeps its type in a JSON leaf');
    assert.equal(html?.path, '/html');
    assert.equal(user?.path, '/api/users/123', 'the regex capture in the URL');
    assert.match(user?.query.requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(user?.query.n, '5');
    assert.deepEqual(ctx.state, { taskId: 'task-1', code: 201, linkId: '123' });
    assert.deepEqual(
      ctx.http.sent.map((s) => s.name),
      ['POST /api/tasks', 'GET /html', 'GET /api/users/:id'],
    );
    assert.deepEqual(ctx.checks, [
      { name: 'POST /api/tasks: status is 200 or 201', pass: true },
      { name: 'GET /api/users/:id: json id == 123', pass: true },
    ]);
  });

  it('fails clearly at run time: a variable not captured yet, a capture that finds nothing', async () => {
    const ctx = new TestVu(def, 1, 0, 0, 'members', 'member');
    const file = fixture('flows.yaml');
    await assert.rejects(
      async () => task(1)(ctx),
      (err: Error) => {
        assert.ok(err instanceof FlowError);
        assert.equal(
          err.message,
          `${file}:47:39: {{ token }}: 'token' has not been captured in this VU yet (the step that captures it has not run, or it failed)`,
        );
        return true;
      },
    );
    const text = `scenarios:
  a:
    executor: constant-vus
    vus: 1
    duration: 1s
    flow:
      - get: '{{ $env.TARGET }}/api/teams'
        capture: { missing: { json: nope.here } }
`;
    const parsed = parseTestFile('cap.yaml', text);
    assert.deepEqual(parsed.errors, []);
    const d = compileTestFile(parsed.value, {
      ...options({ TARGET: target }),
      path: 'cap.yaml',
      locate: parsed.locate,
    });
    const exec = d.scenarios.a?.exec;
    assert.ok(typeof exec === 'function');
    await assert.rejects(async () => exec(new TestVu(d, 1, 0, 0, 'a', undefined)), {
      name: 'FlowError',
      message: `cap.yaml:7:9: GET ${target}/api/teams → 200: capture 'missing' (json nope.here) found nothing in the response`,
    });
  });
});
