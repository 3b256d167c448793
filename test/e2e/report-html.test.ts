/**
 * The HTML report of a real run in Debian's headless Chromium: it loads from file:// with no
 * console error or warning and no request beyond the file itself, every chart is drawn at a
 * readable size, and the verdict badge is visible. With VOLLEY_UPDATE_DOCS=1 the rendered report
 * is written to docs/report-example.html (and its Markdown twin to the temp dir, for docs/reports.md).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { realSummary } from '../helpers/real-summary.js';
import type { Summary } from '../../src/summary/summary.js';
import { renderHtmlReport } from '../../src/report/html-report.js';
import { renderMarkdownReport } from '../../src/report/markdown-report.js';

const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url));

const THRESHOLDS = ['http_req_duration:p(99)<0.001', 'http_req_failed:rate<0.01'];
const summaryOf = (dir: string, delayMs: number, name: string): Promise<Summary> =>
  realSummary(dir, { delayMs, name, path: '/api/items?q=1', thresholds: THRESHOLDS });

describe('HTML report in headless Chromium', () => {
  let dir: string;
  let browser: Browser;
  let htmlFile: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'volley-report-e2e-'));
    const [base, next] = [await summaryOf(dir, 2, 'base'), await summaryOf(dir, 30, 'next')];
    const html = renderHtmlReport(next, { baseline: base, generatedAt: new Date(next.endedAt) });
    htmlFile = join(dir, 'report.html');
    writeFileSync(htmlFile, html);
    if (process.env.VOLLEY_UPDATE_DOCS) {
      writeFileSync(join(DOCS, 'report-example.html'), html);
      // The Markdown excerpt quoted in docs/reports.md is pasted from this file.
      writeFileSync(
        join(tmpdir(), 'volley-report-example.md'),
        renderMarkdownReport(next, { baseline: base, chartsDir: 'report-example-charts' }).markdown,
      );
    }
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads offline and clean, draws every chart, shows the verdict', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const messages: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') messages.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });

    assert.deepEqual(messages, [], 'no console error or warning');
    assert.ok(requests.length >= 1);
    assert.deepEqual(
      requests.filter((u) => !u.startsWith('file://')),
      [],
      'no request but the file itself',
    );

    const badge = page.locator('#verdict');
    assert.ok(await badge.isVisible(), 'verdict badge visible');
    assert.equal(await badge.textContent(), 'failed');

    const svgs = page.locator('figure.chart > svg');
    const n = await svgs.count();
    assert.ok(n >= 4, `${n} charts`);
    for (let i = 0; i < n; i++) {
      const box = await svgs.nth(i).boundingBox();
      assert.ok(box && box.width > 200 && box.height > 100, `chart ${i}: ${JSON.stringify(box)}`);
    }
    assert.ok(await page.locator('#regression').isVisible(), 'regression section');
    assert.ok((await page.locator('#regression tr.regressed').count()) >= 1, 'a regressed row');
    assert.ok(await page.locator('tr.fail-row').first().isVisible(), 'failing SLO row');
    await page.close();
  });
});
