/** The real CLI end to end: exit codes, messages, outputs, signals — against real servers. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { runCli, signalWhen } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-cli-'));

function assertCleanError(stderr: string, pattern: RegExp): void {
  assert.match(stderr, pattern);
  assert.doesNotMatch(stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

describe('volley run (quick mode)', () => {
  let ok: CountingServer;
  let failing: CountingServer;
  before(async () => {
    ok = await startCountingServer();
    failing = await startCountingServer({ status: 500 });
  });
  after(async () => {
    await ok.close();
    await failing.close();
  });

  it('open loop: JSON summary in k6 shape, counts equal to the server, exit 0 when thresholds pass', async () => {
    const out = join(dir, 'pass.json');
    const nd = join(dir, 'pass.ndjson');
    const before = ok.count();
    const r = await runCli([
      'run',
      '--url',
      `${ok.url}/api/teams`,
      '--rate',
      '100',
      '--duration',
      '2s',
      '--threshold',
      'http_req_duration:p(99)<1000',
      '--threshold',
      'http_req_failed:rate<0.01',
      '--out',
      `json=${out}`,
      '--out',
      `ndjson=${nd}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(s.schema, 'volley.summary/1');
    assert.equal(s.metrics.http_reqs.type, 'counter');
    assert.equal(s.metrics.http_reqs.values.count, 200);
    assert.equal(ok.count() - before, 200);
    for (const k of ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'])
      assert.equal(typeof s.metrics.http_req_duration.values[k], 'number', k);
    assert.equal(s.metrics.http_req_duration.thresholds['p(99)<1000'].ok, true);
    assert.equal(s.metrics.http_req_failed.values.rate, 0);
    assert.equal(s.verdict, 'passed');
    assert.ok(s.metrics.iteration_latency.values.count === 200);
    assert.equal(typeof s.generator.saturated, 'boolean');
    assert.equal(s.endpoints[0].name, 'GET /api/teams');
    const lines = readFileSync(nd, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(lines.length >= 3);
    assert.equal(lines[0].schema, 'volley.snapshot/1');
    assert.equal(lines.at(-1).type, 'summary');
    const perSecond = lines
      .filter((l) => l.schema === 'volley.snapshot/1')
      .reduce((a, l) => a + l.requests, 0);
    assert.equal(perSecond, 200, 'per-second snapshots add up to the total');
    assert.match(r.stdout, /Thresholds/);
    assert.match(r.stdout, /✓ http_req_duration: p\(99\)<1000/);
    assert.match(r.stdout, /GET \/api\/teams/);
  });

  it('failed threshold: exit 99, ✗ in the summary, error classes counted', async () => {
    const r = await runCli([
      'run',
      '--url',
      `${failing.url}/x`,
      '--vus',
      '2',
      '--iterations',
      '20',
      '--threshold',
      'http_req_failed:rate<0.01',
    ]);
    assert.equal(r.code, 99, r.stderr);
    assert.match(r.stdout, /✗ http_req_failed: rate<0.01/);
    assert.match(r.stdout, /FAILED/);
  });

  it('abortOnFail stops the run early with exit 99', async () => {
    const out = join(dir, 'abort.json');
    const r = await runCli([
      'run',
      '--url',
      `${failing.url}/x`,
      '--rate',
      '50',
      '--duration',
      '20s',
      '--threshold',
      'http_req_failed:rate<0.01:abortOnFail',
      '--out',
      `json=${out}`,
    ]);
    assert.equal(r.code, 99, r.stderr);
    assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
    const s = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(s.state.aborted, true);
    assert.equal(s.state.abortReason, 'threshold');
    assert.ok(s.metrics.http_reqs.values.count < 500);
  });

  it('--out json=- pipes clean JSON to stdout', async () => {
    const r = await runCli([
      'run',
      '--url',
      `${ok.url}/`,
      '--vus',
      '1',
      '--iterations',
      '5',
      '--out',
      'json=-',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.metrics.http_reqs.values.count, 5);
  });

  it('SIGINT mid-run: summary printed, JSON written, exit 130', async () => {
    const out = join(dir, 'sigint.json');
    const before = ok.count();
    let signalled: Promise<void> = Promise.resolve();
    // Signalled once the run has sent 50 requests (1 s at 50/s), however long it took to start.
    const r = await runCli(
      ['run', '--url', `${ok.url}/`, '--rate', '50', '--duration', '30s', '--out', `json=${out}`],
      {
        onSpawn: (c) => (signalled = signalWhen(c, () => ok.count() - before >= 50, '50 requests')),
      },
    );
    await signalled;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stdout, /ABORTED/);
    const s = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(s.state.abortReason, 'signal');
    assert.equal(s.verdict, 'aborted');
    const n = s.metrics.http_reqs.values.count;
    assert.ok(n > 20 && n < 500, `count ${n}`);
    assert.equal(
      n,
      ok.count() - before,
      'nothing measured is lost: every request the server saw is reported',
    );
  });
});

describe('bad input: one specific message, documented exit code, no stack trace', () => {
  const cases: [string, string[], number, RegExp][] = [
    ['invalid URL', ['run', '--url', 'not a url'], 2, /--url 'not a url' is not a valid URL/],
    [
      'unreachable port',
      ['run', '--url', 'http://127.0.0.1:1/'],
      3,
      /cannot reach 127\.0\.0\.1:1: connection refused/,
    ],
    [
      'unknown executor',
      ['run', '--url', 'http://127.0.0.1:1/', '--executor', 'warp-speed'],
      2,
      /warp-speed.*(invalid|Allowed choices)/s,
    ],
    [
      'negative rate',
      ['run', '--url', 'http://127.0.0.1:1/', '--rate', '-5'],
      2,
      /--rate must be a number > 0 \(got '-5'\)/,
    ],
    [
      'malformed duration',
      ['run', '--url', 'http://127.0.0.1:1/', '--duration', '10parsecs'],
      2,
      /--duration: malformed duration '10parsecs'/,
    ],
    [
      'unknown metric in a threshold',
      ['run', '--url', 'http://127.0.0.1:1/', '--threshold', 'http_req_durations:p(99)<100'],
      2,
      /unknown metric 'http_req_durations'/,
    ],
    [
      'unreadable body file',
      ['run', '--url', 'http://127.0.0.1:1/', '--body', '@/nonexistent/body.json'],
      2,
      /--body @\/nonexistent\/body\.json: cannot read the file \(no such file\)/,
    ],
  ];
  for (const [name, args, code, pattern] of cases) {
    it(name, async () => {
      const r = await runCli(args);
      assert.equal(r.code, code, `${r.stderr}`);
      assertCleanError(r.stderr, pattern);
      assert.equal(r.stdout, '');
    });
  }

  it('several problems are all reported at once', async () => {
    const r = await runCli([
      'run',
      '--url',
      'http://127.0.0.1:1/',
      '--rate',
      '0',
      '--duration',
      'x',
      '--timeout',
      'y',
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--rate/);
    assert.match(r.stderr, /--duration/);
    assert.match(r.stderr, /--timeout/);
  });
});

describe('volley target and volley demo', () => {
  it('volley target serves the demo API until SIGTERM', async () => {
    let url = '';
    let body = '';
    const r = await runCli(['target', '--port', '0', '--latency', '1-2ms'], {
      onSpawn: (c) => {
        c.stdout?.on('data', (d: Buffer) => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(d.toString());
          if (!m || url) return;
          url = m[1] as string;
          void fetch(`${url}/api/teams`)
            .then((res) => res.text())
            .then((t) => {
              body = t;
              c.kill('SIGTERM');
            });
        });
      },
      timeoutMs: 20_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(Array.isArray(JSON.parse(body).items ?? JSON.parse(body)), body.slice(0, 200));
  });

  it('volley target rejects bad knobs with exit 2', async () => {
    const r = await runCli(['target', '--port', '0', '--error-rate', '2', '--latency', 'fast']);
    assert.equal(r.code, 2);
    assertCleanError(r.stderr, /error-rate/);
    assert.match(r.stderr, /latency/);
  });

  it('volley demo serves the dashboard, runs a sample test through it, prints and stores the summary', async () => {
    const db = join(dir, 'demo.db');
    const r = await runCli(['demo', '--duration', '2s', '--rate', '50', '--port', '0', '--db', db], {
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /demo target/);
    const url = /^dashboard: (http:\/\/127\.0\.0\.1:\d+\/#\/runs\/([0-9a-f-]{36}))$/m.exec(r.stdout);
    assert.ok(url, r.stdout);
    assert.match(r.stderr, /\[ +1s\] +50 req\/s/);
    assert.match(r.stdout, /volley summary/);
    assert.match(r.stdout, /GET \/api\/teams/);
    assert.match(r.stdout, /http_reqs +100 /);
    const runs = JSON.parse((await runCli(['runs', '--json', '--db', db])).stdout) as {
      id: string;
      source: string;
      requests: number;
    }[];
    assert.deepEqual(
      runs.map((x) => [x.id, x.source, x.requests]),
      [[url[2], 'demo', 100]],
    );
  });
});
