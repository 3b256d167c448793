/**
 * The dashboard's compare view shows what moved in capacity: two real stored runs whose summaries
 * are given a knee and phases (as a ramping five-phase run would have) are compared, and the
 * Capacity card says "the knee moved from 400/s to 620/s", each phase's p99 and the recovery.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { RunStore } from '../../src/store/run-store.js';
import type { Knee } from '../../src/summary/knee.js';
import type { PhaseAnalysis } from '../../src/summary/phases.js';
import type { Summary } from '../../src/summary/summary.js';
import { launchChromium } from '../helpers/chromium.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { storeFastAndSlowRuns } from '../helpers/stored-runs.js';

function withCapacity(s: Summary, kneeAt: number, spikeP99: number, recoveredInS: number | null): Summary {
  const knee: Knee = {
    detected: true,
    reason: 'p99-doubled',
    signal: 'latency',
    detail: '',
    atSecond: 5,
    time: null,
    load: { vus: 20, iterationsPerSec: kneeAt },
    throughputRps: kneeAt,
    p99Ms: 50,
    baselineP99Ms: 10,
    baselineErrorRate: 0,
    errorRate: 0,
    loadModel: 'open',
  };
  const row = (name: string, p99Ms: number) => ({
    name,
    startSecond: 0,
    endSecond: 1,
    load: { from: 1, to: 1 },
    vusAvg: 1,
    requests: 100,
    failures: 0,
    throughputRps: 100,
    p50Ms: p99Ms / 2,
    p95Ms: p99Ms,
    p99Ms,
    errorRate: 0,
  });
  const phases: PhaseAnalysis = {
    scenario: 'default',
    loadUnit: 'per-second',
    phases: [row('warm-up', 20), row('spike', spikeP99), row('recovery', 21)],
    recovery: {
      recovered: recoveredInS !== null,
      recoveredInS,
      recoveredAtSecond: recoveredInS,
      baselineP99Ms: 20,
      baselineErrorRate: 0,
      finalP99Ms: 21,
      finalErrorRate: 0,
      tolerance: { p99Ratio: 0.2, errorRatePoints: 0.005, minP99SlackMs: 2 },
      detail: '',
    },
    memory: [],
  };
  return { ...s, runId: randomUUID(), analysis: { ...s.analysis, knee }, phases };
}

describe('dashboard: compare view, capacity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-e2e-capacity-'));
  mkdirSync(join(dir, 'scripts'));
  const db = join(dir, 'volley.db');
  const ids: string[] = [];
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const runs = await storeFastAndSlowRuns(dir, db);
    const store = RunStore.open(db);
    try {
      const pairs: [string, Summary][] = [
        [
          runs.slowFile,
          withCapacity(JSON.parse(readFileSync(runs.slowFile, 'utf8')) as Summary, 400, 300, null),
        ],
        [runs.fastFile, withCapacity(JSON.parse(readFileSync(runs.fastFile, 'utf8')) as Summary, 620, 90, 3)],
      ];
      for (const [, s] of pairs) {
        store.createRun({ id: s.runId, source: 'cli', name: `capacity ${s.runId.slice(0, 4)}` });
        store.finishRun(s.runId, { summary: s, exitCode: 0, histograms: [], thresholds: [] });
        ids.push(s.runId);
      }
    } finally {
      store.close();
    }
    serve = await startServeProcess(['--db', db, '--scripts', join(dir, 'scripts')], {
      VOLLEY_TOKEN: '',
      VOLLEY_DB: '',
    });
    browser = await launchChromium();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says how the knee, each phase and the recovery moved', async () => {
    await page.goto(`${serve.url}/#/compare/${ids[0]}/${ids[1]}`);
    const card = page.getByTestId('compare-capacity');
    await card.waitFor({ timeout: 15_000 });
    const items = await card.locator('li').allTextContents();
    assert.deepEqual(
      items.map((t) => t.replace(/\s+/g, ' ').trim()),
      [
        'the knee moved from 400/s to 620/s (improved)',
        'phase warm-up: p99 20.0ms -> 20.0ms (ok)',
        'phase spike: p99 300ms -> 90.0ms (improved)',
        'phase recovery: p99 21.0ms -> 21.0ms (ok)',
        'recovery: BASE did not recover, NEW recovered in 3 s (improved)',
      ],
    );
    assert.equal(await card.locator('li[data-kind="knee"]').getAttribute('data-status'), 'improved');
  });
});
