/**
 * k6 habits and run guards through the real CLI against real servers on 127.0.0.1: -u/-i,
 * --summary-trend-stats, --no-thresholds, --http-debug, handleSummary, the no-SLO warning, and the
 * refusal of a second run against a host that already has an active run in the same store.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunStore } from '../../src/store/run-store.js';
import { api } from '../helpers/api-client.js';
import { runCli, waitFor } from '../helpers/cli.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { startServeProcess } from '../helpers/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-k6habits-'));
let n = 0;
const file = (name: string, text?: string): string => {
  const f = join(dir, `${++n}-${name}`);
  if (text !== undefined) writeFileSync(f, text);
  return f;
};

interface Summary {
  verdict: string;
  config: { scenarios: Record<string, { vus?: number; iterations?: number }>; summaryTrendStats?: string[] };
  metrics: Record<string, { values: Record<string, number> }>;
  thresholds: {
    ok: boolean;
    skipped?: boolean;
    results: { ok: boolean; skipped?: boolean; actual: number | null }[];
  };
  generator: { warnings: string[] };
}
const readSummary = (f: string): Summary => JSON.parse(readFileSync(f, 'utf8')) as Summary;

const NO_SLO =
  "warning: no SLOs: this run can't fail (add thresholds, e.g. --threshold 'http_req_failed:rate<0.01')";

describe('k6 habits', () => {
  let srv: CountingServer;
  before(async () => {
    srv = await startCountingServer();
  });
  after(async () => srv.close());

  it('-u N and -i N are --vus and --iterations; -n still works', async () => {
    const out = file('s.json');
    const before = srv.count();
    const r = await runCli([
      'run',
      '--url',
      `${srv.url}/ui`,
      '-u',
      '3',
      '-i',
      '7',
      '--no-store',
      '-q',
      '--out',
      `json=${out}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(srv.count() - before, 7);
    const s = readSummary(out);
    assert.equal(s.config.scenarios.default?.vus, 3);
    assert.equal(s.config.scenarios.default?.iterations, 7);
    const b2 = srv.count();
    const r2 = await runCli(['run', '--url', `${srv.url}/n`, '-n', '4', '--no-store', '-q']);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(srv.count() - b2, 4);
    const both = await runCli(['run', '--url', `${srv.url}/n`, '-n', '4', '-i', '3', '--no-store', '-q']);
    assert.equal(both.code, 2);
  });

  it('--summary-trend-stats picks the terminal columns and adds p(99.9) to the JSON values', async () => {
    const out = file('s.json');
    const r = await runCli([
      'run',
      '--url',
      `${srv.url}/ts`,
      '-i',
      '200',
      '-u',
      '4',
      '--no-store',
      '--out',
      `json=${out}`,
      '--summary-trend-stats',
      'avg,med,p(99.9),count',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.split('\n').find((l) => l.trim().startsWith('http_req_duration')) ?? '';
    assert.match(line, /avg=\S+ med=\S+ p\(99\.9\)=\S+ count=200$/);
    assert.doesNotMatch(line, /p\(90\)=/);
    const v = readSummary(out).metrics.http_req_duration?.values ?? {};
    assert.ok(
      typeof v['p(99.9)'] === 'number' && v['p(99.9)'] >= (v['p(99)'] ?? Infinity),
      JSON.stringify(v),
    );
    assert.ok((v['p(99.9)'] ?? 0) <= (v.max ?? 0));
    assert.deepEqual(readSummary(out).config.summaryTrendStats, ['avg', 'med', 'p(99.9)', 'count']);
    const bad = await runCli([
      'run',
      '--url',
      `${srv.url}/ts`,
      '-i',
      '1',
      '--no-store',
      '--summary-trend-stats',
      'avg,p99',
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /'p99' is not a trend statistic/);
  });

  it('--no-thresholds: a failing threshold is skipped, the exit code is 0, not 99', async () => {
    const args = [
      'run',
      '--url',
      `${srv.url}/nt`,
      '-i',
      '20',
      '--no-store',
      '--threshold',
      'http_req_duration:max<0.000001',
    ];
    const failing = await runCli([...args, '-q']);
    assert.equal(failing.code, 99, failing.stderr);
    const out = file('s.json');
    const r = await runCli([...args, '--no-thresholds', '--out', `json=${out}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /- http_req_duration: max<0\.000001 {2}\(skipped: --no-thresholds\)/);
    const s = readSummary(out);
    assert.equal(s.thresholds.skipped, true);
    assert.equal(s.thresholds.results.length, 1);
    assert.equal(s.thresholds.results[0]?.skipped, true);
    assert.equal(s.verdict, 'passed');
    // Thresholds exist, though skipped: not the no-SLO warning.
    assert.ok(!r.stderr.includes(NO_SLO));
  });

  it('--http-debug prints each request and response head to stderr; =full adds the bodies', async () => {
    const r = await runCli([
      'run',
      '--url',
      `${srv.url}/dbg?a=1`,
      '-i',
      '2',
      '-u',
      '1',
      '--no-store',
      '-q',
      '--http-debug',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr.match(/Request:\nGET \/dbg\?a=1 HTTP\/1\.1\nHost: 127\.0\.0\.1:\d+\n/g)?.length,
      2,
      r.stderr,
    );
    assert.equal(r.stderr.match(/Response:\nHTTP\/1\.1 200 OK\n/g)?.length, 2);
    assert.doesNotMatch(r.stderr, /\nok\n/);
    const full = await runCli([
      'run',
      '--url',
      `${srv.url}/dbg`,
      '-i',
      '1',
      '--no-store',
      '-q',
      '--http-debug=full',
    ]);
    assert.equal(full.code, 0, full.stderr);
    assert.match(full.stderr, /Response:\nHTTP\/1\.1 200 OK\n(?:[^\n]+\n)+\nok\n/);
    const bad = await runCli(['run', '--url', `${srv.url}/dbg`, '-i', '1', '--no-store', '--http-debug=all']);
    assert.equal(bad.code, 2);
  });

  it('handleSummary writes its files and prints stdout instead of the terminal summary', async () => {
    const target = file('hs.txt');
    const script = file(
      'hs.ts',
      `import { defineTest } from 'volley';
export default defineTest({
  baseUrl: '${srv.url}',
  scenarios: { main: { executor: 'shared-iterations', vus: 2, iterations: 9, exec: async (ctx) => { await ctx.http.get('/hs'); } } },
});
export function handleSummary(data) {
  return { ${JSON.stringify(target)}: String(data.metrics.http_reqs.values.count), stdout: 'custom summary: ' + data.verdict + '\\n' };
}
`,
    );
    const r = await runCli(['run', script, '--no-store']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(target, 'utf8'), '9');
    assert.match(r.stdout, /custom summary: passed\n/);
    assert.doesNotMatch(r.stdout, /volley summary/);
  });

  it('--http-debug before a test file takes no value: the file is still the test', async () => {
    const script = file(
      'dbg.ts',
      `import { defineTest } from 'volley';
export default defineTest({
  baseUrl: '${srv.url}',
  scenarios: { main: { executor: 'shared-iterations', vus: 1, iterations: 1, exec: async (ctx) => { await ctx.http.post('/dbg-script', { json: { a: 1 } }); } } },
});
`,
    );
    const r = await runCli(['run', '--http-debug', script, '--no-store', '-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Request:\nPOST \/dbg-script HTTP\/1\.1\n/);
  });

  it('a handleSummary that throws is reported and the normal summary still prints', async () => {
    const script = file(
      'hs-throws.ts',
      `import { defineTest } from 'volley';
export default defineTest({
  baseUrl: '${srv.url}',
  scenarios: { main: { executor: 'shared-iterations', vus: 1, iterations: 2, exec: async (ctx) => { await ctx.http.get('/hs'); } } },
  handleSummary: () => { throw new Error('boom in handleSummary'); },
});
`,
    );
    const r = await runCli(['run', script, '--no-store']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /error: handleSummary: boom in handleSummary; the normal summary follows/);
    assert.match(r.stdout, /volley summary/);
  });

  it('a test without thresholds warns at start and in the summary; one with thresholds does not', async () => {
    const out = file('s.json');
    const r = await runCli([
      'run',
      '--url',
      `${srv.url}/slo`,
      '-i',
      '2',
      '--no-store',
      '--out',
      `json=${out}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.startsWith(NO_SLO), r.stderr.slice(0, 300));
    assert.ok(readSummary(out).generator.warnings.some((w) => w.startsWith('no SLOs')));
    const out2 = file('s.json');
    const r2 = await runCli([
      'run',
      '--url',
      `${srv.url}/slo`,
      '-i',
      '2',
      '--no-store',
      '--out',
      `json=${out2}`,
      '--threshold',
      'http_req_failed:rate<0.01',
    ]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.ok(!r2.stderr.includes('no SLOs'));
    assert.ok(!readSummary(out2).generator.warnings.some((w) => w.startsWith('no SLOs')));
  });
});

describe('one active run per host in a store', () => {
  let srv: CountingServer;
  let other: CountingServer;
  const db = join(dir, 'guard.db');
  const env = { VOLLEY_DB: db };
  before(async () => {
    srv = await startCountingServer();
    other = await startCountingServer();
  });
  after(async () => {
    await srv.close();
    await other.close();
  });

  it('a second run against the same host is refused (exit 2) while the first runs; --allow-concurrent runs it', async () => {
    let first: ChildProcess | undefined;
    const firstDone = runCli(['run', '--url', `${srv.url}/long`, '--rate', '20', '-d', '30s', '-q'], {
      env,
      onSpawn: (c) => (first = c),
    });
    try {
      await waitFor(() => {
        const store = RunStore.open(db);
        try {
          return store.active().some((r) => r.status === 'running');
        } finally {
          store.close();
        }
      }, 'the first run to be recorded as running');
      const store = RunStore.open(db);
      const active = store.active()[0];
      store.close();
      assert.ok(active);
      const second = await runCli(['run', '--url', `${srv.url}/other-path`, '-i', '3', '-q'], { env });
      assert.equal(second.code, 2, second.stderr);
      assert.ok(second.stderr.includes(`run ${active.id}`), second.stderr);
      assert.match(second.stderr, new RegExp(`against 127\\.0\\.0\\.1:${srv.port}`));
      assert.match(second.stderr, /--allow-concurrent/);
      // Another host of the same store is not blocked.
      const elsewhere = await runCli(['run', '--url', `${other.url}/x`, '-i', '3', '-q'], { env });
      assert.equal(elsewhere.code, 0, elsewhere.stderr);
      const allowed = await runCli(
        ['run', '--url', `${srv.url}/allowed`, '-i', '3', '-q', '--allow-concurrent'],
        { env },
      );
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.equal(srv.byPath().get('/allowed'), 3);
      assert.equal(srv.byPath().get('/other-path'), undefined);
    } finally {
      first?.kill('SIGINT');
      await firstDone;
    }
  });

  it('an API run records its target: a terminal run against that host is refused while it runs', async () => {
    const serve = await startServeProcess(['--db', db], { VOLLEY_TOKEN: '', VOLLEY_DB: '' });
    try {
      const r = await api<{ id: string }>(serve.url, '/api/runs', {
        method: 'POST',
        body: { url: `${srv.url}/api-run`, rate: 20, duration: '30s' },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const id = r.body.id;
      await waitFor(() => {
        const store = RunStore.open(db);
        try {
          return store.get(id)?.status === 'running';
        } finally {
          store.close();
        }
      }, 'the API run to be running');
      const cli = await runCli(['run', '--url', `${srv.url}/cli`, '-i', '2', '-q'], { env });
      assert.equal(cli.code, 2, cli.stderr);
      assert.ok(cli.stderr.includes(`run ${id} (api: `), cli.stderr);
      // The server's own rule is stricter: any second API run in its store is a 409 while one is active.
      const second = await api<{ error: string }>(serve.url, '/api/runs', {
        method: 'POST',
        body: { url: `${other.url}/x`, vus: 1, duration: '1s' },
      });
      assert.equal(second.status, 409);
      assert.equal((await api(serve.url, `/api/runs/${id}/stop`, { method: 'POST' })).status, 202);
      await waitFor(() => {
        const store = RunStore.open(db);
        try {
          return store.active().length === 0;
        } finally {
          store.close();
        }
      }, 'the API run to end');
    } finally {
      await serve.stop();
    }
  });

  it("a crashed run's stale 'running' row (its pid dead) does not block", async () => {
    // A pid that surely is dead: a process that already exited.
    const dead = spawn(process.execPath, ['-e', '0']);
    const pid = dead.pid as number;
    await new Promise((r) => dead.on('exit', r));
    const store = RunStore.open(db);
    store.markRunning({
      id: 'stale-run-0000',
      source: 'cli',
      name: 'crashed',
      startedAt: new Date(),
      executors: ['constant-vus'],
      controllable: [],
      config: {},
      process: { pid, start: null, host: hostname() },
      target: `127.0.0.1:${srv.port}`,
    });
    store.close();
    const r = await runCli(['run', '--url', `${srv.url}/after-crash`, '-i', '2', '-q'], { env });
    assert.equal(r.code, 0, r.stderr);
    const s2 = RunStore.open(db);
    assert.equal(s2.get('stale-run-0000')?.status, 'interrupted');
    s2.close();
  });
});
