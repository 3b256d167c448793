/**
 * The Schedules page in Debian's headless Chromium against a real `volley serve`: a schedule made
 * through the API is listed, pausing it from the page pauses it on the server, and a schedule
 * created from the page's form (quick-mode fields, a cron) appears with its next fire time; a bad
 * cron shows the server's message.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import type { ScheduleListItem } from '../../src/server/wire.js';
import { api } from '../helpers/api-client.js';
import { launchChromium, recordPageErrors } from '../helpers/chromium.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

const CLEAN_ENV = { VOLLEY_TOKEN: '', VOLLEY_DB: '', VOLLEY_NATS_URL: '' };

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

describe('dashboard: the Schedules page in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-e2e-schedules-'));
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  let id = '';

  before(async () => {
    serve = await startServeProcess(['--db', join(dir, 'runs.db')], CLEAN_ENV);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(15_000);
    recordPageErrors(page, problems);
  });

  after(async () => {
    await browser?.close();
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists a schedule made through the API, and pausing it from the page pauses it', async () => {
    // Nightly at 03:00: it does not fire during the test.
    const created = await api<ScheduleListItem>(serve.url, '/api/schedules', {
      method: 'POST',
      body: { name: 'nightly full test', cron: '0 3 * * *', run: { url: 'http://127.0.0.1:9/', rate: 5 } },
    });
    assert.equal(created.status, 201);
    id = created.body.id;
    await page.goto(`${serve.url}/#/`);
    await page.getByTestId('nav-schedules').click();
    await page.waitForURL(/#\/schedules$/);
    const row = page.locator(`[data-testid=schedule-row][data-schedule-id="${id}"]`);
    await row.waitFor();
    assert.equal(await row.getByTestId('schedule-name-cell').textContent(), 'nightly full test');
    assert.equal(await row.getByTestId('schedule-state').textContent(), 'active');
    assert.notEqual(await row.getByTestId('schedule-next').textContent(), '—');
    assert.match((await row.getByTestId('schedule-outcome').count()) === 0 ? 'never' : '', /never/);

    await row.getByTestId('schedule-pause').click();
    await until(
      () => row.getByTestId('schedule-state').textContent(),
      (t) => t === 'paused',
      10_000,
      'the state',
    );
    assert.equal(await row.getByTestId('schedule-pause').textContent(), 'Resume');
    assert.equal(await row.getByTestId('schedule-next').textContent(), '—');
    const onServer = await api<ScheduleListItem>(serve.url, `/api/schedules/${id}`);
    assert.equal(onServer.body.paused, true);
    assert.equal(onServer.body.nextFireAt, null);

    await row.getByTestId('schedule-pause').click();
    await until(
      () => row.getByTestId('schedule-state').textContent(),
      (t) => t === 'active',
      10_000,
      'the state',
    );
    assert.equal((await api<ScheduleListItem>(serve.url, `/api/schedules/${id}`)).body.paused, false);
  });

  it('creates a schedule from the form; a bad cron shows the server message', async () => {
    await page.getByTestId('schedule-new').click();
    await page.getByTestId('schedule-name').fill('checkout hourly');
    await page.getByTestId('schedule-cron').fill('0 61 * * *');
    await page.getByTestId('new-url').fill('http://127.0.0.1:9/checkout');
    await page.getByTestId('new-rate').fill('20');
    await page.getByTestId('new-duration').fill('10s');
    await page.getByTestId('schedule-submit').click();
    const error = page.getByTestId('schedule-form-error');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /cron: '0 61 \* \* \*' is not a cron expression/);

    await page.getByTestId('schedule-cron').fill('15 * * * *');
    await page.getByTestId('schedule-tolerance').fill('5%');
    await page.getByTestId('schedule-submit').click();
    const rows = page.locator('[data-testid=schedule-row]');
    await until(
      () => page.locator('[data-testid=schedule-row]').count(),
      (n) => n === 2,
      10_000,
      'the rows',
    );
    const list = (await api<ScheduleListItem[]>(serve.url, '/api/schedules')).body;
    const made = list.find((s) => s.name === 'checkout hourly');
    assert.ok(made, JSON.stringify(list));
    assert.equal(made.cron, '15 * * * *');
    assert.equal(made.tolerance, 0.05);
    assert.equal(made.baseline, 'previous');
    // The form's default SLOs come along, as on the New run form: the run's own verdict.
    assert.deepEqual(made.run, {
      url: 'http://127.0.0.1:9/checkout',
      rate: 20,
      duration: '10s',
      method: 'GET',
      thresholds: ['http_req_duration:p(99)<500', 'http_req_failed:rate<0.01'],
    });
    assert.equal(await rows.count(), 2);

    const madeRow = page.locator(`[data-testid=schedule-row][data-schedule-id="${made.id}"]`);
    await madeRow.getByTestId('schedule-delete').click();
    await madeRow.getByTestId('schedule-delete').click();
    await until(
      () => page.locator('[data-testid=schedule-row]').count(),
      (n) => n === 1,
      10_000,
      'the rows',
    );
    assert.equal((await api(serve.url, `/api/schedules/${made.id}`)).status, 404);
    // The bad cron's 400 is the browser's one expected console error.
    assert.deepEqual(
      problems.filter((p) => !/status of 400/.test(p)),
      [],
    );
  });
});
