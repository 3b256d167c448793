/**
 * The dashboard's agent pool in Debian's headless Chromium: the Agents page against a real
 * nats-server and two real `volley agent` processes, a distributed run started from the form and
 * its run page's agents table, a run that loses an agent shown degraded, and a server with no pool.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium, recordPageErrors } from '../helpers/chromium.js';
import type { RunDetail } from '../../src/server/wire.js';
import { api } from '../helpers/api-client.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { startAgent, startNats, type AgentProcess, type NatsServer } from '../helpers/nats.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

const CLEAN_ENV = { VOLLEY_TOKEN: '', VOLLEY_DB: '', VOLLEY_NATS_URL: '' };

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  let v = await read();
  while (!ok(v)) {
    if (Date.now() > end) assert.fail(`${what}: still ${JSON.stringify(v).slice(0, 1000)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}

describe('dashboard: the agent pool in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-e2e-agents-'));
  let nats: NatsServer;
  const agents: AgentProcess[] = [];
  let serve: ServeProcess;
  let bare: ServeProcess;
  let target: CountingServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    nats = await startNats();
    agents.push(
      ...(await Promise.all([
        startAgent(nats.url, 'e2e-agent-1', ['--tags', 'zone=eu', '--workers', '1']),
        startAgent(nats.url, 'e2e-agent-2', ['--tags', 'zone=us', '--workers', '1']),
      ])),
    );
    serve = await startServeProcess(['--db', join(dir, 'runs.db'), '--nats', nats.url], CLEAN_ENV);
    bare = await startServeProcess(['--db', join(dir, 'bare.db')], CLEAN_ENV);
    target = await startCountingServer();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(15_000);
    recordPageErrors(page, problems);
  });

  after(async () => {
    await browser?.close();
    await serve?.stop();
    await bare?.stop();
    await Promise.all(agents.map((a) => a.stop()));
    await nats?.close();
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the Agents page lists both agents by name, with their tags and state', async () => {
    await page.goto(`${serve.url}/#/`);
    await page.getByTestId('nav-agents').click();
    await page.waitForURL(/#\/agents$/);
    const rows = page.locator('[data-testid=agent-row]');
    await until(
      () => rows.count(),
      (n) => n === 2,
      10_000,
      'two agent rows',
    );
    assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-name'))), [
      'e2e-agent-1',
      'e2e-agent-2',
    ]);
    assert.equal(await rows.nth(0).getByTestId('agent-tags').textContent(), 'zone=eu');
    assert.equal(await rows.nth(1).getByTestId('agent-state').textContent(), 'idle');
    assert.match((await page.getByTestId('agents-pool').textContent()) ?? '', new RegExp(nats.url));
    assert.deepEqual(problems, []);
  });

  it('a run started from the form with 2 agents shows the agents table on its run page', async () => {
    await page.goto(`${serve.url}/#/new`);
    await page.getByTestId('new-url').fill(`${target.url}/form`);
    await page.getByTestId('new-loop-rate').check();
    await page.getByTestId('new-rate').fill('30');
    await page.getByTestId('new-duration').fill('3s');
    await page.getByTestId('new-thresholds').fill('');
    await page.getByTestId('new-agents').fill('2');
    await page.getByTestId('new-agent-tags').fill('zone=eu,');
    // A malformed tag list is refused by the server, with its message in the form.
    await page.getByTestId('new-submit').click();
    await page.getByTestId('form-error').waitFor();
    assert.match((await page.getByTestId('form-error').textContent()) ?? '', /agentTags: must be key=value/);
    // The browser logs the refused POST itself: that one 400 is expected.
    const refused = problems.findIndex((p) => p.includes('status of 400'));
    assert.ok(refused >= 0, 'the POST was refused with a 400');
    problems.splice(refused, 1);
    await page.getByTestId('new-agent-tags').fill('');
    await page.getByTestId('new-submit').click();
    await page.waitForURL(/#\/runs\/[^/]+$/);
    const id = decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');
    await page.getByTestId('run-detail').waitFor({ timeout: 30_000 });
    const table = page.getByTestId('distributed-agents');
    await table.waitFor();
    const names = await table
      .locator('[data-testid=distributed-agent] td:first-child')
      .evaluateAll((els) => els.map((e) => e.textContent).sort());
    assert.deepEqual(names, ['e2e-agent-1', 'e2e-agent-2']);
    assert.equal(await page.getByTestId('distributed-degraded').count(), 0, 'not degraded');
    const { body: run } = await api<RunDetail>(serve.url, `/api/runs/${id}`);
    assert.deepEqual(run.request, {
      url: `${target.url}/form`,
      rate: 30,
      duration: '3s',
      method: 'GET',
      agents: 2,
    });
    assert.equal(run.summary?.metrics.http_reqs?.values.count, target.byPath().get('/form'));
    assert.deepEqual(problems, []);
  });

  it('a run that loses an agent is shown degraded, with the lost line', async () => {
    // Free again after the last run, before the next one reserves them.
    await until(
      async () => (await api<{ agents: { state: string }[] }>(serve.url, '/api/agents')).body.agents,
      (list) => list.length === 2 && list.every((a) => a.state === 'idle'),
      10_000,
      'both agents idle',
    );
    const r = await api<{ id: string }>(serve.url, '/api/runs', {
      method: 'POST',
      body: { url: `${target.url}/lose`, rate: 20, duration: '9s', agents: 2 },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await until(
      () => Promise.resolve(target.byPath().get('/lose') ?? 0),
      (n) => n >= 20,
      15_000,
      'load',
    );
    // SIGKILL, as a crashed machine: the controller hears nothing more from it.
    (agents[1] as AgentProcess).child.kill('SIGKILL');
    await page.goto(`${serve.url}/#/runs/${r.body.id}`);
    await page.getByTestId('run-detail').waitFor({ timeout: 30_000 });
    await page.getByTestId('run-degraded').waitFor();
    await page.getByTestId('distributed-degraded').waitFor();
    const lost = (await page.getByTestId('distributed-lost').textContent()) ?? '';
    assert.match(lost, /agent e2e-agent-2 .* at second \d+/);
    const lostRow = page.locator('[data-testid=distributed-agent][data-state=lost]');
    assert.equal(await lostRow.count(), 1);
    assert.equal(await lostRow.locator('td:first-child').textContent(), 'e2e-agent-2');
  });

  it('a server without a pool: the Agents page says how to start one; the form turns the agent fields off', async () => {
    await page.goto(`${bare.url}/#/agents`);
    await page.getByTestId('agents-no-pool').waitFor();
    assert.match((await page.getByTestId('agents-no-pool').textContent()) ?? '', /volley serve --nats/);
    await page.goto(`${bare.url}/#/new`);
    await page.getByTestId('new-agents-unavailable').waitFor();
    assert.equal(await page.getByTestId('new-agents').isDisabled(), true);
    assert.equal(await page.getByTestId('new-agent-tags').isDisabled(), true);
  });
});
