/**
 * Stress and bench from the API (`POST /api/stress`, `POST /api/bench`): a real `volley serve`
 * process, a real store, targets with a known capacity on 127.0.0.1. The stress search's probes
 * arrive live over the WebSocket and its stored document matches what `volley stress` stores; a
 * bench lands in `GET /api/benches` and a second one gives every endpoint a history of two.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { StressResult } from '../../src/analysis/stress.js';
import type { BenchDetail, BenchListItem, LiveMessage, RunDetail, Summary } from '../../src/server/wire.js';
import { api } from '../helpers/api-client.js';
import { runCli } from '../helpers/cli.js';
import { startTokenBucketServer, type CapacityServer } from '../helpers/capacity-servers.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-stressui-'));
const db = join(dir, 'runs.db');
const scripts = join(dir, 'scripts');
mkdirSync(scripts);
writeFileSync(
  join(scripts, 'hit.ts'),
  `import { defineTest } from 'volley';
export default defineTest({
  baseUrl: process.env.BASE_URL,
  scenarios: { hit: { executor: 'constant-vus', vus: 1, duration: '1s', exec: async ({ http }) => { await http.get('/from-script'); } } },
});
`,
);

type StressDoc = Summary & { stress: StressResult & { probeDurationMs: number; slos: string[] } };

/**
 * A 250/s bucket, doubling from 50: 50, 100 and 200 pass, 400 fails, the bisection's 300 fails
 * (a sixth of it refused), and the cap of 5 probes ends the search there — every verdict is far
 * from the capacity, so the CLI and the API must agree on 200/s and 300/s.
 */
const STRESS = {
  startRate: 50,
  maxRate: 800,
  probeDuration: '1s',
  cooldown: '200ms',
  errorThreshold: '5%',
  resolution: '10%',
  maxProbes: 5,
};

async function waitForEnd(base: string, id: string, timeoutMs = 60_000): Promise<RunDetail> {
  const t0 = Date.now();
  for (;;) {
    const { body } = await api<RunDetail>(base, `/api/runs/${id}`);
    if (!['starting', 'running'].includes(body.status) && body.summary !== null) return body;
    if (!['starting', 'running', 'finished'].includes(body.status)) return body;
    if (Date.now() - t0 > timeoutMs) throw new Error(`run ${id} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitForBench(base: string, id: string, timeoutMs = 60_000): Promise<BenchDetail> {
  const t0 = Date.now();
  for (;;) {
    const { status, body } = await api<BenchDetail>(base, `/api/benches/${id}`);
    assert.equal(status, 200);
    if (body.status !== 'running') return body;
    if (Date.now() - t0 > timeoutMs) throw new Error(`bench ${id} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('stress and bench from the API', () => {
  let bucket: CapacityServer;
  let target: CountingServer;
  let server: ServeProcess;
  let base: string;

  before(async () => {
    bucket = await startTokenBucketServer(250);
    target = await startCountingServer();
    server = await startServeProcess(['--db', db, '--scripts', scripts]);
    base = server.url;
  });
  after(async () => {
    await server.stop();
    await bucket.close();
    await target.close();
  });

  it('runs a stress search whose probes arrive live and whose stored document is the CLI’s', async () => {
    const { status, body } = await api<{ id: string }>(base, '/api/stress', {
      method: 'POST',
      body: { url: `${bucket.url}/`, ...STRESS },
    });
    assert.equal(status, 201, JSON.stringify(body));
    const id = body.id;
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/runs/${id}/live`);
    const messages: LiveMessage[] = [];
    ws.on('message', (d: Buffer) => messages.push(JSON.parse(d.toString()) as LiveMessage));
    const closed = new Promise<void>((r) => ws.on('close', () => r()));

    // One search at a time: a run and a bench are refused while it goes.
    const busyRun = await api<{ error: string }>(base, '/api/runs', {
      method: 'POST',
      body: { url: `${target.url}/`, rate: 1, duration: '1s' },
    });
    assert.equal(busyRun.status, 409, JSON.stringify(busyRun.body));
    const busyBench = await api<{ error: string }>(base, '/api/bench', {
      method: 'POST',
      body: { url: target.url, endpoints: ['GET /a'], duration: '1s' },
    });
    assert.equal(busyBench.status, 409, JSON.stringify(busyBench.body));

    const run = await waitForEnd(base, id);
    await closed;
    assert.equal(run.status, 'finished', run.error ?? '');
    const api_ = run.summary as StressDoc;
    const s = api_.stress;
    assert.equal(s.maxSustainableRate, 200);
    assert.equal(s.breakdownRate, 300);
    assert.equal(s.ceiling, 'target');
    assert.deepEqual(
      s.probes.map((p) => [p.rate, p.passed]),
      [
        [50, true],
        [100, true],
        [200, true],
        [400, false],
        [300, false],
      ],
    );

    // Live: the hello (possibly with probes already ended) and then each probe as it ended.
    const live = new Map<number, { rate: number; passed: boolean }>();
    let lastSoFar: { maxSustainableRate: number | null; breakdownRate: number | null } | undefined;
    for (const m of messages) {
      if (m.type === 'hello' && m.stress) m.stress.probes.forEach((p, i) => live.set(i, p));
      if (m.type === 'probe') {
        live.set(m.index, m.probe);
        lastSoFar = m.soFar;
      }
    }
    const probeMessages = messages.filter((m) => m.type === 'probe').length;
    assert.ok(probeMessages >= 3, `at least 3 probes arrived as they ended (got ${probeMessages})`);
    assert.deepEqual(
      [...live.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => [p.rate, p.passed]),
      s.probes.map((p) => [p.rate, p.passed]),
    );
    assert.deepEqual(lastSoFar, { maxSustainableRate: 200, breakdownRate: 300 });
    assert.ok(
      messages.some((m) => m.type === 'snapshot'),
      'the probes’ seconds were relayed too',
    );

    // The CLI on the same options: the same document shape and the same search.
    const out = join(dir, 'cli-stress.json');
    const cli = await runCli(
      [
        'stress',
        '--url',
        `${bucket.url}/`,
        '--start-rate',
        '50',
        '--max-rate',
        '800',
        '--probe-duration',
        '1s',
        '--cooldown',
        '200ms',
        '--error-threshold',
        '5%',
        '--resolution',
        '10%',
        '--max-probes',
        '5',
        '--db',
        join(dir, 'cli.db'),
        '--out',
        `json=${out}`,
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(cli.code, 0, cli.stderr);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as StressDoc;
    assert.deepEqual(Object.keys(api_).sort(), Object.keys(doc).sort());
    assert.deepEqual(Object.keys(s).sort(), Object.keys(doc.stress).sort());
    assert.deepEqual(Object.keys(s.probes[0] ?? {}).sort(), Object.keys(doc.stress.probes[0] ?? {}).sort());
    assert.equal(s.probes.length, doc.stress.probes.length);
    assert.equal(s.ceiling, doc.stress.ceiling);
    assert.equal(s.probeDurationMs, doc.stress.probeDurationMs);
    assert.ok(
      Math.abs((s.maxSustainableRate ?? 0) - (doc.stress.maxSustainableRate ?? 0)) <= 0.1 * 200,
      `API ${s.maxSustainableRate}/s, CLI ${doc.stress.maxSustainableRate}/s`,
    );
    assert.equal(run.source, 'api');
    assert.equal(run.name, `stress ${bucket.url}/`);
  });

  it('stops a stress search, keeping the probes that ended', async () => {
    const { body } = await api<{ id: string }>(base, '/api/stress', {
      method: 'POST',
      body: { url: `${target.url}/`, startRate: 20, maxRate: 40, probeDuration: '3s', cooldown: '0s' },
    });
    const t0 = Date.now();
    for (;;) {
      const r = (await api<RunDetail>(base, `/api/runs/${body.id}`)).body;
      if (r.status === 'running') break;
      assert.ok(Date.now() - t0 < 15_000, 'the search started');
      await new Promise((res) => setTimeout(res, 50));
    }
    const stop = await api(base, `/api/runs/${body.id}/stop`, { method: 'POST' });
    assert.equal(stop.status, 202);
    const run = await waitForEnd(base, body.id);
    assert.equal(run.status, 'finished', run.error ?? '');
    assert.equal((run.summary as StressDoc).stress.detail, 'stopped from the API');
    assert.ok((run.durationMs ?? 0) < 5000, `stopped within its first probe (${run.durationMs} ms)`);
  });

  it('runs a stress search of a test file in --scripts, its scenario at each probe’s rate', async () => {
    const before = target.byPath().get('/from-script') ?? 0;
    const { status, body } = await api<{ id: string }>(base, '/api/stress', {
      method: 'POST',
      body: {
        script: 'hit.ts',
        env: { BASE_URL: target.url },
        startRate: 20,
        maxRate: 40,
        probeDuration: '1s',
        cooldown: '0s',
      },
    });
    assert.equal(status, 201, JSON.stringify(body));
    const run = await waitForEnd(base, body.id);
    assert.equal(run.status, 'finished', run.error ?? '');
    assert.equal(run.name, 'stress hit.ts');
    const s = (run.summary as StressDoc).stress;
    assert.deepEqual(
      s.probes.map((p) => [p.rate, p.passed]),
      [
        [20, true],
        [40, true],
      ],
    );
    assert.equal(s.ceiling, 'max-rate');
    const counted = (target.byPath().get('/from-script') ?? 0) - before;
    assert.ok(Math.abs(counted - 60) <= 3, `20 + 40 arrivals reached the target (${counted})`);
  });

  it('stores a bench started from the API, and a second one gives each endpoint a history of two', async () => {
    const body = {
      url: target.url,
      endpoints: ['GET /a', 'POST /b'],
      concurrency: 2,
      duration: '1s',
      warmup: '0s',
    };
    const first = await api<{ id: string }>(base, '/api/bench', { method: 'POST', body });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    const one = await waitForBench(base, first.body.id);
    assert.equal(one.status, 'finished', one.error ?? '');
    assert.deepEqual(
      one.endpoints.map((e) => `${e.method} ${e.path}`),
      ['GET /a', 'POST /b'],
    );
    const list = await api<BenchListItem[]>(base, '/api/benches');
    assert.equal(list.status, 200);
    const item = list.body.find((b) => b.id === first.body.id);
    assert.ok(item, 'the bench is listed');
    assert.deepEqual(item.endpoints, ['GET /a', 'POST /b']);
    assert.equal(item.concurrency, 2);

    const second = await api<{ id: string }>(base, '/api/bench', { method: 'POST', body });
    assert.equal(second.status, 202);
    const two = await waitForBench(base, second.body.id);
    assert.equal(two.status, 'finished', two.error ?? '');
    for (const label of ['GET /a', 'POST /b']) {
      const h = two.history[label] ?? [];
      assert.deepEqual(
        h.map((e) => e.benchId),
        [first.body.id, second.body.id],
        `${label}: oldest first`,
      );
      for (const e of h) assert.ok(e.rps > 0 && e.p99Ms > 0, `${label}: measured`);
    }
    assert.equal(two.bench?.previous?.id, first.body.id);
    const missing = await api(base, '/api/benches/nope');
    assert.equal(missing.status, 404);
  });

  it('answers 400 naming the field for bad bodies', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['/api/stress', {}, /^body: give url \(quick mode\) or script/],
      ['/api/stress', { script: 'none.ts' }, /^script: no file 'none.ts' in the scripts folder/],
      ['/api/stress', { url: 'http://127.0.0.1:1/', scenario: 'x' }, /^scenario: only with script/],
      ['/api/stress', { url: 'ftp://x' }, /^url: /],
      [
        '/api/stress',
        { url: 'http://127.0.0.1:1/', probeDuration: '500ms' },
        /^probeDuration: must be at least 1s/,
      ],
      ['/api/stress', { url: 'http://127.0.0.1:1/', maxProbes: 0 }, /^maxProbes: /],
      ['/api/stress', { url: 'http://127.0.0.1:1/', errorThreshold: '150%' }, /^errorThreshold: /],
      ['/api/stress', { url: 'http://127.0.0.1:1/', startRate: 100, maxRate: 10 }, /^maxRate: /],
      ['/api/stress', { url: 'http://127.0.0.1:1/', rate: 5 }, /^body: unknown field 'rate'/],
      ['/api/bench', { url: 'http://127.0.0.1:1' }, /^body: must have required property 'endpoints'/],
      ['/api/bench', { url: 'http://127.0.0.1:1', endpoints: ['FETCH /x'] }, /^endpoints\.0: /],
      [
        '/api/bench',
        { url: 'http://127.0.0.1:1', endpoints: ['GET /a', 'GET /a'] },
        /^endpoints\.1: .*twice/,
      ],
      ['/api/bench', { url: 'http://127.0.0.1:1', endpoints: ['GET /a'], concurrency: 0 }, /^concurrency: /],
      ['/api/bench', { url: 'http://127.0.0.1:1', endpoints: ['GET /a'], duration: 'soon' }, /^duration: /],
    ];
    for (const [path, body, expected] of cases) {
      const r = await api<{ error: string; details?: string[] }>(base, path, { method: 'POST', body });
      assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error, expected, `${path} ${JSON.stringify(body)}`);
    }
    // Every problem at once, each named once.
    const many = await api<{ error: string; details: string[] }>(base, '/api/stress', {
      method: 'POST',
      body: { url: 'http://127.0.0.1:1/', probeDuration: '500ms', maxProbes: 0, errorThreshold: '150%' },
    });
    assert.equal(many.status, 400);
    assert.deepEqual(many.body.details.map((d) => d.slice(0, d.indexOf(':'))).sort(), [
      'errorThreshold',
      'maxProbes',
      'probeDuration',
    ]);
    const get = await api(base, '/api/stress');
    assert.equal(get.status, 405);
  });
});
