/** The run store on a real SQLite file: migrations, recording a real run, recomputed percentiles, prune. */
import { localTestRun } from '../../src/generators/local-run.js';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { prepareTest } from '../../src/loader/prepare.js';
import { quickConfig } from '../../src/loader/quick.js';
import { buildSummary } from '../../src/summary/summary.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { processAlive, processRef, type ProcessRef } from '../../src/store/pid-alive.js';
import { RunRecorder } from '../../src/store/recorder.js';
import { RunStore } from '../../src/store/run-store.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-store-'));

describe('run store', () => {
  let target: CountingServer;
  before(async () => {
    target = await startCountingServer({ delayMs: 2 });
  });
  after(() => target.close());

  it('creates the file and its folder, at the newest schema version, in WAL mode', () => {
    const path = join(dir, 'nested', 'deeper', 'runs.db');
    const store = RunStore.open(path);
    store.close();
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
    // Opening again migrates nothing and keeps working.
    RunStore.open(path).close();
  });

  it('refuses a store written by a newer volley, and a file that is not SQLite', () => {
    const newer = join(dir, 'newer.db');
    const db = new Database(newer);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(() => RunStore.open(newer), /schema version \d+, newer than this volley knows/);
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'this is not a database, just text long enough to have a header '.repeat(20));
    assert.throws(() => RunStore.open(junk), /is not a usable run store/);
  });

  it('records a real run: seconds, endpoints, metrics, histograms and thresholds match the run', async () => {
    const store = RunStore.open(join(dir, 'record.db'));
    const config = quickConfig({
      url: `${target.url}/rec`,
      rate: '200',
      duration: '2s',
      threshold: ['http_req_duration:p(99)<1000', 'http_reqs:count>100000'],
      workers: '2',
    });
    const id = 'aaaaaaaa-1111-2222-3333-444444444444';
    const recorder = new RunRecorder(store, {
      id,
      source: 'cli',
      name: 'rec',
      config,
      process: processRef(process.pid),
      warn: (m) => assert.fail(m),
    });
    const run = localTestRun(prepareTest(config), [recorder], id);
    const result = await run.run();
    const summary = buildSummary(result, config);
    recorder.finish(summary, 99);

    const stored = store.get(id);
    assert.ok(stored);
    assert.equal(stored.status, 'finished');
    assert.equal(stored.verdict, 'failed');
    assert.equal(stored.exitCode, 99);
    assert.equal(stored.requests, target.count());
    assert.equal(stored.requests, 400);
    assert.deepEqual(stored.summary, JSON.parse(JSON.stringify(summary)));

    const points = store.series(id);
    assert.equal(
      points.reduce((n, p) => n + p.requests, 0),
      400,
    );
    const reqs = store.metricSeries(id, 'http_reqs');
    assert.equal(
      reqs.reduce((n, p) => n + (p.values.count ?? 0), 0),
      400,
    );
    assert.ok(store.metricNames(id).includes('http_req_duration'));
    const ep = store.endpointSeries(id);
    assert.ok(
      ep.length >= 2 && ep.every((e) => e.method === 'GET' && e.name.endsWith('/rec')),
      JSON.stringify(ep[0]),
    );
    assert.equal(
      ep.reduce((n, e) => n + e.requests, 0),
      400,
    );

    // Any percentile, later, from the stored histogram — equal to the summary's own.
    const p = store.percentiles(id, 'http_req_duration', [50, 99, 99.99]);
    assert.ok(p);
    assert.equal(p.count, 400);
    assert.equal(p['p(99)'], summary.metrics.http_req_duration?.values['p(99)']);
    assert.ok((p['p(99.99)'] ?? 0) >= (p['p(99)'] ?? 0));
    const perEndpoint = store.percentiles(id, 'http_req_duration', [50], {
      method: 'GET',
      name: ep[0]?.name ?? '',
    });
    assert.equal(perEndpoint?.count, 400);
    assert.equal(store.percentiles(id, 'no_such_metric', [50]), undefined);

    // The live state a server follows a run of another process by: full snapshots, thresholds.
    const live = store.liveSnapshots(id);
    assert.deepEqual(
      live.map((x) => x.second),
      points.map((x) => x.second),
    );
    assert.equal(live.at(-1)?.cumulative.requests, 400);
    assert.equal(live.at(-1)?.cumulative.endpoints[0]?.requests, 400);
    assert.ok((live.at(-1)?.generator.workers.length ?? 0) >= 1);
    assert.deepEqual(store.liveSnapshots(id, points.at(-1)?.second), []);
    assert.equal(store.latestSnapshot(id)?.second, points.at(-1)?.second);
    const th = store.liveThresholds(id);
    assert.deepEqual(
      th.map((t) => [t.key, t.source, t.ok]),
      [
        ['http_req_duration', 'p(99)<1000', true],
        ['http_reqs', 'count>100000', false],
      ],
    );
    // Live state of ended runs goes when the next run starts recording.
    store.markRunning({
      id: 'next',
      source: 'cli',
      name: 'next',
      startedAt: new Date(),
      executors: [],
      controllable: [],
      config: {},
      process: processRef(process.pid),
    });
    assert.deepEqual(store.liveSnapshots(id), []);
    store.close();
  });

  it('marks runs whose process is gone as interrupted, and prunes only ended runs older than asked', () => {
    const store = RunStore.open(join(dir, 'lifecycle.db'));
    const old = new Date(Date.now() - 40 * 86_400_000);
    store.createRun({ id: 'old-finished', source: 'api', name: 'a', createdAt: old });
    store.failRun('old-finished', 'boom', 2);
    store.createRun({ id: 'old-running', source: 'api', name: 'b', createdAt: old });
    store.setRunner('old-running', { pid: 4242, start: null, host: null });
    store.createRun({ id: 'new-error', source: 'api', name: 'c' });
    store.failRun('new-error', 'boom', 3);

    assert.deepEqual(
      store.reconcile(() => true),
      [],
    );
    assert.equal(store.get('old-running')?.status, 'starting');
    assert.deepEqual(
      store.reconcile((p) => p.pid !== 4242),
      ['old-running'],
    );
    assert.equal(store.get('old-running')?.status, 'interrupted');
    assert.match(store.get('old-running')?.error ?? '', /stopped before it ended/);

    assert.equal(store.prune(new Date(Date.now() - 30 * 86_400_000)), 2);
    assert.deepEqual(
      store.list().map((r) => r.id),
      ['new-error'],
    );
    assert.equal(store.get('new-error')?.exitCode, 3);
    store.close();
  });

  it('a run is alive while its creator or its runner is: never inferred from a missing pid', () => {
    const store = RunStore.open(join(dir, 'owners.db'));
    const server: ProcessRef = { pid: 1001, start: '5', host: null };
    const alive = new Set([1001]);
    const isAlive = (p: ProcessRef): boolean => alive.has(p.pid);
    // Created by a live server, no runner yet (the gap before its fork): stays starting.
    assert.equal(store.claimRun({ id: 'r1', source: 'api', name: 'a', owner: server }, isAlive), undefined);
    assert.deepEqual(store.reconcile(isAlive), []);
    // A second claim is refused while r1 is alive, whoever asks.
    assert.equal(store.claimRun({ id: 'r2', source: 'api', name: 'b', owner: server }, isAlive)?.id, 'r1');
    assert.equal(store.get('r2'), undefined);
    // The server dies; its job (the runner) still sends: still active.
    store.setRunner('r1', { pid: 2002, start: '9', host: null });
    alive.delete(1001);
    alive.add(2002);
    assert.deepEqual(store.reconcile(isAlive), []);
    // Both gone: interrupted, and the next claim succeeds.
    alive.delete(2002);
    assert.equal(
      store.claimRun({ id: 'r3', source: 'api', name: 'c', owner: server }, () => false),
      undefined,
    );
    assert.equal(store.get('r1')?.status, 'interrupted');
    assert.equal(store.get('r3')?.status, 'starting');
    // A row without any process (an older volley's gap) is left alone for a minute.
    store.failRun('r3', 'x', 1);
    store.createRun({ id: 'r4', source: 'api', name: 'd' });
    assert.deepEqual(
      store.reconcile(() => false),
      [],
    );
    assert.deepEqual(
      store.reconcile(() => false, Date.now() + 61_000),
      ['r4'],
    );
    store.close();
  });

  it('tells a recycled pid from the recorded process by its start time', () => {
    const me = processRef(process.pid);
    assert.equal(processAlive(me), true);
    if (me.start !== null)
      assert.equal(processAlive({ ...me, start: `${me.start}1` }), false, 'same pid, other start');
    assert.equal(
      processAlive({ ...me, host: 'another-host.invalid' }),
      true,
      'another host cannot be checked',
    );
    assert.equal(processAlive({ pid: 2 ** 22 + 7, start: null, host: null }), false);
  });

  it('resolves unique id prefixes and refuses ambiguous ones', () => {
    const store = RunStore.open(join(dir, 'prefix.db'));
    store.createRun({ id: 'abcd1111-0000', source: 'cli', name: 'x' });
    store.createRun({ id: 'abcd2222-0000', source: 'cli', name: 'y' });
    assert.equal(store.resolveId('abcd1'), 'abcd1111-0000');
    assert.equal(store.resolveId('abc'), undefined, 'too short');
    assert.throws(() => store.resolveId('abcd'), /matches more than one run/);
    assert.equal(store.resolveId('ffff'), undefined);
    store.close();
  });
});
