/**
 * `volley serve` and the run store end to end: a real server process, a real SQLite file, real
 * targets on 127.0.0.1, runs started over HTTP in their own processes. What the target counted is
 * compared with what the API and the store report.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { LiveMessage, RunDetail, RunListItem, SeriesResponse } from '../../src/server/wire.js';
import { api } from '../helpers/api-client.js';
import { CLI, runCli } from '../helpers/cli.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-serve-'));
const db = join(dir, 'runs.db');
const scripts = join(dir, 'scripts');
mkdirSync(scripts);
writeFileSync(join(dir, 'outside.ts'), 'export default {};\n');
writeFileSync(join(scripts, 'notes.txt'), 'not a test\n');
symlinkSync(join(dir, 'outside.ts'), join(scripts, 'link.ts'));

async function waitForEnd(base: string, id: string, timeoutMs = 30_000): Promise<RunDetail> {
  const t0 = Date.now();
  for (;;) {
    const { body } = await api<RunDetail>(base, `/api/runs/${id}`);
    if (!['starting', 'running'].includes(body.status)) return body;
    if (Date.now() - t0 > timeoutMs) throw new Error(`run ${id} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitForStatus(base: string, id: string, status: string): Promise<void> {
  const t0 = Date.now();
  while ((await api<RunDetail>(base, `/api/runs/${id}`)).body.status !== status) {
    if (Date.now() - t0 > 15_000) throw new Error(`run ${id} never became ${status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Collects a run's live messages until the socket closes. */
function live(url: string): { messages: LiveMessage[]; closed: Promise<number> } {
  const ws = new WebSocket(url);
  const messages: LiveMessage[] = [];
  ws.on('message', (d: Buffer) => messages.push(JSON.parse(d.toString()) as LiveMessage));
  const closed = new Promise<number>((resolve) => {
    ws.on('close', (code) => resolve(code));
    ws.on('error', () => resolve(-1));
  });
  return { messages, closed };
}

describe('volley serve: REST API, live stream and store', () => {
  let target: CountingServer;
  let server: ServeProcess;
  let base: string;
  let firstRun: RunDetail;

  before(async () => {
    target = await startCountingServer({ recordHeaders: ['x-home', 'x-given'] });
    server = await startServeProcess(['--db', db, '--scripts', scripts]);
    base = server.url;
  });
  after(async () => {
    await server.stop();
    await target.close();
  });

  it('prints its loopback URL and serves the system info', async () => {
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
    const { status, body } = await api<{ cpus: number; memory: { totalMB: number }; activeRunId: null }>(
      base,
      '/api/system',
    );
    assert.equal(status, 200);
    assert.ok(body.cpus >= 1 && body.memory.totalMB > 0);
    assert.equal(body.activeRunId, null);
  });

  it('runs a quick-mode body: 201, live messages per second, stored counts equal to what the target saw', async () => {
    const before = target.count();
    const created = await api<{ id: string }>(base, '/api/runs', {
      method: 'POST',
      body: {
        url: `${target.url}/q`,
        rate: 100,
        duration: '3s',
        thresholds: ['http_req_duration:p(99)<1000'],
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    // Two subscribers at once, plus readers hammering the list while the run goes on.
    const a = live(`${base.replace('http', 'ws')}/api/runs/${id}/live`);
    const b = live(`${base.replace('http', 'ws')}/api/runs/${id}/live`);
    const readers = await Promise.all(
      Array.from({ length: 20 }, () => api<RunListItem[]>(base, '/api/runs')),
    );
    assert.ok(readers.every((r) => r.status === 200 && r.body.some((x) => x.id === id)));
    const conflict = await api<{ error: string }>(base, '/api/runs', {
      method: 'POST',
      body: { url: `${target.url}/q`, rate: 10, duration: '1s' },
    });
    assert.equal(conflict.status, 409);
    assert.match(conflict.body.error, new RegExp(`run ${id} is still active`));
    firstRun = await waitForEnd(base, id);
    await Promise.all([a.closed, b.closed]);
    const received = target.count() - before;

    assert.equal(firstRun.status, 'finished');
    assert.equal(firstRun.verdict, 'passed');
    assert.equal(firstRun.exitCode, 0);
    assert.equal(firstRun.source, 'api');
    assert.equal(received, 300);
    assert.equal(firstRun.summary?.metrics.http_reqs?.values.count, received);
    assert.equal(firstRun.requests, received);
    assert.ok(firstRun.summary?.metrics.http_req_duration?.thresholds?.['p(99)<1000']?.ok);

    for (const client of [a, b]) {
      const types = client.messages.map((m) => m.type);
      assert.equal(types[0], 'hello');
      const snaps = client.messages.filter((m) => m.type === 'snapshot');
      const liveTotal = snaps.reduce((n, m) => n + (m.type === 'snapshot' ? m.point.requests : 0), 0);
      const hello = client.messages[0] as Extract<LiveMessage, { type: 'hello' }>;
      const helloTotal = hello.points.reduce((n, p) => n + p.requests, 0);
      assert.equal(helloTotal + liveTotal, received, 'seconds in hello + live seconds = every request');
      const last = client.messages.at(-1) as Extract<LiveMessage, { type: 'status' }>;
      assert.equal(last.type, 'status');
      assert.equal(last.run.status, 'finished');
      assert.ok(client.messages.some((m) => m.type === 'thresholds'));
    }

    const series = await api<SeriesResponse>(base, `/api/runs/${id}/series`);
    assert.equal(
      series.body.points.reduce((n, p) => n + p.requests, 0),
      received,
    );
    const pct = await api<{ values: Record<string, number> }>(base, `/api/runs/${id}/percentiles?p=50,99.9`);
    assert.equal(pct.body.values.count, received);
    assert.ok((pct.body.values['p(99.9)'] ?? 0) >= (pct.body.values['p(50)'] ?? 0));
    const summary = await fetch(`${base}/api/runs/${id}/summary`);
    assert.match(summary.headers.get('content-disposition') ?? '', /attachment/);
    assert.equal(((await summary.json()) as { runId: string }).runId, id);
  });

  it('rejects bad bodies with 400 and a message naming the problem, before starting anything', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /give url \(quick mode\), config .* or script/],
      [{ url: 'ftp://x', rate: 1 }, /url: must start with http/],
      [{ url: `${target.url}/`, rate: -5 }, /rate: must be > 0/],
      [{ url: `${target.url}/`, rate: 5, duration: 'soon' }, /duration: must be a duration/],
      [{ url: `${target.url}/`, rate: 5, colour: 'red' }, /unknown field 'colour'/],
      [{ url: `${target.url}/` }, /give rate .* or vus/],
      [{ url: `${target.url}/`, rate: 5, headers: { 'x-a': 'b\r\nInjected: 1' } }, /headers/],
      [{ url: `${target.url}/`, script: 'a.ts' }, /only one of url, script/],
      [{ script: 'a.ts', env: { 'BAD-NAME': 'x' } }, /env/],
    ];
    for (const [body, pattern] of cases) {
      const r = await api<{ error: string; details?: string[] }>(base, '/api/runs', { method: 'POST', body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match([r.body.error, ...(r.body.details ?? [])].join('\n'), pattern, JSON.stringify(body));
    }
    const notJson = await api<{ error: string }>(base, '/api/runs', {
      method: 'POST',
      raw: '{"url":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(notJson.status, 400);
    assert.match(notJson.body.error, /not valid JSON/);
    const form = await api<{ error: string }>(base, '/api/runs', {
      method: 'POST',
      raw: 'url=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 415);
    const control = await api<{ error: string }>(base, `/api/runs/${firstRun.id}`, {
      method: 'PATCH',
      body: { vus: -1 },
    });
    assert.equal(control.status, 400);
    assert.equal((await api(base, '/api/runs/00000000-dead-beef-0000-000000000000')).status, 404);
    // Malformed paths are client errors, never a crash: the server answers the next request.
    assert.equal((await fetch(`${base}/%E0%A4`)).status, 404);
    assert.equal((await api(base, '/api/runs/%E0%A4')).status, 400);
    assert.equal((await api(base, `/api/runs/${firstRun.id}/metrics/%E0%A4`)).status, 400);
    assert.equal((await api(base, `/api/runs/${firstRun.id}/metrics/no_such_metric`)).status, 404);
    assert.equal(
      (await api(base, `/api/runs/${firstRun.id}/series`, { method: 'POST', body: {} })).status,
      405,
    );
    const wsStatus = await new Promise<number>((resolve) => {
      const sock = new WebSocket(`${base.replace('http', 'ws')}/api/runs/%E0%A4/live`);
      sock.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      sock.on('error', () => undefined);
    });
    assert.equal(wsStatus, 400);
    const runs = await api<RunListItem[]>(base, '/api/runs');
    assert.equal(runs.status, 200, 'still serving');
    assert.equal(runs.body.length, 1, 'no run was created by a bad body');
  });

  it('runs scripts only from --scripts: traversal, absolute paths, symlinks out and non-test files are 400', async () => {
    const bad: [string, RegExp][] = [
      ['../outside.ts', /outside the scripts folder/],
      [join(dir, 'outside.ts'), /relative to the scripts folder/],
      ['link.ts', /leads outside the scripts folder/],
      ['notes.txt', /is not a test file/],
      ['missing.ts', /no file 'missing.ts'/],
    ];
    for (const [script, pattern] of bad) {
      const r = await api<{ error: string }>(base, '/api/runs', { method: 'POST', body: { script } });
      assert.equal(r.status, 400, script);
      assert.match(r.body.error, pattern);
    }
    const dataEscape = await api<{ error: string }>(base, '/api/runs', {
      method: 'POST',
      body: { config: { data: { users: { csv: '../../etc/passwd' } }, scenarios: {} } },
    });
    assert.equal(dataEscape.status, 400);
    assert.match(dataEscape.body.error, /config\.data\.users\.csv: .* outside the scripts folder/);

    writeFileSync(
      join(scripts, 'hit.ts'),
      `import { defineTest } from 'volley';
export default defineTest({
  baseUrl: process.env.BASE_URL,
  scenarios: { once: { executor: 'shared-iterations', vus: 2, iterations: 40, exec: async ({ http }) => { await http.get('/script'); } } },
});
`,
    );
    // Beside the tests: a summary written by --out json, a helper module, a data file; and a YAML test.
    writeFileSync(join(scripts, 'sum.json'), JSON.stringify({ schema: 'volley.summary/1', scenarios: {} }));
    writeFileSync(join(scripts, 'helpers.ts'), 'export const base = 1;\n');
    writeFileSync(join(scripts, 'users.json'), '[{"name":"a"}]');
    writeFileSync(
      join(scripts, 'smoke.yaml'),
      'scenarios:\n  one: { executor: shared-iterations, iterations: 1, flow: [{ get: / }] }\n',
    );
    const listed = await api<{ scripts: string[] }>(base, '/api/scripts');
    assert.deepEqual(
      listed.body.scripts,
      ['hit.ts', 'smoke.yaml'],
      'symbolic links, summaries, helper modules, data and non-test files are not offered',
    );
    const before = target.byPath().get('/script') ?? 0;
    const r = await api<{ id: string }>(base, '/api/runs', {
      method: 'POST',
      body: { script: 'hit.ts', env: { BASE_URL: target.url } },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const done = await waitForEnd(base, r.body.id);
    assert.equal(done.status, 'finished', done.error ?? '');
    assert.equal(done.name, 'hit.ts');
    assert.equal((target.byPath().get('/script') ?? 0) - before, 40);
    assert.equal(done.summary?.metrics.http_reqs?.values.count, 40);
  });

  it('runs a declarative config body; its $env sees only the env given in the body', async () => {
    const before = target.byPath().get('/cfg') ?? 0;
    const r = await api<{ id: string }>(base, '/api/runs', {
      method: 'POST',
      body: {
        config: {
          baseUrl: target.url,
          scenarios: { c: { executor: 'per-vu-iterations', vus: 2, iterations: 5, exec: 'f' } },
          flows: {
            f: [
              {
                get: '/cfg',
                headers: { 'x-home': '{{ $env.HOME ?? none }}', 'x-given': '{{ $env.GIVEN }}' },
              },
            ],
          },
        },
        env: { GIVEN: 'yes' },
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const done = await waitForEnd(base, r.body.id);
    assert.equal(done.status, 'finished', done.error ?? '');
    assert.equal(done.name, 'config: c');
    assert.equal((target.byPath().get('/cfg') ?? 0) - before, 10);
    assert.deepEqual(target.headerValues('x-home'), ['none'], 'the server environment (HOME) is not visible');
    assert.deepEqual(target.headerValues('x-given'), ['yes']);
  });

  it('records a run that cannot start as error, with the CLI message and exit code', async () => {
    const closed = await startCountingServer();
    const url = `${closed.url}/`;
    await closed.close();
    const r = await api<{ id: string }>(base, '/api/runs', {
      method: 'POST',
      body: { url, rate: 10, duration: '1s' },
    });
    assert.equal(r.status, 201);
    const done = await waitForEnd(base, r.body.id);
    assert.equal(done.status, 'error');
    assert.match(done.error ?? '', /ECONNREFUSED|refused/);
    assert.equal(done.exitCode, 3);
  });

  it('externally-controlled: PATCH changes the VUs live, stop ends it early, /metrics shows the live run', async () => {
    const r = await api<{ id: string }>(base, '/api/runs', {
      method: 'POST',
      body: { url: `${target.url}/ctl`, vus: 4, executor: 'externally-controlled', duration: '30s' },
    });
    assert.equal(r.status, 201);
    const id = r.body.id;
    const stream = live(`${base.replace('http', 'ws')}/api/runs/${id}/live`);
    await waitForStatus(base, id, 'running');
    const t4 = Date.now();
    while (!stream.messages.some((m) => m.type === 'snapshot' && m.snapshot.vus === 4)) {
      if (Date.now() - t4 > 10_000) throw new Error('no second at 4 VUs');
      await new Promise((res) => setTimeout(res, 50));
    }
    // The run generates load flat out in its own process: the API must stay quick meanwhile.
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      assert.equal((await api(base, '/api/system')).status, 200);
      latencies.push(performance.now() - t);
    }
    assert.ok(
      Math.max(...latencies) < 500,
      `API answers during full load: max ${Math.max(...latencies).toFixed(1)} ms`,
    );
    const wrongMode = await api<{ error: string }>(base, `/api/runs/${id}`, {
      method: 'PATCH',
      body: { rate: 5 },
    });
    assert.equal(wrongMode.status, 400);
    assert.match(wrongMode.body.error, /closed loop: give vus/);
    const tooMany = await api<{ error: string }>(base, `/api/runs/${id}`, {
      method: 'PATCH',
      body: { vus: 5000 },
    });
    assert.equal(tooMany.status, 400);
    const patched = await api<{ applied: { vus: number } }>(base, `/api/runs/${id}`, {
      method: 'PATCH',
      body: { vus: 1 },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.applied.vus, 1);
    // Wait for two seconds that closed after the change, then read /metrics.
    const t0 = Date.now();
    while (stream.messages.filter((m) => m.type === 'snapshot' && m.snapshot.vus === 1).length < 2) {
      if (Date.now() - t0 > 10_000) throw new Error('VUs never went to 1');
      await new Promise((res) => setTimeout(res, 100));
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^volley_run_active 1$/m);
    assert.match(metrics, new RegExp(`^volley_vus\\{run_id="${id}"\\} 1$`, 'm'));
    const reqs = Number(/^volley_http_reqs_total\{[^}]*\} (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(reqs > 0);
    const del = await api(base, `/api/runs/${id}`, { method: 'DELETE' });
    assert.equal(del.status, 409, 'an active run cannot be deleted');
    const stop = await api(base, `/api/runs/${id}/stop`, { method: 'POST' });
    assert.equal(stop.status, 202);
    const done = await waitForEnd(base, id);
    await stream.closed;
    assert.equal(done.status, 'finished');
    assert.equal(done.verdict, 'aborted');
    assert.ok((done.durationMs ?? Infinity) < 15_000, 'stopped long before its 30 s');
    assert.equal(done.summary?.metrics.http_reqs?.values.count, target.byPath().get('/ctl'));
    const maxVus = Math.max(...stream.messages.map((m) => (m.type === 'snapshot' ? m.snapshot.vus : 0)));
    assert.equal(maxVus, 4);
    const again = await api(base, `/api/runs/${id}/stop`, { method: 'POST' });
    assert.equal(again.status, 409);
  });

  it('externally-controlled open loop: rate 0 pauses arrivals (the run goes on), rate 5 resumes them; a change after the end is 409', async () => {
    const path = '/paused';
    const n = (): number => target.byPath().get(path) ?? 0;
    const get = async (id: string): Promise<RunDetail> =>
      (await api<RunDetail>(base, `/api/runs/${id}`)).body;
    const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));
    const r = await api<{ id: string }>(base, '/api/runs', {
      method: 'POST',
      body: {
        url: `${target.url}${path}`,
        rate: 20,
        maxVus: 10,
        executor: 'externally-controlled',
        duration: '10s',
      },
    });
    assert.equal(r.status, 201);
    const id = r.body.id;
    const t0 = Date.now();
    while (n() === 0) {
      if (Date.now() - t0 > 20_000) throw new Error('the run never sent a request');
      await sleep(20);
    }
    const started = Date.now();
    const pause = await api(base, `/api/runs/${id}`, { method: 'PATCH', body: { rate: 0 } });
    assert.equal(pause.status, 200, JSON.stringify(pause.body));
    await sleep(300); // the change applies 50 ms after it is accepted; in-flight requests land
    const c0 = n();
    await sleep(1500);
    assert.equal(n() - c0, 0, 'no request while the rate is 0');
    assert.equal((await get(id)).status, 'running', 'rate 0 paused the run, it did not end it');
    const resume = await api(base, `/api/runs/${id}`, { method: 'PATCH', body: { rate: 5 } });
    assert.equal(resume.status, 200, JSON.stringify(resume.body));
    const c1 = n();
    const t1 = Date.now();
    while (n() === c1) {
      if (Date.now() - t1 > 3000) throw new Error('rate 5 did not resume the arrivals');
      await sleep(10);
    }
    const c2 = n();
    await sleep(2000);
    const grown = n() - c2;
    assert.ok(grown >= 7 && grown <= 13, `${grown} requests in 2 s at 5/s`);
    assert.equal((await get(id)).status, 'running');
    const done = await waitForEnd(base, id);
    assert.equal(done.status, 'finished');
    assert.equal(done.verdict, 'passed');
    assert.ok(
      Date.now() - started >= 7000,
      `the run lasted its 10 s (ended ${Date.now() - started} ms after its first request)`,
    );
    assert.equal(done.summary?.metrics.http_reqs?.values.count, n());
    const late = await api<{ error: string }>(base, `/api/runs/${id}`, {
      method: 'PATCH',
      body: { rate: 7 },
    });
    assert.equal(late.status, 409);
    assert.match(late.body.error, /has ended|not active/);
  });

  it('refuses cross-site requests and foreign Host headers (no permissive CORS)', async () => {
    const evil = await fetch(`${base}/api/runs`, {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${target.url}/`, rate: 1 }),
    });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const rebinding = await new Promise<number>((resolve) => {
      const port = new URL(base).port;
      const req = spawn(process.execPath, [
        '-e',
        `require('http').get({host:'127.0.0.1',port:${port},path:'/api/runs',headers:{host:'evil.example:${port}'}},r=>{console.log(r.statusCode);r.resume()})`,
      ]);
      let out = '';
      req.stdout.on('data', (d: Buffer) => (out += d.toString()));
      req.on('close', () => resolve(Number(out.trim())));
    });
    assert.equal(rebinding, 403);
  });

  it('DELETE removes a run and everything stored for it', async () => {
    const runs = (await api<RunListItem[]>(base, '/api/runs')).body;
    const victim = runs.find((r) => r.status === 'error') as RunListItem;
    assert.equal((await api(base, `/api/runs/${victim.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await api(base, `/api/runs/${victim.id}`)).status, 404);
  });

  it('streams a terminal run like a dashboard run: KPIs, endpoints, thresholds and generator health each second', async () => {
    const path = '/terminal-live';
    const run = runCli([
      'run',
      '--url',
      `${target.url}${path}`,
      '--rate',
      '40',
      '-d',
      '3s',
      '--threshold',
      'http_req_duration:p(99)<1000',
      '-q',
      '--db',
      db,
    ]);
    // Subscribe as soon as the store has the run (it is inserted when traffic starts).
    const t0 = Date.now();
    let id: string | undefined;
    while (!id) {
      id = (await api<RunListItem[]>(base, '/api/runs')).body.find(
        (r) => r.name === `${target.url}${path}`,
      )?.id;
      if (Date.now() - t0 > 15_000) throw new Error('the terminal run never appeared in the store');
      if (!id) await new Promise((r) => setTimeout(r, 50));
    }
    const client = live(`${base.replace('http', 'ws')}/api/runs/${id}/live`);
    // The header's "run in progress" and /metrics follow it too.
    const sys = await api<{ activeRunId: string | null }>(base, '/api/system');
    assert.equal(sys.body.activeRunId, id);
    const t1 = Date.now();
    let metrics = '';
    while (!new RegExp(`^volley_http_reqs_total\\{run_id="${id}"\\} [1-9]`, 'm').test(metrics)) {
      if (Date.now() - t1 > 10_000) assert.fail(`/metrics never showed the terminal run:\n${metrics}`);
      await new Promise((r) => setTimeout(r, 100));
      metrics = await (await fetch(`${base}/metrics`)).text();
    }
    assert.match(metrics, /^volley_run_active 1$/m);
    const cli = await run;
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(await client.closed, 1000, 'the stream closes once the run ended');
    const received = target.byPath().get(path);
    assert.equal(received, 120);

    const hello = client.messages[0] as Extract<LiveMessage, { type: 'hello' }>;
    assert.equal(hello.type, 'hello');
    const snaps = client.messages.filter((m) => m.type === 'snapshot');
    assert.ok(
      snaps.length >= 1,
      `live snapshots of the terminal run: ${client.messages.map((m) => m.type).join(',')}`,
    );
    // Every second exactly once, between the hello and the live snapshots.
    const seconds = [...hello.points.map((p) => p.second), ...snaps.map((m) => m.point.second)];
    assert.deepEqual(seconds, [...Array(seconds.length).keys()], 'each second once, in order');
    const total =
      hello.points.reduce((n, p) => n + p.requests, 0) + snaps.reduce((n, m) => n + m.point.requests, 0);
    assert.equal(total, received, 'seconds in hello + live seconds = every request');
    // What the KPI cards, the endpoint table and the generator panel read.
    const last = snaps.at(-1)!.snapshot;
    assert.ok(last.current.rps > 0, `current rps ${last.current.rps}`);
    assert.ok(last.current.latency.p99 > 0);
    assert.equal(last.cumulative.endpoints.length, 1);
    assert.equal(last.cumulative.endpoints[0]?.name, `GET ${path}`);
    assert.equal(last.cumulative.requests, total);
    assert.ok(last.generator.workers.length >= 1 && last.generator.rssMB > 0);
    // The threshold it had, live.
    const th = [hello, ...client.messages].flatMap((m) =>
      m.type === 'thresholds' || m.type === 'hello' ? m.thresholds : [],
    );
    assert.ok(th.length > 0, 'threshold results were streamed');
    assert.deepEqual(th.map((t) => [t.key, t.source]).at(-1), ['http_req_duration', 'p(99)<1000']);
    assert.ok(th.at(-1)?.ok && (th.at(-1)?.actual ?? 0) > 0);
    const end = client.messages.at(-1) as Extract<LiveMessage, { type: 'status' }>;
    assert.equal(end.type, 'status');
    assert.equal(end.run.status, 'finished');
    assert.equal(end.run.verdict, 'passed');
  });

  it('keeps every run across a restart, CLI runs included; a killed run is marked interrupted with its seconds', async () => {
    const before = (await api<RunListItem[]>(base, '/api/runs')).body;
    // A terminal run into the same store, and one killed mid-run.
    const cli = await runCli([
      'run',
      '--url',
      `${target.url}/cli`,
      '--rate',
      '50',
      '-d',
      '2s',
      '-q',
      '--db',
      db,
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    const killed = spawn(
      process.execPath,
      [CLI, 'run', '--url', `${target.url}/killed`, '--rate', '50', '-d', '60s', '-q', '--db', db],
      {
        stdio: 'ignore',
      },
    );
    // Kill it once the store holds three of its seconds.
    const t0 = Date.now();
    for (;;) {
      const mid = (await api<RunListItem[]>(base, '/api/runs')).body.find(
        (r) => r.name === `${target.url}/killed`,
      );
      if (mid && (await api<SeriesResponse>(base, `/api/runs/${mid.id}/series`)).body.points.length >= 3)
        break;
      if (Date.now() - t0 > 20_000) throw new Error('the CLI run never stored 3 seconds');
      await new Promise((r) => setTimeout(r, 100));
    }
    killed.kill('SIGKILL');
    await new Promise((r) => killed.once('exit', r));
    assert.equal(await server.stop(), 0);

    server = await startServeProcess(['--db', db, '--scripts', scripts]);
    base = server.url;
    const after = (await api<RunListItem[]>(base, '/api/runs')).body;
    assert.equal(after.length, before.length + 2);
    for (const r of before) {
      const again = after.find((x) => x.id === r.id);
      assert.deepEqual(again, r, 'a stored run reads the same after the restart');
    }
    const cliRun = after.find((r) => r.name === `${target.url}/cli`) as RunListItem;
    assert.equal(cliRun.source, 'cli');
    assert.equal(cliRun.requests, target.byPath().get('/cli'));
    const lost = after.find((r) => r.name === `${target.url}/killed`) as RunListItem;
    assert.equal(lost.status, 'interrupted');
    const series = (await api<SeriesResponse>(base, `/api/runs/${lost.id}/series`)).body.points;
    assert.ok(series.length >= 3, `the seconds before the kill are kept (${series.length})`);
    const stored = series.reduce((n, p) => n + p.requests, 0);
    const sent = target.byPath().get('/killed') ?? 0;
    assert.ok(
      stored <= sent && stored >= sent - 60,
      `stored ${stored} of ${sent} (at most the last second lost)`,
    );
  });
});

describe('volley serve: exposed beyond loopback', () => {
  it('refuses a non-loopback --host without a token', async () => {
    const r = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--db', db]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--host 0\.0\.0\.0 exposes the API beyond this machine: give --token/);
  });

  it('with --token: REST and WebSocket need it, the dashboard files do not', async () => {
    const s = await startServeProcess(['--host', '0.0.0.0', '--token', 's3cret', '--db', db]);
    try {
      const base = s.url.replace('0.0.0.0', '127.0.0.1');
      assert.equal((await fetch(`${base}/api/runs`)).status, 401);
      assert.equal((await fetch(`${base}/metrics`)).status, 401);
      assert.equal(
        (await fetch(`${base}/api/runs`, { headers: { authorization: 'Bearer wrong' } })).status,
        401,
      );
      assert.equal(
        (await fetch(`${base}/api/runs?access_token=s3cret`)).status,
        401,
        'REST takes the header only',
      );
      const ok = await fetch(`${base}/api/runs`, { headers: { authorization: 'Bearer s3cret' } });
      assert.equal(ok.status, 200);
      const runs = (await ok.json()) as RunListItem[];
      const id = (runs[0] as RunListItem).id;
      const ws = (url: string): Promise<string> =>
        new Promise((resolve) => {
          const sock = new WebSocket(url);
          sock.on('message', (d: Buffer) => {
            resolve((JSON.parse(d.toString()) as LiveMessage).type);
            sock.close();
          });
          sock.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
          sock.on('error', () => undefined);
        });
      const wsBase = base.replace('http', 'ws');
      assert.equal(await ws(`${wsBase}/api/runs/${id}/live`), '401');
      assert.equal(await ws(`${wsBase}/api/runs/${id}/live?access_token=s3cret`), 'hello');
      assert.notEqual((await fetch(`${base}/`)).status, 401);
    } finally {
      await s.stop();
    }
  });
});
