/**
 * The run session (src/session/run-test.ts) in-process against a real 127.0.0.1 server: what the
 * server received is what the summary counts, the exit code follows thresholds and stops, every
 * listener hears the summary and is closed exactly once, and a stopped run's partial summary is
 * stored in a real SQLite file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { prepareTest } from '../../src/loader/prepare.js';
import { quickConfig, type QuickFlags } from '../../src/loader/quick.js';
import { VolleyError } from '../../src/errors.js';
import { runTest, type SessionListener, type StopRequest } from '../../src/session/run-test.js';
import { RunStore } from '../../src/store/run-store.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-session-'));

function plan(flags: QuickFlags) {
  const config = quickConfig({ workers: '1', ...flags });
  return { test: prepareTest(config), config };
}

/** A listener that writes down which hooks were called, in order. */
function journal(): { listener: SessionListener; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    listener: {
      onStart: () => void calls.push('start'),
      onEnd: () => void calls.push('end'),
      onSummary: () => void calls.push('summary'),
      close: () => void calls.push('close'),
    },
  };
}

const io = () => {
  const err: string[] = [];
  return { err, io: { stdout: () => {}, stderr: (s: string) => void err.push(s) } };
};

describe('runTest', () => {
  let ok: CountingServer;
  let failing: CountingServer;
  before(async () => {
    ok = await startCountingServer({ delayMs: 2 });
    failing = await startCountingServer({ status: 500 });
  });
  after(async () => {
    await ok.close();
    await failing.close();
  });

  it('counts what the server received, exits 0, then summary and close once each', async () => {
    const before = ok.count();
    const j = journal();
    const { io: sink } = io();
    const r = await runTest(plan({ url: ok.url, rate: '100', duration: '2s' }), {
      io: sink,
      listeners: [j.listener],
    });
    const received = ok.count() - before;
    assert.ok(received >= 150, `received ${received}`);
    assert.equal(r.summary.metrics.http_reqs?.values.count, received);
    assert.equal(r.exitCode, 0);
    assert.equal(r.summary.runId, r.result.runId);
    assert.deepEqual(
      j.calls.filter((c) => c !== 'start'),
      ['end', 'summary', 'close'],
    );
    assert.equal(j.calls[0], 'start');
  });

  it('a failed threshold exits 99', async () => {
    const j = journal();
    const r = await runTest(
      plan({ url: failing.url, rate: '50', duration: '1s', threshold: ['http_req_failed:rate<0.01'] }),
      { io: io().io, listeners: [j.listener] },
    );
    assert.equal(r.summary.thresholds.ok, false);
    assert.equal(r.exitCode, 99);
    assert.deepEqual(j.calls.slice(-2), ['summary', 'close']);
  });

  it('an aborted signal stops the run: 130, and its partial summary is in the SQLite store', async () => {
    const store = RunStore.open(join(dir, 'runs.db'));
    try {
      const stop = new AbortController();
      const before = ok.count();
      const j = journal();
      const watch = setInterval(() => {
        if (ok.count() - before >= 50)
          stop.abort({ reason: 'signal', detail: 'stopped by SIGINT' } satisfies StopRequest);
      }, 10);
      const t0 = Date.now();
      const r = await runTest(plan({ url: ok.url, rate: '100', duration: '30s', grace: '1s' }), {
        io: io().io,
        listeners: [j.listener],
        signal: stop.signal,
        store,
      }).finally(() => clearInterval(watch));
      assert.ok(Date.now() - t0 < 15_000, 'the run stopped long before its 30 s');
      assert.equal(r.exitCode, 130);
      assert.equal(r.summary.state.aborted, true);
      assert.equal(r.summary.state.abortReason, 'signal');
      assert.equal(r.summary.state.abortDetail, 'stopped by SIGINT');
      assert.equal(r.summary.metrics.http_reqs?.values.count, ok.count() - before);
      const stored = store.get(r.result.runId);
      assert.equal(stored?.exitCode, 130);
      assert.equal(stored?.summary?.metrics.http_reqs?.values.count, ok.count() - before);
      assert.equal(j.calls.filter((c) => c === 'close').length, 1);
    } finally {
      store.close();
    }
    // Read back from the file by a fresh connection: the partial summary is on disk.
    const reopened = RunStore.open(join(dir, 'runs.db'));
    try {
      const [run] = reopened.list({ limit: 1 });
      assert.equal(run?.exitCode, 130);
      assert.ok(reopened.get(run?.id as string)?.summary, 'summary stored');
    } finally {
      reopened.close();
    }
  });

  it('a signal aborted before the run exists stops it at once', async () => {
    const stop = new AbortController();
    stop.abort({ reason: 'api', detail: 'stopped from the API' } satisfies StopRequest);
    const t0 = Date.now();
    const r = await runTest(plan({ url: ok.url, rate: '100', duration: '30s', grace: '1s' }), {
      io: io().io,
      signal: stop.signal,
    });
    assert.ok(Date.now() - t0 < 10_000, 'not the planned 30 s');
    assert.equal(r.summary.state.abortReason, 'api');
    // Stopped from the API is not a signal: the exit code follows the verdict, not 130.
    assert.notEqual(r.exitCode, 130);
  });

  it('an error before the run (target unreachable) still closes every listener once, without a summary', async () => {
    const closed = await startCountingServer();
    const url = closed.url;
    await closed.close();
    const j = journal();
    await assert.rejects(
      runTest(plan({ url, rate: '10', duration: '1s' }), { io: io().io, listeners: [j.listener] }),
      (err: unknown) => err instanceof VolleyError && err.code === 'TARGET_UNREACHABLE',
    );
    assert.deepEqual(j.calls, ['close']);
  });
});
