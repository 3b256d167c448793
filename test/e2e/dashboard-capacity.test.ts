/**
 * The dashboard in Debian's headless Chromium shows a ramping run's capacity plan and the target's
 * resources: a real `volley run` steps through arrival rates against a child server process,
 * watched through /proc (`--monitor-pid`), recorded into a store that `volley serve` serves. The
 * run's page has the Capacity plan card (one row per stage, the target's CPU and memory columns,
 * the recommended point of the summary) and a chart per target_* metric (CPU, memory, fds, sockets).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { startChildServer } from '../helpers/child-server.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';
import { runCli } from '../helpers/cli.js';
import type { Summary } from '../../src/summary/summary.js';

describe('dashboard: capacity plan and target resources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-e2e-capacity-'));
  mkdirSync(join(dir, 'scripts'));
  const db = join(dir, 'volley.db');
  let summary: Summary;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    const target = await startChildServer(
      fileURLToPath(new URL('../fixtures/stall-server.js', import.meta.url)),
      ['0', '3600000'],
    );
    try {
      const out = join(dir, 'summary.json');
      const r = await runCli([
        'run',
        '--url',
        `${target.url}/`,
        '--rate',
        '50',
        '--stage',
        '2s:100',
        '--stage',
        '2s:150',
        '--threshold',
        'http_req_failed:rate<0.01',
        '--monitor-pid',
        String(target.child.pid),
        '--monitor-memory-limit',
        '1GB',
        '--workers',
        '1',
        '-q',
        '--db',
        db,
        '--out',
        `json=${out}`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const { readFileSync } = await import('node:fs');
      summary = JSON.parse(readFileSync(out, 'utf8')) as Summary;
    } finally {
      await target.stop();
    }
    serve = await startServeProcess(['--db', db, '--scripts', join(dir, 'scripts')], {
      VOLLEY_TOKEN: '',
      VOLLEY_DB: '',
    });
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

  it("the run's page has the capacity plan of the summary, with the target's columns", async () => {
    const [plan] = summary.capacityPlan ?? [];
    assert.ok(plan, 'the summary has a capacity plan');
    assert.equal(plan.rows.length, 2);
    assert.ok(plan.recommended !== null, plan.detail);
    await page.goto(`${serve.url}/#/runs/${summary.runId}`);
    const card = page.getByTestId('capacity-plan');
    await card.waitFor({ timeout: 15_000 });
    assert.equal(await card.locator('tbody tr').count(), 2);
    assert.equal(await card.locator('th', { hasText: 'Target CPU' }).count(), 1);
    assert.equal(await card.locator('th', { hasText: 'Target memory' }).count(), 1);
    const recommended = (await page.getByTestId('capacity-recommended').textContent()) ?? '';
    assert.match(recommended, new RegExp(`Recommended: ${plan.recommended}/s`));
    assert.match(recommended, /30% headroom/);
  });

  it("shows the target's CPU, memory, fds and sockets as charts", async () => {
    const monitored = page.getByTestId('monitored');
    await monitored.waitFor({ timeout: 15_000 });
    for (const m of [
      'target_cpu_percent',
      'target_rss_mb',
      'target_memory_percent',
      'target_open_fds',
      'target_sockets',
    ])
      await page.getByTestId(`chart-${m}`).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(tmpdir(), `volley-capacity-${process.pid}.png`), fullPage: true });
    assert.deepEqual(problems, []);
  });
});
