/**
 * The dashboard in Debian's headless Chromium shows every protocol of a run: a real run speaking
 * HTTP and a stand-in second protocol (test/helpers/protocol-standin.ts) is recorded into a store,
 * `volley serve` serves that store, and the run's page has each protocol's KPI cards (req/s, p99,
 * error rate, with the numbers of the summary), the per-protocol charts and the endpoint table's
 * protocol column. An HTTP-only run recorded beside it shows none of these.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { processRef } from '../../src/store/pid-alive.js';
import { RunStore } from '../../src/store/run-store.js';
import { recordMixedRun, type MixedRun } from '../helpers/protocol-standin.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { runCli } from '../helpers/cli.js';
import { startCountingServer } from '../helpers/counting-server.js';

const ITERATIONS = 150;

describe('dashboard: per-protocol KPI cards, charts and endpoint protocol column', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-e2e-protocols-'));
  mkdirSync(join(dir, 'scripts'));
  const db = join(dir, 'volley.db');
  const id = 'cccccccc-1111-2222-3333-444444444444';
  const liveId = 'dddddddd-1111-2222-3333-444444444444';
  let run: MixedRun;
  let httpOnlyId = '';
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    const store = RunStore.open(db);
    try {
      run = await recordMixedRun(dir, store, id, ITERATIONS);
      // A run still going in another process (this one, alive): its seconds as the recorder
      // stores them while a terminal run goes on, which `volley serve` streams to the live view.
      store.markRunning({
        id: liveId,
        source: 'cli',
        name: 'mixed (live)',
        startedAt: new Date(),
        executors: ['shared-iterations'],
        controllable: [],
        config: {},
        process: processRef(process.pid),
      });
      for (const snap of run.snapshots) store.addSecond(liveId, snap);
    } finally {
      store.close();
    }
    // An HTTP-only run in the same store, from the CLI.
    const target = await startCountingServer();
    try {
      const r = await runCli(['run', '--url', `${target.url}/only`, '-n', '20', '-q', '--db', db]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(target.count(), 20);
    } finally {
      await target.close();
    }
    serve = await startServeProcess(['--db', db, '--scripts', join(dir, 'scripts')], {
      VOLLEY_TOKEN: '',
      VOLLEY_DB: '',
    });
    const list = (await (await fetch(`${serve.url}/api/runs`)).json()) as { id: string }[];
    httpOnlyId = list.map((r) => r.id).find((x) => x !== id && x !== liveId) ?? '';
    assert.ok(httpOnlyId, 'the HTTP-only run is listed');
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const value = async (testId: string): Promise<number> =>
    Number(await page.getByTestId(testId).getAttribute('data-value'));

  it("the run's page has both protocols' KPI cards with the summary's numbers", async () => {
    await page.goto(`${serve.url}/#/runs/${id}`);
    await page.getByTestId('protocol-kpis').waitFor({ timeout: 15_000 });
    const ps = run.summary.protocols ?? [];
    assert.deepEqual(ps.map((p) => p.name).sort(), ['http', 'standin']);
    for (const p of ps) {
      assert.equal(await value(`kpi-${p.name}-rps`), p.rps, `${p.name} req/s`);
      assert.equal(await value(`kpi-${p.name}-p99`), p.latency.p99, `${p.name} p99`);
      assert.equal(await value(`kpi-${p.name}-error-rate`), p.errorRate, `${p.name} error rate`);
    }
    assert.equal(await value('kpi-standin-error-rate'), 0.1, 'every 10th stand-in call failed');
    assert.equal(await value('kpi-http-error-rate'), 0);
    assert.equal(run.httpCount, ITERATIONS);
    assert.equal(
      [...run.standinCalls.values()].reduce((a, b) => a + b, 0),
      ITERATIONS,
    );
  });

  it('the endpoint table has a protocol column; the per-protocol charts are drawn', async () => {
    const table = page.getByTestId('endpoint-table');
    await table.waitFor();
    assert.ok((await table.locator('th', { hasText: 'Protocol' }).count()) === 1);
    const standinRow = table.locator('tr[data-protocol="standin"][data-endpoint="CALL fail/Submit"]');
    assert.equal(await standinRow.locator('td[data-col="protocol"]').textContent(), 'standin');
    assert.equal(await standinRow.locator('td[data-col="requests"]').textContent(), String(ITERATIONS / 10));
    assert.equal(await table.locator('tr[data-protocol="http"]').count(), 1);
    await page.getByTestId('chart-protocol-rps').waitFor({ timeout: 10_000 });
    await page.getByTestId('chart-protocol-p99').waitFor();
    await page.screenshot({ path: join(tmpdir(), `volley-protocols-${process.pid}.png`), fullPage: true });
    assert.match((await page.getByTestId('chart-latency').textContent()) ?? '', /every protocol/);
    assert.deepEqual(problems, []);
  });

  it("the live view of a run going on shows each protocol's KPI cards from the snapshot", async () => {
    await page.goto(`${serve.url}/#/runs/${liveId}`);
    await page.getByTestId('live-view').waitFor({ timeout: 15_000 });
    await page.getByTestId('protocol-kpis').waitFor({ timeout: 15_000 });
    const last = run.snapshots.at(-1)!;
    for (const p of last.protocols ?? []) {
      assert.equal(await value(`kpi-${p.protocol}-rps`), p.current.rps, `${p.protocol} req/s`);
      assert.equal(await value(`kpi-${p.protocol}-p99`), p.current.latency.p99, `${p.protocol} p99`);
      assert.equal(await value(`kpi-${p.protocol}-error-rate`), p.current.errorRate);
    }
    assert.equal(last.protocols?.length, 2);
    const table = page.getByTestId('endpoint-table');
    assert.equal(await table.locator('tr[data-protocol="standin"]').count(), 2);
    assert.deepEqual(problems, []);
  });

  it('an HTTP-only run shows no protocol cards, column or charts', async () => {
    await page.goto(`${serve.url}/#/runs/${httpOnlyId}`);
    await page.getByTestId('summary-kpis').waitFor({ timeout: 15_000 });
    await page.getByTestId('endpoint-table').waitFor();
    assert.equal(await value('kpi-requests'), 20);
    assert.equal(await page.getByTestId('protocol-kpis').count(), 0);
    assert.equal(await page.getByTestId('endpoint-table').locator('th', { hasText: 'Protocol' }).count(), 0);
    assert.equal(await page.getByTestId('chart-protocol-rps').count(), 0);
    assert.match((await page.getByTestId('chart-latency').textContent()) ?? '', /http_req_duration/);
    assert.deepEqual(problems, []);
  });
});
