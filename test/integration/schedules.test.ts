/**
 * Scheduled regression runs against a real `volley serve` process and a real store file: a
 * schedule with a seconds cron fires, runs quick mode against a counting server, compares with
 * its previous run and posts the JSON and Slack webhooks to a local receiver when the target is
 * made slower; pause stops firing; a bad cron is a 400 naming the problem; the schedule survives
 * a restart of the server on the same store.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FiringItem, ScheduleListItem, ScheduleWebhookBody } from '../../src/server/wire.js';
import { api } from '../helpers/api-client.js';
import {
  startCountingServer,
  type CountingServer,
  type CountingServerOptions,
} from '../helpers/counting-server.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

const CLEAN_ENV = { VOLLEY_TOKEN: '', VOLLEY_DB: '', VOLLEY_NATS_URL: '' };

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  let v = await read();
  while (!ok(v)) {
    if (Date.now() > end) assert.fail(`${what}: still ${JSON.stringify(v).slice(0, 1500)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
    v = await read();
  }
  return v;
}

interface Received {
  path: string;
  body: unknown;
}

async function startReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', body: JSON.parse(text) as unknown });
      const status = req.url === '/fail' ? 500 : 200;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'broken');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('scheduled regression runs (volley serve)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-schedules-'));
  const db = join(dir, 'runs.db');
  let serve: ServeProcess;
  let target: CountingServer;
  const targetOpts: CountingServerOptions = {};
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let scheduleId = '';

  const firings = async (): Promise<FiringItem[]> =>
    (await api<FiringItem[]>(serve.url, `/api/schedules/${scheduleId}/firings`)).body;

  before(async () => {
    target = await startCountingServer(targetOpts);
    receiver = await startReceiver();
    serve = await startServeProcess(['--db', db], CLEAN_ENV);
  });

  after(async () => {
    await serve?.stop();
    await target?.close();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a bad cron, a bad run body and a bad tolerance are 400s naming the problem', async () => {
    const bad = await api<{ error: string; details: string[] }>(serve.url, '/api/schedules', {
      method: 'POST',
      body: { cron: '61 * * * *', run: { url: target.url, rate: 10, duration: '1s' } },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /^cron: '61 \* \* \* \*' is not a cron expression: .*minute/i);
    const short = await api<{ error: string }>(serve.url, '/api/schedules', {
      method: 'POST',
      body: { cron: 'every day', run: { url: target.url, rate: 10 } },
    });
    assert.equal(short.status, 400);
    assert.match(short.body.error, /five or six/);
    const many = await api<{ details: string[] }>(serve.url, '/api/schedules', {
      method: 'POST',
      body: { cron: '* * * * *', run: { url: 'ftp://x' }, tolerance: '15', webhooks: [{ url: 'x' }] },
    });
    assert.equal(many.status, 400);
    assert.ok(
      many.body.details.includes('webhooks.0.url: must start with http:// or https://'),
      many.body.details.join('\n'),
    );
    const content = await api<{ details: string[] }>(serve.url, '/api/schedules', {
      method: 'POST',
      body: { cron: '* * * * *', run: { url: 'ftp://x' }, tolerance: '15' },
    });
    assert.ok(
      content.body.details.some((d) => d.startsWith('run.url: ')),
      content.body.details.join('\n'),
    );
    assert.ok(
      content.body.details.some((d) => /^tolerance: '15' is ambiguous/.test(d)),
      content.body.details.join('\n'),
    );
    const script = await api<{ error: string }>(serve.url, '/api/schedules', {
      method: 'POST',
      body: { cron: '* * * * *', run: { script: 'nightly.ts' } },
    });
    assert.equal(script.status, 400);
    assert.match(script.body.error, /^script: no scripts folder/);
    const agents = await api<{ error: string }>(serve.url, '/api/schedules', {
      method: 'POST',
      body: { cron: '* * * * *', run: { url: target.url, rate: 10, agents: 2 } },
    });
    assert.equal(agents.status, 400);
    assert.match(agents.body.error, /^this server has no agent pool/);
    assert.deepEqual((await api(serve.url, '/api/schedules')).body, []);
  });

  it('fires on its cron, compares with the previous run and posts both webhooks on a regression', async () => {
    const created = await api<ScheduleListItem>(serve.url, '/api/schedules', {
      method: 'POST',
      body: {
        name: 'checkout nightly',
        cron: '*/3 * * * * *',
        run: { url: `${target.url}/checkout`, rate: 60, duration: '2s' },
        webhooks: [
          { url: `${receiver.url}/generic`, format: 'json' },
          { url: `${receiver.url}/slack`, format: 'slack' },
          // Answers 500: the failure is recorded, the other webhooks and the server go on.
          { url: `${receiver.url}/fail`, format: 'json' },
        ],
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    scheduleId = created.body.id;
    assert.equal(created.body.baseline, 'previous');
    assert.equal(created.body.tolerance, 0.1);
    assert.equal(created.body.paused, false);
    assert.ok(created.body.nextFireAt && Date.parse(created.body.nextFireAt) - Date.now() <= 3100);

    // The first run has no baseline: it passes and no webhook is posted.
    const first = await until(
      firings,
      (fs) => fs.some((f) => f.outcome === 'passed'),
      30_000,
      'a first passed firing',
    );
    const firstRun = first.find((f) => f.outcome === 'passed') as FiringItem;
    assert.equal(firstRun.baselineRunId, null);
    assert.ok(firstRun.runId);
    assert.equal(receiver.received.length, 0);
    const run = await api<{ source: string; requests: number }>(serve.url, `/api/runs/${firstRun.runId}`);
    assert.equal(run.body.source, 'schedule');
    assert.ok(run.body.requests >= 100, `requests ${run.body.requests}`);

    // Paused while the target is made slower, so the next run is wholly a slow one.
    const paused = await api<ScheduleListItem>(serve.url, `/api/schedules/${scheduleId}`, {
      method: 'PATCH',
      body: { paused: true },
    });
    assert.equal(paused.status, 200);
    assert.equal(paused.body.paused, true);
    assert.equal(paused.body.nextFireAt, null);
    // Let a firing in flight end, then nothing more fires while paused.
    await until(firings, (fs) => fs.every((f) => f.outcome !== 'running'), 30_000, 'no firing running');
    const countPaused = (await firings()).length;
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal((await firings()).length, countPaused, 'a paused schedule fired');

    targetOpts.delayMs = 40;
    const resumed = await api<ScheduleListItem>(serve.url, `/api/schedules/${scheduleId}`, {
      method: 'PATCH',
      body: { paused: false },
    });
    assert.equal(resumed.body.paused, false);
    const after = await until(
      firings,
      (fs) => fs.some((f) => f.outcome === 'regressed'),
      30_000,
      'a regressed firing',
    );
    const regressed = after.find((f) => f.outcome === 'regressed') as FiringItem;
    assert.equal(regressed.regressed, true);
    assert.equal(regressed.runVerdict, 'passed');
    assert.ok(regressed.regressions.length > 0);
    assert.match(regressed.regressions.join('\n'), /http_req_duration/);
    // Its baseline is the run before it: the last fast one.
    const older = after.filter((f) => f.id < regressed.id && f.runId !== null && f.outcome !== 'error');
    assert.equal(regressed.baselineRunId, older[0]?.runId);
    assert.deepEqual(
      regressed.webhooks.map((w) => [w.format, w.status]),
      [
        ['json', 200],
        ['slack', 200],
        ['json', 500],
      ],
    );
    assert.equal(regressed.webhooks[2]?.error, 'HTTP 500');
    assert.ok(serve.stderr().includes(`webhook ${new URL(receiver.url).host} answered 500`), serve.stderr());

    const generic = receiver.received.find(
      (r) => r.path === '/generic' && (r.body as ScheduleWebhookBody).runId === regressed.runId,
    );
    assert.ok(generic, `no generic webhook for ${regressed.runId}: ${JSON.stringify(receiver.received)}`);
    const body = generic.body as ScheduleWebhookBody;
    assert.equal(body.verdict, 'regressed');
    assert.equal(body.regressed, true);
    assert.equal(body.runVerdict, 'passed');
    assert.equal(body.schedule.id, scheduleId);
    assert.equal(body.schedule.name, 'checkout nightly');
    assert.equal(body.baselineRunId, regressed.baselineRunId);
    assert.equal(body.dashboardUrl, `${serve.url}/#/runs/${regressed.runId}`);
    assert.deepEqual(body.regressions, regressed.regressions);

    const slack = receiver.received.find((r) => r.path === '/slack');
    assert.ok(slack);
    const s = slack.body as {
      text: string;
      blocks: { type: string; text?: { type: string; text: string } }[];
    };
    assert.match(
      s.text,
      /^volley schedule "checkout nightly" regressed against its baseline \(run [0-9a-f]{8}\)$/,
    );
    assert.equal(s.blocks[0]?.type, 'section');
    assert.equal(s.blocks[0]?.text?.type, 'mrkdwn');
    assert.match(s.blocks[0]?.text?.text ?? '', /regression: yes/);
    assert.match(JSON.stringify(s.blocks), new RegExp(`#/runs/${regressed.runId}`));
  });

  it('survives a restart of the server on the same store and fires again', async () => {
    const before = (await firings()).length;
    assert.equal(await serve.stop(), 0);
    serve = await startServeProcess(['--db', db], CLEAN_ENV);
    const list = await api<ScheduleListItem[]>(serve.url, '/api/schedules');
    assert.equal(list.body.length, 1);
    assert.equal(list.body[0]?.id, scheduleId);
    assert.equal(list.body[0]?.paused, false);
    assert.ok(list.body[0]?.nextFireAt);
    assert.notEqual(list.body[0]?.lastFiring?.outcome, 'running');
    const fs = await until(
      firings,
      (f) => f.length > before && f[0]?.outcome !== 'running',
      30_000,
      'a firing after the restart',
    );
    assert.ok(fs[0]?.runId, JSON.stringify(fs[0]));
    assert.notEqual(fs[0]?.outcome, 'error', JSON.stringify(fs[0]));
    const del = await api(serve.url, `/api/schedules/${scheduleId}`, { method: 'DELETE' });
    assert.equal(del.status, 204);
    assert.equal((await api(serve.url, `/api/schedules/${scheduleId}`)).status, 404);
  });

  it('skips a firing while another run is active, and records the skip', async () => {
    targetOpts.delayMs = 0;
    const run = await api<{ id: string }>(serve.url, '/api/runs', {
      method: 'POST',
      body: { url: target.url, rate: 20, duration: '8s' },
    });
    assert.equal(run.status, 201);
    const created = await api<ScheduleListItem>(serve.url, '/api/schedules', {
      method: 'POST',
      body: { name: 'busy', cron: '*/2 * * * * *', run: { url: target.url, rate: 10, duration: '1s' } },
    });
    scheduleId = created.body.id;
    const fs = await until(
      firings,
      (f) => f.some((x) => x.outcome === 'skipped'),
      15_000,
      'a skipped firing',
    );
    const skipped = fs.find((x) => x.outcome === 'skipped') as FiringItem;
    assert.equal(skipped.runId, null);
    assert.match(skipped.error ?? '', new RegExp(`run ${run.body.id} was active`));
    await api(serve.url, `/api/schedules/${scheduleId}`, { method: 'DELETE' });
    await api(serve.url, `/api/runs/${run.body.id}/stop`, { method: 'POST' });
  });

  it("applies the API's token rules; an SLO failure posts the webhook with the --public-url link", async () => {
    const guarded = await startServeProcess(
      ['--db', join(dir, 'token.db'), '--token', 's3cret', '--public-url', 'https://volley.example.com/'],
      CLEAN_ENV,
    );
    try {
      assert.equal((await api(guarded.url, '/api/schedules')).status, 401);
      const post = await api(guarded.url, '/api/schedules', {
        method: 'POST',
        body: { cron: '0 3 * * *', run: { url: target.url, rate: 5 } },
      });
      assert.equal(post.status, 401);
      const ok = await api(guarded.url, '/api/schedules', { headers: { authorization: 'Bearer s3cret' } });
      assert.equal(ok.status, 200);
      // A cross-site page cannot create one through the browser.
      const cross = await api(serve.url, '/api/schedules', {
        method: 'POST',
        headers: { origin: 'http://evil.example' },
        body: { cron: '0 3 * * *', run: { url: target.url, rate: 5 } },
      });
      assert.equal(cross.status, 403);

      // A run that fails its SLO (p99 under 1 µs cannot hold) with no baseline yet: verdict failed.
      const auth = { authorization: 'Bearer s3cret' };
      const made = await api<ScheduleListItem>(guarded.url, '/api/schedules', {
        method: 'POST',
        headers: auth,
        body: {
          name: 'slo',
          cron: '*/2 * * * * *',
          run: { url: target.url, rate: 20, duration: '1s', thresholds: ['http_req_duration:p(99)<0.001'] },
          webhooks: [{ url: `${receiver.url}/slo` }],
        },
      });
      assert.equal(made.status, 201);
      const hook = await until(
        () => Promise.resolve(receiver.received.find((r) => r.path === '/slo')),
        (r) => r !== undefined,
        30_000,
        'the SLO webhook',
      );
      const body = hook?.body as ScheduleWebhookBody;
      assert.equal(body.verdict, 'failed');
      assert.equal(body.runVerdict, 'failed');
      assert.equal(body.regressed, false);
      assert.equal(body.baselineRunId, null);
      assert.equal(body.dashboardUrl, `https://volley.example.com/#/runs/${body.runId}`);
      await api(guarded.url, `/api/schedules/${made.body.id}`, {
        method: 'PATCH',
        headers: auth,
        body: { paused: true },
      });
    } finally {
      await guarded.stop();
    }
  });
});
