/**
 * `volley compare A B --out json=-` and `GET /api/compare?base=A&new=B` on the same store give the
 * same document: two real runs against real servers, the real CLI and the real `volley serve`.
 * The dashboard's compare view renders the API's document (test/e2e/dashboard.test.ts), so this is
 * what keeps the dashboard and the CI gate from ever disagreeing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Comparison } from '../../src/analysis/compare.js';
import { api } from '../helpers/api-client.js';
import { runCli } from '../helpers/cli.js';
import { storeFastAndSlowRuns } from '../helpers/stored-runs.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-compare-api-'));
const db = join(dir, 'runs.db');

/** The CLI's document for the same pair, with the options given as flags. */
async function cliCompare(base: string, next: string, flags: string[] = []): Promise<Comparison> {
  const r = await runCli(['compare', base, next, '--out', 'json=-', '-q', '--db', db, ...flags]);
  // 0: passed, 98: regressed — both print the document.
  assert.ok(r.code === 0 || r.code === 98, `exit ${r.code}: ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as Comparison;
  assert.equal(r.code === 98, doc.verdict === 'regressed', 'the exit code follows the verdict');
  return doc;
}

/** The two documents agree on everything but where the runs were read from (see src/server/compare-runs.ts). */
function assertSameComparison(fromApi: Comparison, fromCli: Comparison): void {
  assert.deepEqual(fromCli.base, { id: fromApi.base.id, source: `store:${db}` });
  assert.deepEqual(fromCli.new, { id: fromApi.new.id, source: `store:${db}` });
  assert.deepEqual(fromApi.base.source, 'store');
  assert.deepEqual(
    { ...fromApi, base: fromCli.base, new: fromCli.new },
    fromCli,
    'rows, statuses, deltas, regressions, warnings and verdict',
  );
}

describe('GET /api/compare and volley compare agree', () => {
  let serve: ServeProcess;
  let fastId = '';
  let slowId = '';

  before(async () => {
    // Far apart (2 vs 150 ms), so the comparison regresses whatever the load on the box.
    ({ fastId, slowId } = await storeFastAndSlowRuns(dir, db));
    serve = await startServeProcess(['--db', db, '--scripts', dir], { VOLLEY_TOKEN: '', VOLLEY_DB: '' });
  });
  after(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a regression: the same rows, statuses, regressions and verdict', async () => {
    const fromCli = await cliCompare(fastId, slowId);
    const r = await api<Comparison>(serve.url, `/api/compare?base=${fastId}&new=${slowId}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assertSameComparison(r.body, fromCli);
    assert.equal(r.body.verdict, 'regressed');
    const p99 = r.body.metrics.find((m) => m.metric === 'http_req_duration' && m.stat === 'p(99)');
    assert.equal(p99?.status, 'regressed', JSON.stringify(p99));
    assert.ok(p99.new !== null && p99.new >= 150, '150 ms of server delay in NEW');
    assert.ok(r.body.regressions.length >= 2, 'p(95) and p(99) at least');
  });

  it('the other way round, by id prefixes, improves and passes', async () => {
    const fromCli = await cliCompare(slowId, fastId);
    const r = await api<Comparison>(
      serve.url,
      `/api/compare?base=${slowId.slice(0, 8)}&new=${fastId.slice(0, 8)}`,
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assertSameComparison(r.body, fromCli);
    assert.equal(r.body.verdict, 'passed');
    assert.ok(r.body.metrics.some((m) => m.status === 'improved'));
  });

  it("takes volley compare's options under the flags' names, with the same effect", async () => {
    const flags = [
      '--tolerance',
      '5000%',
      '--min-delta-ms',
      '500',
      '--min-requests',
      '10',
      '--metric',
      'http_req_duration:p(99)',
      '--metric',
      'http_reqs:count:higher-is-better',
    ];
    const fromCli = await cliCompare(fastId, slowId, flags);
    const q = new URLSearchParams([
      ['base', fastId],
      ['new', slowId],
      ['tolerance', '5000%'],
      ['min-delta-ms', '500'],
      ['min-requests', '10'],
      ['metric', 'http_req_duration:p(99)'],
      ['metric', 'http_reqs:count:higher-is-better'],
    ]);
    const r = await api<Comparison>(serve.url, `/api/compare?${q}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assertSameComparison(r.body, fromCli);
    // 500 ms floor: 150 ms slower is within it.
    assert.equal(r.body.verdict, 'passed');
    assert.deepEqual(
      r.body.metrics.map((m) => `${m.metric}:${m.stat}`),
      ['http_req_duration:p(99)', 'http_reqs:count'],
    );
    assert.deepEqual(r.body.floors, { minDeltaMs: 500, minDeltaRate: 0.001, minRequests: 10 });
  });

  it('refuses what the CLI refuses, with every problem and the same words', async () => {
    const cli = await runCli([
      'compare',
      fastId,
      slowId,
      '--db',
      db,
      '--tolerance',
      'lots',
      '--min-delta-ms',
      '-1',
    ]);
    assert.equal(cli.code, 2, cli.stderr);
    const r = await api<{ error: string; details: string[] }>(
      serve.url,
      `/api/compare?base=${fastId}&new=${slowId}&tolerance=lots&min-delta-ms=-1`,
    );
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.details, [
      "--tolerance 'lots' must be a percentage (10%) or a fraction (0.1), >= 0",
      "--min-delta-ms must be a number >= 0 (got '-1')",
    ]);
    for (const d of r.body.details) assert.ok(cli.stderr.includes(`error: ${d}`), cli.stderr);

    const unknown = await api<{ error: string }>(
      serve.url,
      `/api/compare?base=${fastId}&new=${slowId}&minDeltaMs=5`,
    );
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error, /unknown parameter 'minDeltaMs'/);

    const metric = await api<{ error: string }>(
      serve.url,
      `/api/compare?base=${fastId}&new=${slowId}&metric=${encodeURIComponent('nope:p(99)')}`,
    );
    assert.equal(metric.status, 400);
    assert.match(metric.body.error, /no metric 'nope' in either run/);
  });
});
