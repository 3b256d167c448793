/**
 * The built dashboard in Debian's headless Chromium against the real `volley serve` and a real
 * target: start a run from the form, watch it live, change its rate, stop it, find it in the
 * history, run a second one, compare them — with the target's own request count as the truth.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import type { Comparison } from '../../src/analysis/compare.js';
import { runCli } from '../helpers/cli.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

/** docs/dashboard.png is refreshed with VOLLEY_UPDATE_SCREENSHOT=1; otherwise the shot goes to /tmp. */
const SCREENSHOT = process.env.VOLLEY_UPDATE_SCREENSHOT
  ? fileURLToPath(new URL('../../../docs/dashboard.png', import.meta.url))
  : join(tmpdir(), `volley-dashboard-${process.pid}.png`);

/** `volley serve` on a fresh store and scripts folder, with no token or store from the environment. */
async function startServe(dir: string, extra: string[] = []): Promise<ServeProcess> {
  const s = await startServeProcess(
    ['--db', join(dir, 'volley.db'), '--scripts', join(dir, 'scripts'), ...extra],
    { VOLLEY_TOKEN: '', VOLLEY_DB: '' },
  );
  assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'first stdout line is the base URL');
  return s;
}

/** The number a KPI card carries in data-value (null while it shows —). */
async function kpi(page: Page, id: string): Promise<number | null> {
  const raw = await page.getByTestId(id).getAttribute('data-value');
  return raw === null || raw === '' ? null : Number(raw);
}

/** Polls `read` until `ok` holds; fails with the last value after `ms`. */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  let v = await read();
  while (!ok(v)) {
    if (Date.now() > end) assert.fail(`${what}: still ${JSON.stringify(v)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}

interface RunDetailJson {
  status: string;
  verdict: string | null;
  summary: { metrics: Record<string, { values: Record<string, number> }> } | null;
}

describe('dashboard in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-e2e-'));
  mkdirSync(join(dir, 'scripts'));
  let target: CountingServer;
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  let first = '';
  let second = '';

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${serve.url}${path}`);
    assert.equal(res.status, 200, `GET ${path}`);
    return (await res.json()) as T;
  };

  before(async () => {
    target = await startCountingServer({ delayMs: 2 });
    serve = await startServe(dir);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  });

  after(async () => {
    await browser?.close();
    await serve?.stop();
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts an externally controlled run from the form and shows it live', async () => {
    await page.goto(`${serve.url}/#/new`);
    await page.getByTestId('new-url').fill(`${target.url}/api/teams`);
    await page.getByTestId('new-loop-rate').check();
    await page.getByTestId('new-rate').fill('50');
    await page.getByTestId('new-duration').fill('20s');
    await page.getByTestId('new-thresholds').fill('http_req_duration:p(99)<1000\nhttp_req_failed:rate<0.01');
    await page.getByTestId('new-external').check();
    await page.getByTestId('new-submit').click();

    await page.waitForURL(/#\/runs\/[^/]+$/);
    first = decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');
    assert.ok(first, 'navigated to the new run');
    await page.getByTestId('live-view').waitFor();

    const before = await kpi(page, 'kpi-rps');
    assert.ok(before === null || before >= 0, `RPS starts empty or at a number, got ${before}`);
    // The run process starts (bundling, workers) before traffic: wait for that, not a fixed time.
    await until(
      () => page.getByTestId('run-status').getAttribute('data-status'),
      (st) => st === 'running',
      60_000,
      'the run to start',
    );
    const rps = await until(
      () => kpi(page, 'kpi-rps'),
      (v) => v !== null && v > 0,
      10_000,
      'RPS KPI',
    );
    assert.ok(rps !== null && rps > 0);
    assert.equal(await page.getByTestId('run-status').getAttribute('data-status'), 'running');

    // Live numbers move: requests so far and elapsed time grow between two reads.
    const req1 = await kpi(page, 'kpi-requests');
    const el1 = await kpi(page, 'kpi-elapsed');
    const req2 = await until(
      () => kpi(page, 'kpi-requests'),
      (v) => v !== null && v > (req1 ?? 0),
      4000,
      'requests KPI',
    );
    assert.ok((await kpi(page, 'kpi-elapsed'))! > el1!, 'elapsed grows');
    assert.ok(req2! > req1!);
    for (const id of ['kpi-p50', 'kpi-p95', 'kpi-p99', 'kpi-vus']) {
      const v = await kpi(page, id);
      assert.ok(v !== null && v >= 0, `${id} shows a number, got ${v}`);
    }
    assert.equal(await kpi(page, 'kpi-error-rate'), 0, 'no failures against the counting server');

    // Charts are real canvases with a visible size.
    for (const chart of ['chart-throughput', 'chart-latency', 'chart-errors', 'chart-vus']) {
      const box = await page.locator(`[data-testid=${chart}] canvas`).first().boundingBox();
      assert.ok(
        box && box.width > 200 && box.height > 100,
        `${chart} canvas is visible: ${JSON.stringify(box)}`,
      );
    }
    // The live endpoint table and the thresholds.
    const row = page.locator('[data-testid=endpoint-table] tbody tr[data-endpoint]');
    await until(
      () => row.count(),
      (n) => n === 1,
      3000,
      'endpoint rows',
    );
    assert.match((await row.first().getAttribute('data-endpoint')) ?? '', /\/api\/teams/);
    const thresholdRows = page.locator('[data-testid=thresholds] tbody tr');
    await until(
      () => thresholdRows.count(),
      (n) => n === 2,
      3000,
      'threshold rows',
    );
  });

  it('changes the rate live, screenshots the live view, and stops the run', async () => {
    const input = page.getByTestId('control-input');
    assert.equal(await input.getAttribute('data-mode'), 'rate');
    await input.fill('100');
    await page.getByTestId('control-apply').click();
    await until(
      async () => (await page.getByTestId('control-message').textContent()) ?? '',
      (t) => /applied/.test(t),
      5000,
      'control message',
    );
    // The throughput chart's latest second reaches the new rate (its legend shows the last point
    // while the cursor is elsewhere), and the sliding-window RPS KPI climbs above the old 50/s.
    const lastSecond = async (): Promise<number> => {
      const text = await page
        .locator('[data-testid=chart-throughput] .u-legend .u-series')
        .nth(1)
        .locator('.u-value')
        .textContent();
      return Number((text ?? '').replace(/[^\d.]/g, ''));
    };
    await until(lastSecond, (v) => v >= 95 && v <= 105, 6000, 'requests/s of the latest second');
    await until(
      () => kpi(page, 'kpi-rps'),
      (v) => v !== null && v > 60,
      6000,
      'RPS KPI after the rate change',
    );

    // A few seconds at the new rate, so the screenshot shows the step in the charts.
    await page.waitForTimeout(3000);
    await page.screenshot({ path: SCREENSHOT });
    assert.ok(statSync(SCREENSHOT).size > 20_000, 'the screenshot has content');

    await page.getByTestId('stop-button').click();
    await until(
      () => page.getByTestId('run-status').getAttribute('data-status'),
      (s) => s === 'finished',
      15_000,
      'status after Stop',
    );
    // The view switches to the run detail with the stored summary.
    await page.getByTestId('run-detail').waitFor();
    await page.getByTestId('summary-kpis').waitFor();

    const detail = await api<RunDetailJson>(`/api/runs/${encodeURIComponent(first)}`);
    assert.equal(detail.status, 'finished');
    const count = detail.summary?.metrics.http_reqs?.values.count;
    // The store's exact count, the target's own count and the number on screen agree exactly.
    assert.equal(count, target.count(), 'summary http_reqs count equals what the target received');
    assert.equal(await kpi(page, 'kpi-requests'), count, 'the detail view shows that count');
    assert.ok(count! > 50 * 3, `a few seconds at 50-100/s, got ${count}`);
    assert.ok(await page.getByTestId('run-verdict').isVisible());
    const endpoint = page.locator('[data-testid=endpoint-table] tbody tr[data-endpoint] [data-col=requests]');
    assert.equal(Number(((await endpoint.textContent()) ?? '').replace(/,/g, '')), count);
    assert.equal(
      await page.getByTestId('report-link').getAttribute('href'),
      `./api/runs/${encodeURIComponent(first)}/summary`,
    );
  });

  it('lists the run, runs a second one, and compares the two', async () => {
    await page.goto(`${serve.url}/#/`);
    const firstRow = page.locator(`[data-testid=run-row][data-run-id="${first}"]`);
    await firstRow.waitFor();
    assert.equal(await firstRow.getAttribute('data-status'), 'finished');
    // The start shows its date as well as its time.
    assert.match(
      (await firstRow.getByTestId('run-started').textContent()) ?? '',
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/,
    );

    const counted = target.count();
    await page.goto(`${serve.url}/#/new`);
    await page.getByTestId('new-url').fill(`${target.url}/api/users`);
    await page.getByTestId('new-loop-rate').check();
    await page.getByTestId('new-rate').fill('40');
    await page.getByTestId('new-duration').fill('3s');
    await page.getByTestId('new-thresholds').fill('');
    await page.getByTestId('new-submit').click();
    await page.waitForURL(/#\/runs\/[^/]+$/);
    second = decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');
    assert.ok(second && second !== first);
    // It ends by itself: the live view turns into the detail view (after a start that can be slow).
    await page.getByTestId('run-detail').waitFor({ timeout: 60_000 });
    await page.getByTestId('summary-kpis').waitFor();
    const detail = await api<RunDetailJson>(`/api/runs/${encodeURIComponent(second)}`);
    const count = detail.summary?.metrics.http_reqs?.values.count;
    assert.equal(count, 120, '40/s for 3 s, open loop');
    assert.equal(target.count() - counted, count, 'the target received exactly that many');
    assert.equal(await kpi(page, 'kpi-requests'), count);

    await page.goto(`${serve.url}/#/`);
    await page.locator(`[data-testid=run-row][data-run-id="${second}"]`).waitFor();
    // Filtering by text narrows the list; clearing it brings both back.
    await page.getByTestId('filter-text').fill('/api/users');
    await until(
      () => page.getByTestId('run-row').count(),
      (n) => n === 1,
      3000,
      'filtered rows',
    );
    await page.getByTestId('filter-text').fill('');
    for (const id of [first, second])
      await page.locator(`[data-testid=run-row][data-run-id="${id}"] [data-testid=run-select]`).check();
    await page.getByTestId('compare-button').click();
    await page.waitForURL(new RegExp(`#/compare/${first}/${second}$`));

    // Every number under the charts is /api/compare's: the view formats rows, it judges nothing.
    const cmp = await api<Comparison>(`/api/compare?base=${first}&new=${second}`);
    const table = page.getByTestId('compare-table');
    await table.locator('tr[data-metric]').first().waitFor();
    const shown = await table
      .locator('tbody tr[data-metric]')
      .evaluateAll((trs) =>
        trs.map((tr) => [tr.getAttribute('data-metric'), tr.getAttribute('data-status')]),
      );
    assert.deepEqual(
      shown,
      cmp.metrics.map((r) => [`${r.metric}:${r.stat}`, r.status]),
      "the overall rows and their statuses are compare's, in its order",
    );
    assert.ok(shown.length >= 6, `the default rows: ${JSON.stringify(shown)}`);
    const p99 = cmp.metrics.find((r) => r.metric === 'http_req_duration' && r.stat === 'p(99)');
    assert.ok(p99 && p99.base !== null && p99.new !== null);
    const p99Cells = await table.locator('tr[data-metric="http_req_duration:p(99)"] td').allTextContents();
    const n = (s: string | undefined): number => Number((s ?? '').replace(/[^\d.-]/g, ''));
    // fmtMs shows 3 significant digits.
    assert.ok(
      Math.abs(n(p99Cells[1]) - p99.base) <= Math.max(0.01, p99.base * 0.01),
      `base p99 ${p99Cells[1]}`,
    );
    assert.ok(Math.abs(n(p99Cells[2]) - p99.new) <= Math.max(0.01, p99.new * 0.01), `new p99 ${p99Cells[2]}`);
    // A red cell is a row compare calls regressed, never one it calls ok.
    assert.equal(await table.locator('.bad-text[data-status=ok]').count(), 0);
    assert.equal(
      (await table.locator('tr[data-status=regressed] td.bad-text').count()) > 0,
      cmp.metrics.some((r) => r.status === 'regressed'),
    );

    // The request counts are the runs' own.
    const first1 = await api<RunDetailJson>(`/api/runs/${encodeURIComponent(first)}`);
    const requests = async (card: string): Promise<number> =>
      n((await page.getByTestId(card).getByTestId('compare-run-requests').textContent()) ?? undefined);
    assert.equal(
      await requests('compare-base'),
      first1.summary?.metrics.http_reqs?.values.count,
      'base requests',
    );
    assert.equal(await requests('compare-new'), 120, 'new requests');
    // Different paths: each endpoint appears once, on its own side, with compare's status.
    const endpoints = await page
      .locator('[data-testid=compare-endpoints] tbody tr[data-endpoint]')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status')));
    assert.deepEqual(
      endpoints,
      cmp.endpoints.map((e) => e.status),
    );
    assert.deepEqual([...endpoints].sort(), ['added', 'removed']);
    for (const chart of ['compare-chart-throughput', 'compare-chart-latency']) {
      const box = await page.locator(`[data-testid=${chart}] canvas`).first().boundingBox();
      assert.ok(box && box.width > 200 && box.height > 100, `${chart} is visible`);
    }
    // The regression verdict is volley compare's.
    const verdict = page.getByTestId('compare-verdict');
    await verdict.waitFor();
    assert.equal(await verdict.getAttribute('data-verdict'), cmp.verdict);
    assert.match(
      (await verdict.textContent()) ?? '',
      cmp.verdict === 'passed' ? /No regression/ : /Regressed/,
    );
  });

  it('sorts the history by a column and deletes a run', async () => {
    await page.goto(`${serve.url}/#/`);
    await page.locator(`[data-testid=run-row][data-run-id="${second}"]`).waitFor();
    const order = (): Promise<(string | null)[]> =>
      page
        .locator('[data-testid=run-row]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')));
    // The first run lasted longer (stopped after several seconds) than the 3 s second one.
    await page.locator('th[data-sort=durationMs]').click();
    assert.deepEqual(await order(), [first, second], 'longest first');
    await page.locator('th[data-sort=durationMs]').click();
    assert.deepEqual(await order(), [second, first], 'shortest first');

    const del = page.locator(`[data-testid=run-row][data-run-id="${second}"] [data-testid=delete-button]`);
    await del.click();
    assert.equal(await del.textContent(), 'Confirm delete', 'a first click only asks');
    await del.click();
    await until(
      () => page.getByTestId('run-row').count(),
      (n) => n === 1,
      5000,
      'rows after delete',
    );
    const res = await fetch(`${serve.url}/api/runs/${encodeURIComponent(second)}`);
    assert.equal(res.status, 404);
  });

  it('offers only test files in the script picker, not summaries or helper modules', async () => {
    const scripts = join(dir, 'scripts');
    writeFileSync(join(scripts, 'smoke.ts'), 'export default { scenarios: {} };\n');
    writeFileSync(join(scripts, 'helpers.ts'), 'export const x = 1;\n');
    writeFileSync(join(scripts, 'sum.json'), JSON.stringify({ schema: 'volley.summary/1', metrics: {} }));
    writeFileSync(join(scripts, 'load.yaml'), 'scenarios:\n  a: { executor: shared-iterations, flow: [] }\n');
    await page.goto(`${serve.url}/#/new`);
    await page.getByTestId('mode-script').click();
    const options = page.locator('[data-testid=new-script] option[value]:not([value=""])');
    await until(
      () => options.count(),
      (n) => n > 0,
      5000,
      'script options',
    );
    assert.deepEqual(await options.evaluateAll((o) => o.map((x) => x.getAttribute('value'))), [
      'load.yaml',
      'smoke.ts',
    ]);
  });

  it('shows a run started from a terminal as live as one started here', async () => {
    const path = '/api/terminal';
    // Long enough to outlast a slow start of the page; stopped with SIGINT once checked.
    let child: ChildProcess | undefined;
    const cli = runCli(
      [
        'run',
        '--url',
        `${target.url}${path}`,
        '--rate',
        '40',
        '-d',
        '60s',
        '--threshold',
        'http_req_duration:p(99)<1000',
        '-q',
        '--db',
        join(dir, 'volley.db'),
      ],
      { onSpawn: (c) => (child = c) },
    );
    const runs = (): Promise<{ id: string; name: string }[]> => api('/api/runs');
    const id = (
      await until(
        async () => (await runs()).find((r) => r.name === `${target.url}${path}`),
        (r) => r !== undefined,
        // A CLI start on a busy 2-core machine can take many seconds; it is a wait, not a delay.
        30_000,
        'the terminal run in the history',
      )
    )?.id as string;
    await page.goto(`${serve.url}/#/runs/${encodeURIComponent(id)}`);
    await page.getByTestId('live-view').waitFor();
    // Every KPI card carries a number, as for a run started from the form.
    await until(
      () => kpi(page, 'kpi-rps'),
      (v) => v !== null && v > 0,
      8000,
      'RPS KPI of the terminal run',
    );
    for (const k of ['kpi-p50', 'kpi-p99', 'kpi-vus', 'kpi-requests', 'kpi-elapsed', 'kpi-error-rate']) {
      const v = await kpi(page, k);
      assert.ok(v !== null && v >= 0, `${k} shows a number, got ${v}`);
    }
    const row = page.locator('[data-testid=endpoint-table] tbody tr[data-endpoint]');
    await until(
      () => row.count(),
      (n) => n === 1,
      3000,
      'endpoint rows',
    );
    assert.match((await row.first().getAttribute('data-endpoint')) ?? '', /\/api\/terminal/);
    const thresholdRows = page.locator('[data-testid=thresholds] tbody tr');
    await until(
      () => thresholdRows.count(),
      (n) => n === 1,
      3000,
      'threshold rows',
    );
    assert.equal(await thresholdRows.first().getAttribute('data-ok'), 'true');
    assert.notEqual(await page.getByTestId('gauge-generator-rss').getAttribute('data-value'), '');
    assert.match((await page.getByTestId('saturated-flag').textContent()) ?? '', /^(yes|no)$/);
    // The header links to it as the run in progress; its Stop button signals the terminal's process.
    assert.equal(
      await page.getByTestId('active-run').getAttribute('href'),
      `#/runs/${encodeURIComponent(id)}`,
    );
    await page.getByTestId('stop-elsewhere').waitFor();
    await page.getByTestId('stop-button').click();
    // A safety net only: the button is what should end it.
    const net = setTimeout(() => child?.kill('SIGINT'), 20_000);
    const done = await cli;
    clearTimeout(net);
    assert.match(done.stderr, /SIGTERM/, 'the run was stopped by the server, not the safety net');
    assert.equal(done.code, 130, done.stderr);
    await page.getByTestId('run-detail').waitFor({ timeout: 15_000 });
  });

  it('left no console errors or warnings and no page errors', () => {
    assert.deepEqual(problems, []);
  });
});

describe('dashboard with an access token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-e2e-token-'));
  mkdirSync(join(dir, 'scripts'));
  let serve: ServeProcess;
  let browser: Browser;

  before(async () => {
    serve = await startServe(dir, ['--token', 's3cret-token']);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads ?token= once, drops it from the address bar, and sends it on every request', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${serve.url}/?token=s3cret-token#/`);
    await page.getByTestId('runs-empty').waitFor();
    assert.doesNotMatch(page.url(), /token/, 'the token left the URL');
    assert.equal(new URL(page.url()).hash, '#/');
    // Still authorized after navigating within the app (sessionStorage, not the URL).
    await page.getByTestId('nav-new').click();
    await page.getByTestId('new-run-form').waitFor();
    await page.getByTestId('mode-script').click();
    await page.getByTestId('new-script').waitFor();
    await page.reload();
    await page.getByTestId('new-run-form').waitFor();
    await page.getByTestId('system-info').waitFor();
    assert.equal(await page.getByTestId('server-unreachable').count(), 0);
    assert.deepEqual(problems, []);

    // A fresh tab without the token is refused, and says how to get in.
    const other = await browser.newPage();
    await other.goto(`${serve.url}/#/`);
    const err = await other.getByTestId('runs-error').textContent();
    assert.match(err ?? '', /token/);
    await other.close();
    await page.close();
  });
});
