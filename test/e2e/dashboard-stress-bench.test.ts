/**
 * Stress and bench from the dashboard in Debian's headless Chromium, against a real `volley
 * serve`, a real store and targets on 127.0.0.1: a stress search started from the Stress form shows
 * its probes as they end and then its result card; a bench started from the Benchmarks form and a
 * second one show each endpoint's history of two on the bench page.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Locator, type Page } from 'playwright-core';
import type { StressResult } from '../../src/analysis/stress.js';
import type { BenchDetail, RunDetail } from '../../src/server/wire.js';
import { api } from '../helpers/api-client.js';
import { startTokenBucketServer, type CapacityServer } from '../helpers/capacity-servers.js';
import { launchChromium, recordPageErrors } from '../helpers/chromium.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

const CLEAN_ENV = { VOLLEY_TOKEN: '', VOLLEY_DB: '', VOLLEY_NATS_URL: '' };

async function untilCount(l: Locator, n: number, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while ((await l.count()) !== n) {
    if (Date.now() > end) assert.fail(`${what}: ${await l.count()} after ${ms} ms, expected ${n}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('dashboard: stress and bench in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-e2e-stressui-'));
  let serve: ServeProcess;
  let bucket: CapacityServer;
  let target: CountingServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    serve = await startServeProcess(['--db', join(dir, 'runs.db')], CLEAN_ENV);
    bucket = await startTokenBucketServer(250);
    target = await startCountingServer();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    recordPageErrors(page, problems);
  });

  after(async () => {
    await browser?.close();
    await serve?.stop();
    await bucket?.close();
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a stress search started from the Stress form shows its probes live, then the result card', async () => {
    await page.goto(`${serve.url}/#/`);
    await page.getByTestId('nav-stress').click();
    await page.waitForURL(/#\/stress$/);
    await page.getByTestId('stress-url').fill(`${bucket.url}/`);
    await page.getByTestId('stress-startRate').fill('50');
    await page.getByTestId('stress-maxRate').fill('800');
    await page.getByTestId('stress-probeDuration').fill('1s');
    await page.getByTestId('stress-cooldown').fill('200ms');
    await page.getByTestId('stress-resolution').fill('10%');
    await page.getByTestId('stress-maxProbes').fill('5');
    await page.getByTestId('stress-slos').fill('');
    await page.getByTestId('stress-submit').click();
    await page.waitForURL(/#\/runs\/[^/]+$/);
    const id = decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');

    // Live: the probes table fills in while the search goes (5 probes of 1 s: about 10 s).
    await page.getByTestId('stress-live').waitFor();
    await page.locator('[data-testid=stress-live-probes] [data-testid=probe-row]').first().waitFor();
    const liveRows = await page.locator('[data-testid=stress-live-probes] [data-testid=probe-row]').count();
    assert.ok(liveRows >= 1 && liveRows < 5, `probes shown while running: ${liveRows}`);
    assert.match((await page.getByTestId('stress-so-far').textContent()) ?? '', /Ceiling so far: sustains/);

    // Ended: the run page shows the result card from the stored document.
    await page.getByTestId('stress-card').waitFor({ timeout: 60_000 });
    const { body: run } = await api<RunDetail>(serve.url, `/api/runs/${id}`);
    const stress = (run.summary as unknown as { stress: StressResult }).stress;
    assert.equal(stress.maxSustainableRate, 200);
    assert.equal(await page.getByTestId('stress-max-rate').locator('.kpi-value').textContent(), '200/s');
    assert.equal(
      await page.getByTestId('stress-breakdown-rate').locator('.kpi-value').textContent(),
      '300/s',
    );
    assert.equal(await page.getByTestId('stress-ceiling').getAttribute('data-ceiling'), 'target');
    assert.equal(
      await page.locator('[data-testid=stress-probes] [data-testid=probe-row]').count(),
      stress.probes.length,
    );
    assert.deepEqual(problems, []);
  });

  it('the Benchmarks page starts a bench and shows each endpoint’s history across benches', async () => {
    await page.goto(`${serve.url}/#/`);
    await page.getByTestId('nav-benches').click();
    await page.waitForURL(/#\/benches$/);
    await page.getByTestId('benches-empty').waitFor();
    await page.getByTestId('bench-url').fill(target.url);
    await page.getByTestId('bench-endpoints').fill('GET /a\nPOST /b');
    await page.getByTestId('bench-concurrency').fill('2');
    await page.getByTestId('bench-duration').fill('1s');
    await page.getByTestId('bench-submit').click();
    await page.waitForURL(/#\/benches\/[^/]+$/);
    const first = decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');
    await page.locator('[data-testid=bench-status]:text("finished")').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('[data-testid=bench-endpoint-row]').count(), 2);

    // A second bench of the same endpoints (from the API), then the page of the newest.
    const second = await api<{ id: string }>(serve.url, '/api/bench', {
      method: 'POST',
      body: { url: target.url, endpoints: ['GET /a', 'POST /b'], concurrency: 2, duration: '1s' },
    });
    assert.equal(second.status, 202);
    const end = Date.now() + 30_000;
    while ((await api<BenchDetail>(serve.url, `/api/benches/${second.body.id}`)).body.status === 'running') {
      assert.ok(Date.now() < end, 'the second bench ended');
      await new Promise((r) => setTimeout(r, 200));
    }
    await page.getByTestId('nav-benches').click();
    const rows = page.locator('[data-testid=bench-row]');
    await untilCount(rows, 2, 'bench rows');
    await rows.first().locator('a').click();
    await page.waitForURL(new RegExp(`#/benches/${second.body.id}$`));
    const histories = page.locator('[data-testid=bench-history]');
    await untilCount(histories, 2, 'endpoint histories');
    for (const label of ['GET /a', 'POST /b']) {
      const h = page.locator(`[data-testid=bench-history][data-endpoint="${label}"]`);
      const ids = await h
        .locator('[data-testid=bench-history-row] td:first-child a')
        .evaluateAll((els) => els.map((e) => e.textContent));
      assert.deepEqual(ids, [first.slice(0, 8), second.body.id.slice(0, 8)], `${label}: oldest first`);
    }
    assert.equal(await histories.count(), 2);
    assert.deepEqual(problems, []);
  });
});
