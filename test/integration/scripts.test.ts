/**
 * TypeScript test scripts end to end through the real CLI, against a real server that counts per
 * route: what the server received is compared with what volley reports. Scripts live in a temp
 * folder outside the repository, so `import … from 'volley'` must resolve with no setup.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, runCli } from '../helpers/cli.js';
import { startRouteServer, type RouteServer } from '../helpers/route-server.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-scripts-'));
let n = 0;

function script(text: string, ext = '.ts'): string {
  const file = join(dir, `s${++n}${ext}`);
  writeFileSync(file, text);
  return file;
}

interface Summary {
  verdict: string;
  metrics: Record<string, { values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>;
  endpoints: { name: string; method: string; scenario: string; requests: number }[];
  checks: { scenario: string; group: string; name: string; passes: number; fails: number }[];
  scriptErrors: { scenario: string; message: string; stack: string; count: number }[];
  config: { script: string | null };
}

async function run(file: string, extra: string[] = []) {
  const out = join(dir, `out${++n}.json`);
  const r = await runCli(['run', file, '--workers', '2', '--out', `json=${out}`, '-q', ...extra]);
  let summary: Summary | undefined;
  try {
    summary = JSON.parse(readFileSync(out, 'utf8')) as Summary;
  } catch {
    summary = undefined;
  }
  return { ...r, summary };
}

const endpointCount = (s: Summary, name: string): number =>
  s.endpoints.filter((e) => e.name === name).reduce((a, e) => a + e.requests, 0);

function assertCleanError(stderr: string, pattern: RegExp): void {
  assert.match(stderr, pattern);
  assert.doesNotMatch(stderr, /internal error/);
}

describe('volley run SCRIPT.ts', () => {
  let srv: RouteServer;
  before(async () => {
    srv = await startRouteServer();
  });
  after(async () => srv.close());

  it('weighted tasks: the mix is within tolerance and every count equals what the server saw', async () => {
    srv.reset();
    const f = script(`
      import { defineTest } from 'volley';
      export default defineTest({
        baseUrl: '${srv.url}',
        scenarios: { mix: { executor: 'shared-iterations', vus: 8, iterations: 2000, user: 'u' } },
        users: { u: { tasks: [
          { weight: 3, run: async ({ http }) => { await http.get('/a'); } },
          { weight: 1, run: async ({ http }) => { await http.get('/b'); } },
        ] } },
      });`);
    const r = await run(f);
    assert.equal(r.code, 0, r.stderr);
    const s = r.summary as Summary;
    const a = srv.count('GET /a');
    const b = srv.count('GET /b');
    assert.equal(a + b, 2000, 'exactly the planned iterations reached the server');
    assert.equal(s.metrics.http_reqs?.values.count, 2000);
    assert.equal(endpointCount(s, 'GET /a'), a);
    assert.equal(endpointCount(s, 'GET /b'), b);
    // 3:1 → 75 %; binomial sd at n=2000 is ~1 %: ±4 % fails a broken picker, never a working one.
    assert.ok(Math.abs(a / 2000 - 0.75) < 0.04, `share of /a = ${a / 2000}`);
  });

  it('onStart runs once per VU, per-VU state and cookies are kept, iterations are unique across workers', async () => {
    srv.reset();
    const f = script(`
      import { defineTest, check } from 'volley';
      export default defineTest({
        baseUrl: '${srv.url}',
        scenarios: { s: { executor: 'per-vu-iterations', vus: 6, iterations: 25, user: 'member' } },
        users: { member: {
          onStart: async ({ http, state, vu }) => {
            state.token = (await http.post('/login', { json: { vu } })).json<{ token: string }>().token;
          },
          tasks: [async ({ http, state, vu, iteration }) => {
            const r = await http.get('/whoami', { headers: { 'x-token': String(state.token), 'x-vu': String(vu) }, query: { i: iteration } });
            check(r, { 'cookie sent back': (res) => res.json<{ cookie: string }>().cookie === 'sid=' + state.token });
          }],
        } },
      });`);
    const r = await run(f);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(srv.count('POST /login'), 6, 'one login per VU');
    const who = srv.requests().filter((q) => q.path === '/whoami');
    assert.equal(who.length, 150);
    const tokenOfVu = new Map<string, string>();
    for (const q of who) {
      const vu = q.headers['x-vu'] as string;
      const token = q.headers['x-token'] as string;
      assert.equal(tokenOfVu.get(vu) ?? token, token, `VU ${vu} kept its token`);
      tokenOfVu.set(vu, token);
      assert.equal(q.headers.cookie, `sid=${token}`, 'the VU sends its own session cookie');
    }
    assert.equal(tokenOfVu.size, 6, 'six distinct VUs');
    assert.equal(new Set(tokenOfVu.values()).size, 6, 'no two VUs share state');
    const its = who.map((q) => Number(q.query.get('i')));
    assert.equal(new Set(its).size, 150, 'iteration numbers are unique across both workers');
    const s = r.summary as Summary;
    const c = s.checks.find((x) => x.name === 'cookie sent back');
    assert.deepEqual([c?.passes, c?.fails], [150, 0]);
  });

  it('requests without options share one prepared request per URL, yet each VU sends only its own cookies', async () => {
    srv.reset();
    // /whoami without options is prepared once and reused by every VU; a VU whose jar holds a
    // cookie for it must still send that cookie, and a VU without one must send none.
    const f = script(`
      import { defineTest, check } from 'volley';
      export default defineTest({
        baseUrl: '${srv.url}',
        scenarios: { s: { executor: 'per-vu-iterations', vus: 4, iterations: 10,
          exec: async ({ http, vu, state }) => {
            const before = (await http.get('/whoami')).json<{ cookie: string | null }>().cookie;
            check(before, { 'no cookie before login': (c) => state.in === true || c === null });
            if (vu % 2 === 1 && state.in !== true) {
              await http.post('/login', { json: { vu } });
              state.in = true;
            }
            const after = (await http.get('/whoami')).json<{ cookie: string | null }>().cookie;
            check(after, { 'cookie only after own login': (c) => (vu % 2 === 1 ? c !== null && c.startsWith('sid=') : c === null) });
          } } },
      });`);
    const r = await run(f);
    assert.equal(r.code, 0, r.stderr);
    const s = r.summary as Summary;
    assert.equal(srv.count('GET /whoami'), 80);
    assert.equal(endpointCount(s, 'GET /whoami'), 80);
    for (const name of ['no cookie before login', 'cookie only after own login']) {
      const c = s.checks.find((x) => x.name === name);
      assert.deepEqual([c?.passes, c?.fails], [40, 0], name);
    }
    const cookies = srv
      .requests()
      .filter((q) => q.path === '/whoami')
      .map((q) => q.headers.cookie);
    assert.equal(
      cookies.filter((c) => c !== undefined).length,
      2 * 19,
      'two logged-in VUs, 19 requests each after login',
    );
    assert.equal(
      new Set(cookies.filter((c) => c !== undefined)).size,
      2,
      'each logged-in VU sent its own cookie',
    );
  });

  it('exec scenarios with -e env, setup data, teardown, groups, URL templates and a custom metric threshold', async () => {
    srv.reset();
    const f = script(`
      import { defineTest, group, check, Counter, Trend } from 'volley';
      const items = new Counter('items_seen');
      const lat = new Trend('page_ms', true);
      export default defineTest({
        baseUrl: '${srv.url}',
        setup: async ({ http }) => ({ token: (await http.post('/login')).json<{ token: string }>().token }),
        teardown: async ({ http, data }) => { await http.post('/teardown', { json: data }); },
        scenarios: {
          open: { executor: 'constant-arrival-rate', rate: 100, duration: '2s', preAllocatedVUs: 5, maxVUs: 20,
            exec: async ({ http, data, iteration }) => {
              await group('catalog', async () => {
                const r = await http.get('/users/:id', { params: { id: iteration % 7 }, headers: { 'x-env': process.env.GREETING ?? 'unset', 'x-setup': (data as { token: string }).token } });
                lat.add(r.timings.duration);
                check(r, { 'status 200': (x) => x.status === 200 });
                await http.get(http.url\`/teams/\${iteration % 3}\`);
              });
              items.add(2);
            } },
        },
        thresholds: { items_seen: ['count==400'], page_ms: ['p(99)<1000'], 'http_req_duration{group:::catalog}': ['p(99)<1000'] },
      });`);
    const r = await run(f, ['-e', 'GREETING=hello']);
    assert.equal(r.code, 0, r.stderr);
    const s = r.summary as Summary;
    const users = srv.requests().filter((q) => q.path.startsWith('/users/'));
    assert.equal(users.length, 200);
    assert.ok(
      users.every((q) => q.headers['x-env'] === 'hello'),
      '-e reached every worker',
    );
    assert.ok(
      users.every((q) => q.headers['x-setup'] === 't1'),
      'setup data reached every VU',
    );
    assert.equal(srv.count('POST /login'), 1, 'setup ran once');
    assert.equal(srv.count('POST /teardown'), 1, 'teardown ran once');
    assert.equal(JSON.parse(srv.requests().find((q) => q.path === '/teardown')?.body ?? '{}').token, 't1');
    assert.equal(endpointCount(s, 'GET /users/:id'), 200, 'a :param template is one endpoint');
    assert.equal(endpointCount(s, 'GET /teams/${}'), 200, 'an http.url template is one endpoint');
    assert.equal(s.metrics.items_seen?.values.count, 400);
    assert.equal(s.metrics.items_seen?.thresholds?.['count==400']?.ok, true);
    assert.equal(s.metrics.page_ms?.values.count, 200);
    assert.equal(s.checks.find((c) => c.name === 'status 200')?.group, '::catalog');
    assert.equal(s.metrics['http_req_duration{group:::catalog}']?.values.count, 400);
  });

  it("an exception in user code is counted per scenario with the user's own source-mapped stack, and the run goes on", async () => {
    srv.reset();
    const f = script(`import { defineTest } from 'volley';

interface Payload { id: number }

function explode(p: Payload): never {
  throw new Error('boom at ' + p.id);
}

export default defineTest({
  baseUrl: '${srv.url}',
  scenarios: {
    bad: { executor: 'shared-iterations', vus: 2, iterations: 10, exec: async ({ http, iteration }) => {
      await http.get('/before');
      if (iteration % 2 === 0) explode({ id: 1 });
    } },
    good: { executor: 'shared-iterations', vus: 2, iterations: 10, exec: async ({ http }) => { await http.get('/fine'); } },
  },
});
`);
    const r = await run(f);
    assert.equal(r.code, 0, r.stderr);
    const s = r.summary as Summary;
    assert.equal(srv.count('GET /before'), 10);
    assert.equal(srv.count('GET /fine'), 10, 'the other scenario ran in full');
    assert.equal(s.scriptErrors.length, 1);
    const e = s.scriptErrors[0] as Summary['scriptErrors'][number];
    assert.equal(e.scenario, 'bad');
    assert.equal(e.count, 5);
    assert.equal(e.message, 'Error: boom at 1');
    assert.match(
      e.stack,
      new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:9`),
      'stack points at the .ts source line',
    );
    assert.equal(s.metrics.iteration_errors?.values.count, 5);
  });

  it('a syntax error gives file:line:col and exit 2, before any traffic', async () => {
    srv.reset();
    const f = script(
      `import { defineTest } from 'volley';\nexport default defineTest({\n  scenarios: { x: { executor: 'constant-vus' vus: 1 } },\n});\n`,
    );
    const r = await run(f);
    assert.equal(r.code, 2);
    assertCleanError(r.stderr, new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: Expected`));
    assert.equal(srv.total(), 0);
  });

  it('every unknown executor, field and missing user is listed at once (exit 2)', async () => {
    const f = script(`
      import { defineTest } from 'volley';
      export default defineTest({
        baseUrl: '${srv.url}',
        scenarios: {
          a: { executor: 'constant-vuz', vus: 1, duration: '1s', exec: async () => {} },
          b: { executor: 'constant-vus', vus: 1, duraton: '1s', exec: async () => {} } as never,
          c: { executor: 'constant-vus', vus: 1, duration: '1s', user: 'ghost' },
        },
      });`);
    const r = await run(f);
    assert.equal(r.code, 2);
    assertCleanError(r.stderr, /scenarios\.c\.user: no user "ghost"/);
    assertCleanError(r.stderr, /scenarios\.a\.executor: unknown executor 'constant-vuz'/);
    assertCleanError(r.stderr, /scenarios\.b\.duraton: is not a field/);
  });

  it('a missing data file fails before any traffic is sent (exit 2)', async () => {
    srv.reset();
    const f = script(`
      import { defineTest, data } from 'volley';
      const rows = data.csv('./nowhere.csv');
      export default defineTest({
        baseUrl: '${srv.url}',
        scenarios: { a: { executor: 'constant-vus', vus: 1, duration: '1s', exec: async ({ http }) => { await http.get('/x?u=' + rows.random()); } } },
      });`);
    const r = await run(f);
    assert.equal(r.code, 2);
    assertCleanError(r.stderr, /nowhere\.csv/);
    assert.equal(srv.total(), 0);
  });

  it('shared data: rows picked per VU and uniquely per iteration, across workers', async () => {
    srv.reset();
    const rows = ['id,name', ...Array.from({ length: 40 }, (_, i) => `${i},"name, ${i}"`)].join('\n');
    writeFileSync(join(dir, 'people.csv'), rows);
    const f = script(`
      import { defineTest, data } from 'volley';
      const people = data.csv<{ id: string; name: string }>('./people.csv');
      export default defineTest({
        baseUrl: '${srv.url}',
        scenarios: { a: { executor: 'shared-iterations', vus: 4, iterations: 40, exec: async ({ http, vu, iteration }) => {
          await http.get('/p', { query: { vu, mine: people.perVu({ vu }).id, unique: people.unique({ iteration }).name } });
        } } },
      });`);
    const r = await run(f);
    assert.equal(r.code, 0, r.stderr);
    const seen = srv.requests().filter((q) => q.path === '/p');
    assert.equal(seen.length, 40);
    assert.equal(new Set(seen.map((q) => q.query.get('unique'))).size, 40, 'unique() gave every row once');
    for (const q of seen) assert.equal(Number(q.query.get('mine')), (Number(q.query.get('vu')) - 1) % 40);
    assert.ok(
      seen.every((q) => /^name, \d+$/.test(q.query.get('unique') ?? '')),
      'quoted CSV fields parsed',
    );
  });
});

describe('coming from k6', () => {
  it('__ENV: the error names the user file:line (source-mapped, not the temporary bundle) and says process.env', async () => {
    const file = join(dir, 'k6env.ts');
    writeFileSync(
      file,
      `import { defineTest } from 'volley';\n\nconst base: string = (globalThis as any).x ?? __ENV.BASE_URL;\nexport default defineTest({ baseUrl: base, scenarios: {} });\n`,
    );
    const r = await runCli(['run', file, '--no-store']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /the script threw while loading: ReferenceError: __ENV is not defined\n/);
    assert.match(
      r.stderr,
      new RegExp(`^ +at .*\\(?${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:\\d+\\)?$`, 'm'),
    );
    assert.doesNotMatch(r.stderr, /bundle\.mjs|node_modules/);
    assert.match(
      r.stderr,
      /hint: k6's __ENV\.NAME is process\.env\.NAME in volley \(set it with -e NAME=value\); see docs\/from-k6\.md/,
    );
  });

  it("a k6 import: volley's equivalent and docs/from-k6.md, nothing sent", async () => {
    const file = join(dir, 'k6script.js');
    writeFileSync(
      file,
      `import http from 'k6/http';\nimport { sleep } from 'k6';\nexport default function () { http.get('http://127.0.0.1:1/'); sleep(1); }\n`,
    );
    const r = await runCli(['run', file, '--no-store']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /k6script\.js:1:18: Could not resolve "k6\/http"/);
    assert.match(
      r.stderr,
      /hint: volley runs its own API, not k6's \('k6\/http', 'k6'\): import \{ defineTest, check/,
    );
    assert.match(
      r.stderr,
      /exec: async \(\{ http \}\) => \{ await http\.get\(url\) \}; docs\/from-k6\.md maps k6 and Locust idioms/,
    );
  });
});

describe('volley init, check, inspect', () => {
  it('inspect names the phases of a preset (and of stages given a phase); a 5 × 4s fivePhase plans 22s', async () => {
    const file = join(dir, 'five.yaml');
    writeFileSync(
      file,
      [
        'baseUrl: http://127.0.0.1:1',
        'scenarios:',
        '  day: { preset: fivePhase, base: 5, peak: 20, warmUp: 4s, rampUp: 4s, sustained: 4s, spikeDuration: 4s, recovery: 4s, flow: [{ get: /health }] }',
        '  custom:',
        '    executor: ramping-vus',
        '    stages: [{ duration: 2s, target: 3, phase: climb }, { duration: 2s, target: 0 }]',
        '    flow: [{ get: /health }]',
        '',
      ].join('\n'),
    );
    const r = await runCli(['inspect', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /stages: warm-up 4s→5, ramp-up 4s→20, sustained 4s→20, spike 1s→40, spike 4s→40, recovery 1s→5, recovery 4s→5\n/,
    );
    assert.match(r.stdout, /day .*\n +start 0ms, runs 22s/);
    assert.match(r.stdout, /stages: climb 2s→3, 2s→0\n/);
    const json = await runCli(['inspect', file, '--json']);
    const day = (
      JSON.parse(json.stdout) as { scenarios: { name: string; stages: { phase?: string }[] }[] }
    ).scenarios.find((x) => x.name === 'day');
    assert.deepEqual(
      day?.stages.map((st) => st.phase),
      ['warm-up', 'ramp-up', 'sustained', 'spike', 'spike', 'recovery', 'recovery'],
    );
  });

  it('check and run --typecheck list every problem (type errors and validation), run too, with did-you-mean', async () => {
    const file = join(dir, 'four.ts');
    writeFileSync(
      file,
      `import { defineTest } from 'volley';
export default defineTest({
  scenarios: {
    a: { executor: 'constant-vus', vus: 'ten', duraton: '1s', exec: async ({ http }) => { await http.get('/health'); } },
  },
  thresholds: { http_req_duraton: ['p(99)<100'] },
  htpp: { timeout: '1s' },
});
`,
    );
    const validation = [
      "htpp: is not a test field (did you mean 'http'?)",
      "scenarios.a.duraton: is not a field of executor 'constant-vus' (did you mean 'duration'?)",
      'scenarios.a.vus: must be an integer >= 1 (got "ten")',
      "thresholds.http_req_duraton: unknown metric 'http_req_duraton' (did you mean 'http_req_duration'?)",
    ].map((m) => `${file}: ${m}`);
    const errorLines = (stderr: string): string[] =>
      stderr
        .split('\n')
        .filter((l) => l.startsWith('error: '))
        .map((l) => l.slice(7));
    const run = await runCli(['run', file, '--no-store']);
    assert.equal(run.code, 2, run.stderr);
    // 'duration is required' is not said: the did-you-mean covers it.
    assert.deepEqual(errorLines(run.stderr), validation);
    for (const args of [
      ['check', file],
      ['run', '--typecheck', file, '--no-store'],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, r.stderr);
      const lines = errorLines(r.stderr);
      assert.match(
        lines[0] ?? '',
        /four\.ts:4:\d+: Type 'string' is not assignable to type 'number'\. \(TS2322\)$/,
      );
      assert.deepEqual(lines.slice(-4), validation, args.join(' '));
    }
  });

  it("init's next steps are commands that work where they are printed: volley only when it is on PATH", async () => {
    // No volley on PATH (what `npm ci` leaves): the hints run this install through node.
    const bare = await runCli(['init', 'hinted'], { cwd: dir, env: { PATH: dirname(process.execPath) } });
    assert.equal(bare.code, 0, bare.stderr);
    const check = /^ {2}(.+ check hinted\/test\.ts)$/m.exec(bare.stdout)?.[1];
    assert.equal(check, `node ${CLI} check hinted/test.ts`, bare.stdout);
    assert.match(bare.stdout, /volley is not on your PATH: 'npm install -g \.' or 'npm link'/);
    const ran = spawnSync('sh', ['-c', check], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    assert.equal(ran.status, 0, ran.stderr);
    assert.match(ran.stdout, /types check, 2 scenarios valid/);
    // A `volley` on PATH that is this install (npm link's symlink): the hints say volley.
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(CLI, join(bin, 'volley'));
    chmodSync(CLI, 0o755);
    const linked = await runCli(['init', 'linked'], {
      cwd: dir,
      env: { PATH: `${bin}${delimiter}${dirname(process.execPath)}` },
    });
    assert.equal(linked.code, 0, linked.stderr);
    assert.match(
      linked.stdout,
      /^ {2}volley target &\n {2}volley check linked\/test\.ts\n {2}volley run linked\/test\.ts$/m,
    );
    assert.doesNotMatch(linked.stdout, /not on your PATH/);
  });

  it('init scaffolds a typed example that passes volley check; a type error is reported with file:line:col', async () => {
    const target = join(dir, 'scaffold');
    const r = await runCli(['init', target]);
    assert.equal(r.code, 0, r.stderr);
    const tsconfig = JSON.parse(readFileSync(join(target, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { paths: { volley: string[] } };
    };
    assert.match(tsconfig.compilerOptions.paths.volley[0] ?? '', /dist\/src\/index\.d\.ts$/);
    const again = await runCli(['init', target]);
    assert.equal(again.code, 2, 'init does not overwrite');
    assert.match(again.stderr, /already exist/);
    const ok = await runCli(['check', join(target, 'test.ts')]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /types check, 2 scenarios valid/);

    const bad = join(target, 'bad.ts');
    writeFileSync(
      bad,
      `import { defineTest } from 'volley';\nexport default defineTest({\n  scenarios: { a: { executor: 'constant-vus', vus: 'ten', duration: '1s', exec: async ({ http }) => { await http.get(42); } } },\n});\n`,
    );
    const r2 = await runCli(['check', bad]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /bad\.ts:3:\d+: .*'string' is not assignable to type 'number'.*\(TS2322\)/);
    assert.match(
      r2.stderr,
      /bad\.ts:3:\d+: .*'number' is not assignable to parameter of type 'RequestTarget'/,
    );
    const r3 = await runCli(['run', bad, '--typecheck']);
    assert.equal(r3.code, 2, 'run --typecheck refuses to run');
  });

  it('inspect prints the plan without traffic; --scenario picks scenarios; quick-mode flags are refused with a file', async () => {
    const f = script(`
      import { defineTest, presets } from 'volley';
      export default defineTest({
        baseUrl: 'http://127.0.0.1:1',
        scenarios: {
          ramp: { ...presets.load({ vus: 30, rampUp: '10s', hold: '20s', rampDown: '5s' }), exec: async () => {} },
          open: { executor: 'constant-arrival-rate', rate: 50, duration: '30s', maxVUs: 40, startTime: '5s', exec: async () => {} },
        },
      });`);
    const r = await runCli(['inspect', f]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2 scenarios, up to 70 VUs, 35s planned/);
    assert.match(r.stdout, /stages: 10s→30, 20s→30, 5s→0/);
    assert.match(r.stdout, /1,500 iterations/);
    const j = await runCli(['inspect', f, '--json']);
    const plan = JSON.parse(j.stdout) as { scenarios: { name: string; maxVUs: number }[] };
    assert.deepEqual(
      plan.scenarios.map((s) => [s.name, s.maxVUs]),
      [
        ['ramp', 30],
        ['open', 40],
      ],
    );
    const bad = await runCli(['run', f, '--rate', '10', '--scenario', 'nope']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--rate shapes quick mode/);
    const nope = await runCli(['run', f, '--scenario', 'nope']);
    assert.equal(nope.code, 2);
    assert.match(nope.stderr, /no scenario 'nope' \(scenarios: ramp, open\)/);
  });
});

describe('shared data across worker threads (library API)', () => {
  it('workers use the data the main thread loaded: the file can be gone before they start', async () => {
    const { loadTest, runSetup } = await import('../../src/loader/load-test.js');
    const { IN_PROCESS_LOAD } = await import('../helpers/run-test.js');
    const { localTestRun } = await import('../../src/generators/local-run.js');
    const { renameSync } = await import('node:fs');
    const srv = await startRouteServer();
    try {
      const sub = mkdtempSync(join(tmpdir(), 'volley-shared-'));
      writeFileSync(
        join(sub, 'rows.csv'),
        ['k', ...Array.from({ length: 50 }, (_, i) => `row${i}`)].join('\n'),
      );
      const file = join(sub, 'uses-data.ts');
      writeFileSync(
        file,
        `import { defineTest, data } from 'volley';
const rows = data.csv<{ k: string }>('./rows.csv');
export default defineTest({
  baseUrl: '${srv.url}',
  scenarios: { a: { executor: 'shared-iterations', vus: 4, iterations: 50, exec: async ({ http, iteration }) => { await http.get('/r', { query: { k: rows.unique({ iteration }).k } }); } } },
});`,
      );
      const test = await loadTest(file, IN_PROCESS_LOAD);
      await runSetup(test);
      renameSync(join(sub, 'rows.csv'), join(sub, 'gone.csv'));
      try {
        const result = await localTestRun(test.prepared).run();
        assert.deepEqual(result.workerErrors, []);
        assert.equal(result.generator.workers, 2);
      } finally {
        test.dispose();
      }
      const ks = srv.requests().map((q) => q.query.get('k'));
      assert.equal(ks.length, 50);
      assert.equal(new Set(ks).size, 50, 'every row once, read from shared memory in both workers');
    } finally {
      await srv.close();
    }
  });
});
