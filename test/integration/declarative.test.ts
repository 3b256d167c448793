/**
 * Declarative tests end to end: a YAML file and its TypeScript twin give the same plan and the same
 * request mix against a real counting server; bad files list every problem with file:line:col.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startRouteServer, type RouteServer } from '../helpers/route-server.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-yaml-'));
const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

interface Plan {
  scenarios: {
    name: string;
    executor: string;
    stages: unknown;
    maxVUs: number;
    durationMs: number;
    user: unknown;
  }[];
  thresholds: unknown;
  data: { path: string; rows: number }[];
}

async function inspect(file: string): Promise<Plan> {
  const r = await runCli(['inspect', file, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Plan;
}

describe('declarative YAML/JSON tests', () => {
  let srv: RouteServer;
  before(async () => {
    srv = await startRouteServer();
  });
  after(async () => srv.close());

  it('examples/journeys.yaml and examples/journeys.ts resolve to the same plan', async () => {
    const y = await inspect(join(EXAMPLES, 'journeys.yaml'));
    const t = await inspect(join(EXAMPLES, 'journeys.ts'));
    assert.deepEqual(y.scenarios, t.scenarios);
    assert.deepEqual(y.thresholds, t.thresholds);
    assert.deepEqual(y.data, t.data);
  });

  it('a YAML file and its TS twin send the same request mix, and volley counts what the server saw', async () => {
    const yaml = join(dir, 'twin.yaml');
    const ts = join(dir, 'twin.ts');
    writeFileSync(
      yaml,
      `baseUrl: '{{ $env.TARGET }}'
scenarios:
  mix: { executor: shared-iterations, vus: 6, iterations: 1600, user: member }
users:
  member:
    onStart:
      - post: /login
        json: { vu: '{{ $vu }}' }
        capture: { token: { json: token } }
    tasks:
      - { name: browse, weight: 3, flow: [ { get: /teams, headers: { x-token: '{{ token }}' }, check: { status: 200, json: { total: 20 } } } ] }
      - { name: update, weight: 1, flow: [ { put: /users/me, headers: { x-token: '{{ token }}' }, json: { name: 'n{{ $iteration }}' }, check: { status: 200 } } ] }
`,
    );
    writeFileSync(
      ts,
      `import { defineTest } from 'volley';
export default defineTest({
  baseUrl: process.env.TARGET,
  scenarios: { mix: { executor: 'shared-iterations', vus: 6, iterations: 1600, user: 'member' } },
  users: { member: {
    onStart: async ({ http, state, vu }) => { state.token = (await http.post('/login', { json: { vu } })).json<{ token: string }>().token; },
    tasks: [
      { name: 'browse', weight: 3, run: async ({ http, state, check }) => { check(await http.get('/teams', { headers: { 'x-token': String(state.token) } }), { 'GET /teams: status is 200': (r) => r.status === 200, 'GET /teams: json total == 20': (r) => r.json('total') === 20 }); } },
      { name: 'update', weight: 1, run: async ({ http, state, iteration, check }) => { check(await http.put('/users/me', { headers: { 'x-token': String(state.token) }, json: { name: 'n' + iteration } }), { 'PUT /users/me: status is 200': (r) => r.status === 200 }); } },
    ],
  } },
});
`,
    );
    const py = await inspect(yaml);
    const pt = await inspect(ts);
    assert.deepEqual(py.scenarios, pt.scenarios, 'same plan');

    const results: Record<
      string,
      { teams: number; me: number; login: number; summary: Record<string, unknown> }
    > = {};
    for (const [kind, file] of [
      ['yaml', yaml],
      ['ts', ts],
    ] as const) {
      srv.reset();
      const out = join(dir, `${kind}.json`);
      const r = await runCli([
        'run',
        file,
        '--workers',
        '2',
        '-q',
        '-e',
        `TARGET=${srv.url}`,
        '--out',
        `json=${out}`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(readFileSync(out, 'utf8')) as {
        endpoints: { name: string; requests: number }[];
        checks: { name: string; passes: number; fails: number }[];
      };
      const teams = srv.count('GET /teams');
      const me = srv.count('PUT /users/me');
      assert.equal(teams + me, 1600, `${kind}: every iteration reached the server`);
      assert.equal(srv.count('POST /login'), 6, `${kind}: onStart once per VU`);
      assert.equal(s.endpoints.find((e) => e.name === 'GET /teams')?.requests, teams);
      assert.equal(s.endpoints.find((e) => e.name === 'PUT /users/me')?.requests, me);
      const tokens = srv
        .requests()
        .filter((q) => q.path !== '/login')
        .map((q) => q.headers['x-token']);
      assert.ok(
        tokens.every((t) => /^t[1-6]$/.test(String(t))),
        `${kind}: captured tokens were sent`,
      );
      const names = s.checks.map((c) => c.name).sort();
      assert.deepEqual(names, [
        'GET /teams: json total == 20',
        'GET /teams: status is 200',
        'PUT /users/me: status is 200',
      ]);
      assert.ok(s.checks.every((c) => c.fails === 0));
      const body = JSON.parse(srv.requests().find((q) => q.path === '/users/me')?.body ?? '{}') as {
        name: string;
      };
      assert.match(body.name, /^n\d+$/);
      results[kind] = { teams, me, login: 6, summary: s as unknown as Record<string, unknown> };
    }
    for (const k of ['yaml', 'ts']) {
      const share = (results[k]?.teams ?? 0) / 1600;
      assert.ok(Math.abs(share - 0.75) < 0.045, `${k}: GET /teams share ${share}`);
    }
  });

  it('every mistake in a YAML file is listed at once with file:line:col (exit 2)', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      `baseUrl: http://127.0.0.1:1
scenarios:
  load:
    executor: constant-vuz
    vus: 10
    duraton: 30s
    flow:
      - get: /x
  other:
    executor: constant-vus
    vus: many
    duration: 10q
    user: ghost
users:
  member:
    tasks:
      - flow:
          - get: '/u/{{ tokn }}'
`,
    );
    const r = await runCli(['run', bad]);
    assert.equal(r.code, 2, r.stderr);
    const e = r.stderr;
    assert.match(e, /bad\.yaml:4:15: scenarios\.load\.executor: must be one of/);
    assert.match(e, /bad\.yaml:6:5: scenarios\.load\.duraton: unknown field \(did you mean 'duration'\?\)/);
    assert.match(e, /bad\.yaml:11:10: scenarios\.other\.vus: must be an integer/);
    assert.doesNotMatch(e, /internal error|\n\s+at /);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'scenarios:\n  a:\n    executor: constant-vus\n   vus: 1\n');
    const r2 = await runCli(['run', broken]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /broken\.yaml:\d+:\d+: /);
    const sem = join(dir, 'sem.yaml');
    writeFileSync(
      sem,
      `scenarios:
  other:
    executor: constant-vus
    vus: 1
    duration: 10q
    user: ghost
users:
  member:
    tasks:
      - flow:
          - get: 'http://x/u/{{ tokn }}'
`,
    );
    const r3 = await runCli(['run', sem]);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /sem\.yaml:6:11: scenarios\.other\.user: no user "ghost" in users/);
    assert.match(r3.stderr, /sem\.yaml:5:15: scenarios\.other\.duration: malformed duration "10q"/);
    assert.match(r3.stderr, /sem\.yaml:11:18: \{\{ tokn \}\}: no step captures 'tokn'/);
  });

  it('volley schema prints a JSON Schema that accepts the example', async () => {
    const r = await runCli(['schema']);
    assert.equal(r.code, 0);
    const schema = JSON.parse(r.stdout) as { $schema: string; properties: Record<string, unknown> };
    assert.match(schema.$schema, /json-schema\.org/);
    assert.ok('scenarios' in schema.properties && 'users' in schema.properties);
  });
});
