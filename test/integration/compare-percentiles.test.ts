/**
 * `volley compare` of two real stored runs on a percentile their summaries do not hold:
 * `http_req_duration:p(99.9)` is recomputed from each run's stored final histogram, with its own
 * tolerance; the same through GET /api/compare's function.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Comparison } from '../../src/analysis/compare.js';
import { compareCommand } from '../../src/cli/compare-command.js';
import type { CliIO } from '../../src/cli/io.js';
import { compareStoredRuns } from '../../src/server/compare-runs.js';
import { RunStore } from '../../src/store/run-store.js';
import type { Summary } from '../../src/summary/summary.js';
import { storeFastAndSlowRuns, type StoredRuns } from '../helpers/stored-runs.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-compare-p999-'));
const db = join(dir, 'runs.db');

function io(): CliIO & { out: () => string; err: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    stderrIsTTY: false,
    stdoutIsTTY: false,
    ci: true,
    color: false,
    env: {},
    onSignals: () => () => undefined,
    out: () => stdout,
    err: () => stderr,
  };
}

describe('volley compare: p(99.9) from the stored histograms', () => {
  let runs: StoredRuns;
  let store: RunStore | undefined;
  before(async () => {
    runs = await storeFastAndSlowRuns(dir, db);
  });
  after(() => store?.close());

  it('recomputes p(99.9) for both stored runs, judges it with its own tolerance, and exits 98', () => {
    const fast = JSON.parse(readFileSync(runs.fastFile, 'utf8')) as Summary;
    assert.equal(fast.metrics.http_req_duration?.values['p(99.9)'], undefined, 'the summary lacks p(99.9)');
    const out = join(dir, 'cmp.json');
    const t = io();
    const code = compareCommand(
      runs.fastId,
      runs.slowId,
      { db, metric: ['http_req_duration:p(99.9):tolerance=5%'], out: [`json=${out}`] },
      t,
    );
    assert.equal(code, 98, t.err());
    const c = JSON.parse(readFileSync(out, 'utf8')) as Comparison;
    const row = c.metrics[0];
    assert.ok(row);
    assert.deepEqual(
      [row.metric, row.stat, row.fromHistograms, row.tolerance, row.status],
      ['http_req_duration', 'p(99.9)', true, 0.05, 'regressed'],
    );
    store = RunStore.open(db);
    const direct = (id: string): number | undefined =>
      store?.percentiles(id, 'http_req_duration', [99.9])?.['p(99.9)'];
    assert.equal(row.base, direct(runs.fastId));
    assert.equal(row.new, direct(runs.slowId));
    // The slow server answers in 150 ms: its p(99.9) is at least that, and at least its p(99).
    assert.ok((row.new as number) >= 150, `slow p(99.9) ${row.new} ms`);
    assert.ok((row.base as number) >= (fast.metrics.http_req_duration?.values['p(99)'] ?? Infinity) - 0.01);
    assert.match(t.out(), /http_req_duration p\(99\.9\) \(histograms\) \(tolerance 5%\)/);
    console.log(`# p(99.9): fast ${row.base} ms, slow ${row.new} ms`);
  });

  it('GET /api/compare recomputes it the same way', () => {
    store ??= RunStore.open(db);
    const c = compareStoredRuns(
      store,
      (raw) => raw,
      new URLSearchParams([
        ['base', runs.fastId],
        ['new', runs.slowId],
        ['metric', 'http_req_duration:p(99.9):tolerance=5%'],
      ]),
    );
    assert.equal(c.metrics[0]?.fromHistograms, true);
    assert.equal(c.verdict, 'regressed');
  });

  it('summary files have no histograms: the same --metric names what exists', () => {
    const t = io();
    assert.throws(
      () => compareCommand(runs.fastFile, runs.slowFile, { db, metric: ['http_req_duration:p(99.9)'] }, t),
      /BASE has no 'p\(99\.9\)' for http_req_duration/,
    );
  });
});
