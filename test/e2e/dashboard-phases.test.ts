/**
 * The dashboard's run page for a five-phase run (scaled to 16 s) against a target that stays slow
 * after the spike: the phase table with the summary's rows, the "did not recover" verdict, and the
 * phase boundaries marked on the charts. A screenshot goes to docs/screenshots/ when asked
 * (VOLLEY_SCREENSHOTS=1).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, type Page } from 'playwright-core';
import type { Summary } from '../../src/summary/summary.js';
import { launchChromium } from '../helpers/chromium.js';
import { runCli } from '../helpers/cli.js';
import { startRecoveringServer } from '../helpers/recovering-server.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

describe('dashboard: phases of a five-phase run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-e2e-phases-'));
  mkdirSync(join(dir, 'scripts'));
  const db = join(dir, 'volley.db');
  let summary: Summary;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    const target = await startRecoveringServer({ baseMs: 20, slowMs: 150, spikeRps: 100, slowForMs: 12_000 });
    try {
      const file = join(dir, 'five.yaml');
      writeFileSync(
        file,
        `baseUrl: ${target.url}\nscenarios:\n  main: { preset: fivePhase, openLoop: true, base: 20, peak: 40, spike: 150, duration: 16s, warmUp: 3s, recovery: 5s, flow: [{ get: / }] }\n`,
      );
      const out = join(dir, 'five.json');
      const r = await runCli(['run', file, '-q', '--db', db, '--out', `json=${out}`], { timeoutMs: 90_000 });
      assert.equal(r.code, 0, r.stderr);
      summary = JSON.parse(readFileSync(out, 'utf8')) as Summary;
    } finally {
      await target.close();
    }
    serve = await startServeProcess(['--db', db, '--scripts', join(dir, 'scripts')], {
      VOLLEY_TOKEN: '',
      VOLLEY_DB: '',
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
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

  it('shows the phase table, the recovery verdict and the phase marks on the charts', async () => {
    const pa = summary.phases;
    assert.ok(pa);
    await page.goto(`${serve.url}/#/runs/${summary.runId}`);
    const section = page.getByTestId('phases');
    await section.waitFor({ timeout: 15_000 });
    const rows = page.getByTestId('phases-table').locator('tbody tr');
    assert.equal(await rows.count(), pa.phases.length);
    const names = await rows.locator('td:first-child').allTextContents();
    assert.deepEqual(names, ['warm-up', 'ramp-up', 'sustained', 'spike', 'recovery']);
    const verdict = (await page.getByTestId('phases-recovery').textContent()) ?? '';
    assert.equal(pa.recovery?.recovered, false, pa.recovery?.detail);
    assert.match(verdict, /✗ Recovery: did not recover: p99 \d+ ms vs warm-up \d+ ms/);
    await page.getByTestId('chart-latency').locator('canvas').first().waitFor();
    assert.equal(
      await page.getByTestId('chart-latency').getAttribute('data-phase-marks'),
      'warm-up,ramp-up,sustained,spike,recovery',
    );
    if (process.env.VOLLEY_SCREENSHOTS === '1') {
      const shots = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, 'run-phases.png'), fullPage: true });
    }
    assert.deepEqual(problems, []);
  });
});
