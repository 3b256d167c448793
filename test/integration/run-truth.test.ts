/**
 * A run that did not do what it planned never passes (issues 11.2, 12.4, 12.5): a worker that
 * dies or hangs, a script that calls process.exit, an iteration that never settles, a planned
 * arrival that never started. Also what a hanging target looks like live (11.9), SIGHUP and the
 * stored start instant (12.9). Real CLI processes against real servers on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { runTest } from '../helpers/run-test.js';
import { buildSummary, type Summary } from '../../src/summary/summary.js';
import { testConfig } from '../helpers/run-test.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-truth-'));
let n = 0;

function script(body: string): string {
  const file = join(dir, `s${++n}.ts`);
  writeFileSync(file, `import { defineTest } from 'volley';\nlet n = 0;\n${body}\n`);
  return file;
}

async function run(args: string[], opts: Parameters<typeof runCli>[1] = {}) {
  const out = join(dir, `out${++n}.json`);
  const r = await runCli(['run', ...args, '--out', `json=${out}`], opts);
  let summary: Summary | undefined;
  try {
    summary = JSON.parse(readFileSync(out, 'utf8')) as Summary;
  } catch {
    summary = undefined;
  }
  return { ...r, summary };
}

describe('a run that did not do what it planned never passes', () => {
  let srv: CountingServer;
  before(async () => {
    srv = await startCountingServer();
  });
  after(async () => srv.close());

  it('a worker that dies mid-run: error verdict naming the worker, its segment and the second; exit 97', async () => {
    // Worker 0 owns the odd VU ids: its 30th iteration throws outside any iteration (uncaught), which kills the thread.
    const f = script(`export default defineTest({ scenarios: { s: {
      executor: 'constant-arrival-rate', rate: 50, duration: '4s', preAllocatedVUs: 5,
      exec: async (ctx) => {
        if (++n === 30 && ctx.vu % 2 === 1) setTimeout(() => { throw new Error('boom'); });
        await ctx.http.get('${srv.url}/');
      } } } });`);
    const r = await run([f, '--workers', '2']);
    assert.equal(r.code, 97, r.stderr + r.stdout);
    const s = r.summary as Summary;
    assert.equal(s.verdict, 'error');
    assert.match(
      s.runErrors[0] ?? '',
      /^worker 0 \(segment 0-1\/2, 50% of the load\) crashed at second \d+ \(Error: boom\): what it measured after second \d+ is lost/,
    );
    const row = s.execution[0];
    assert.ok(row && row.planned === 200 && row.started < 150, JSON.stringify(row));
    assert.ok(
      s.runErrors.some((e) => /scenario 's': 200 iterations planned, \d+ started and 0 dropped/.test(e)),
      s.runErrors.join('\n'),
    );
    assert.ok(s.generator.warnings.some((w) => w.startsWith('run error: worker 0')));
    assert.match(r.stdout, /ERROR/);
    assert.match(r.stdout, /✗ RUN ERROR: the run did not do what it planned/);
    assert.doesNotMatch(r.stdout, /PASSED/);
  });

  it('process.exit in an iteration is refused: the worker lives, all planned load runs, verdict error', async () => {
    const f = script(`export default defineTest({ scenarios: { s: {
      executor: 'constant-arrival-rate', rate: 50, duration: '3s', preAllocatedVUs: 5,
      exec: async (ctx) => {
        if (++n === 40) process.exit(7);
        await ctx.http.get('${srv.url}/');
      } } } });`);
    const r = await run([f, '--workers', '2']);
    assert.equal(r.code, 97, r.stderr + r.stdout);
    const s = r.summary as Summary;
    assert.equal(s.verdict, 'error');
    // Before, each worker died at its 40th iteration: 150 planned, about 80 ran, exit 0.
    assert.deepEqual(
      s.execution.map((e) => [e.planned, e.started, e.completed]),
      [[150, 150, 150]],
    );
    assert.ok(
      s.runErrors.some((e) => e.includes('process.exit(7)')),
      s.runErrors.join('\n'),
    );
    assert.equal(s.metrics.iteration_errors?.values.count, 2, 'one refused exit per worker');
    assert.match(s.scriptErrors[0]?.message ?? '', /process\.exit\(7\) is not allowed in a test script/);
  });

  it('a top-level process.exit(9) says what happened instead of exiting 9 in silence', async () => {
    const f = script(`process.exit(9);
      export default defineTest({ scenarios: { s: { executor: 'constant-vus', vus: 1, duration: '1s',
        exec: async () => {} } } });`);
    const r = await runCli(['run', f]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error: .*s\d+\.ts: process\.exit\(9\) is not allowed in a test script/);
    assert.match(r.stderr, /hint: throw an Error/);
  });

  it('an iteration that never settles is interrupted at the end of gracefulStop and the run ends on time', async () => {
    const f = script(`export default defineTest({ scenarios: { s: {
      executor: 'constant-vus', vus: 2, duration: '3s', gracefulStop: '1s',
      exec: async (ctx) => {
        const me = ++n;
        await ctx.http.get('${srv.url}/');
        if (me === 10) await new Promise(() => {});
        await ctx.sleep(0.05);
      } } } });`);
    const r = await run([f, '--workers', '1']);
    const s = r.summary as Summary;
    assert.ok(s, r.stderr);
    // Before: the worker was terminated 10 s after the hard stop, interrupted_iterations 0.
    assert.ok(s.state.testRunDurationMs <= 3000 + 1000 + 1000, `ran ${s.state.testRunDurationMs} ms`);
    assert.equal(s.metrics.interrupted_iterations?.values.count, 1);
    assert.equal(s.verdict, 'passed', s.runErrors.join('\n'));
    assert.equal(r.code, 0);
    const row = s.execution[0];
    assert.ok(row && row.started === row.completed + row.interrupted, JSON.stringify(row));
  });

  it('a busy loop: the worker is terminated, the loss is an error, the progress line says so meanwhile', async () => {
    const f = script(`export default defineTest({ scenarios: { s: {
      executor: 'constant-vus', vus: 2, duration: '3s', gracefulStop: '1s',
      exec: async (ctx) => {
        const me = ++n;
        await ctx.http.get('${srv.url}/');
        if (me === 10) for (;;) { /* never yields */ }
        await ctx.sleep(0.05);
      } } } });`);
    const r = await run([f, '--workers', '1']);
    assert.equal(r.code, 97, r.stderr + r.stdout);
    const s = r.summary as Summary;
    assert.equal(s.verdict, 'error');
    assert.match(
      s.runErrors[0] ?? '',
      /^worker 0 \(segment 0-1, 100% of the load\) was terminated at second \d+/,
    );
    // The live view went on while the worker was stuck, and named it.
    assert.match(r.stderr, /^\[ +\d+s\] .*worker 0 not responding for \d+s/m);
  });
});

describe('what a hanging target looks like live', () => {
  let server: Server;
  let url = '';
  let received = 0;
  before(async () => {
    server = createServer(() => void received++); // never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('snapshots and the progress line carry the requests in flight and the age of the oldest', async () => {
    const nd = join(dir, 'inflight.ndjson');
    const r = await runCli([
      'run',
      '--url',
      url,
      '--rate',
      '5',
      '-d',
      '4s',
      '--graceful-stop',
      '0s',
      '--timeout',
      '30s',
      '--out',
      `ndjson=${nd}`,
    ]);
    assert.notEqual(r.code, null, r.stderr);
    const snaps = readFileSync(nd, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type?: string; inflight?: { requests: number; oldestAgeMs: number } })
      .filter((x) => x.inflight !== undefined);
    assert.ok(snaps.length >= 3, `${snaps.length} snapshots`);
    const last = snaps[snaps.length - 2]?.inflight; // the final second may close after the hard stop
    assert.ok(last && last.requests >= 10 && last.requests <= received, JSON.stringify(last));
    assert.ok(last.oldestAgeMs >= 2000, `oldest ${last.oldestAgeMs} ms`);
    const ages = snaps.map((x) => x.inflight?.oldestAgeMs ?? 0);
    assert.ok(ages[2] !== undefined && ages[0] !== undefined && ages[2] > ages[0], ages.join(','));
    assert.match(r.stderr, /\]\s+0 req\/s\s.*in flight \d+/);
  });
});

describe('SIGHUP and the stored start instant', () => {
  let srv: CountingServer;
  before(async () => {
    srv = await startCountingServer();
  });
  after(async () => srv.close());

  it('SIGHUP stops the run like SIGTERM: summary written, store finished; startedAt is when traffic started', async () => {
    const db = join(dir, 'hup.db');
    const before = srv.count();
    const r = await run(['--url', `${srv.url}/`, '--rate', '20', '-d', '30s'], {
      env: { VOLLEY_DB: db },
      onSpawn: (c) => {
        const wait = setInterval(() => {
          if (srv.count() > before + 10) {
            clearInterval(wait);
            c.kill('SIGHUP');
          }
        }, 20);
      },
    });
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /SIGHUP: stopping/);
    const s = r.summary as Summary;
    assert.equal(s.verdict, 'aborted');
    assert.equal(s.metrics.http_reqs?.values.count, srv.count() - before);
    const stored = await runCli(['runs', 'show', s.runId.slice(0, 8), '--json'], { env: { VOLLEY_DB: db } });
    const doc = JSON.parse(stored.stdout) as { status: string; startedAt: string };
    assert.equal(doc.status, 'finished');
    // The first request arrives right after the agreed start; before, startedAt was ~1 s earlier.
    const firstWall = performance.timeOrigin + (srv.arrivals()[before] as number);
    for (const startedAt of [s.startedAt, doc.startedAt]) {
      const lead = firstWall - Date.parse(startedAt);
      assert.ok(lead > -100 && lead < 300, `first request ${lead} ms after startedAt ${startedAt}`);
    }
  });
});

describe('planned arrivals that never started are a run error', () => {
  let srv: CountingServer;
  before(async () => {
    srv = await startCountingServer();
  });
  after(async () => srv.close());

  it('started is exact (= planned) in a healthy open-loop run, and a shortfall makes the verdict error', async () => {
    const o = {
      url: `${srv.url}/`,
      workers: 2,
      scenarios: {
        s: { executor: 'constant-arrival-rate', rate: 40, duration: '1s', preAllocatedVUs: 4 },
      },
    };
    const { result } = await runTest(o);
    const config = testConfig(o);
    const ok = buildSummary(result, config);
    assert.deepEqual(ok.execution, [
      { scenario: 's', planned: 40, started: 40, completed: 40, dropped: 0, interrupted: 0 },
    ]);
    assert.equal(srv.count(), 40);
    assert.equal(ok.verdict, 'passed');
    // The class of bug a broken schedule causes: arrivals that neither started nor were dropped.
    const bad = buildSummary({ ...result, started: { s: 33 } }, config);
    assert.equal(bad.verdict, 'error');
    assert.deepEqual(bad.runErrors, [
      "scenario 's': 40 iterations planned, 33 started and 0 dropped: 7 planned arrivals never started",
    ]);
  });
});
