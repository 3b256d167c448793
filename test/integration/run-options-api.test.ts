/**
 * `GET /api/run-options` from a real `volley serve`: it serves the definition the API validates
 * with, and a body built from the served fields the way the dashboard's form builds it is accepted
 * and run; what the target received is what the stored summary counts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunDetail } from '../../src/server/wire.js';
import { runOptionsResponse, type RunOptionsResponse } from '../../src/session/run-options.js';
import { startTarget, type RunningTarget } from '../../src/target/index.js';
import { api } from '../helpers/api-client.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

describe('GET /api/run-options', () => {
  let server: ServeProcess;
  let target: CountingServer;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'volley-run-options-'));
    server = await startServeProcess(['--db', join(dir, 'runs.db')]);
    target = await startCountingServer();
  });
  after(async () => {
    await server.stop();
    await target.close();
  });

  it('serves the run options’ form fields', async () => {
    const r = await api<RunOptionsResponse>(server.url, '/api/run-options');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, runOptionsResponse());
    assert.ok(r.body.fields.some((f) => f.field === 'http2' && f.input === 'switch'));
  });

  it('a body made of the served fields’ initial values (and the URL) is accepted and runs', async () => {
    const { body: options } = await api<RunOptionsResponse>(server.url, '/api/run-options');
    const body: Record<string, unknown> = { url: target.url };
    for (const f of options.fields) {
      if (f.initial === undefined || (f.group && f.field !== 'rate')) continue;
      if (f.input === 'number') body[f.field] = Number(f.initial);
      else if (f.input === 'lines') body[f.field] = String(f.initial).split('\n');
      else body[f.field] = f.initial;
    }
    body.duration = '2s'; // the form's 30 s default is longer than a test needs
    const r = await api<{ id: string }>(server.url, '/api/runs', { method: 'POST', body });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const t0 = Date.now();
    let run: RunDetail | undefined;
    while (Date.now() - t0 < 30_000) {
      run = (await api<RunDetail>(server.url, `/api/runs/${r.body.id}`)).body;
      if (run.summary) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(run?.summary, 'the run finished');
    assert.equal(run.summary.metrics.http_reqs?.values.count, target.count());
    assert.ok(target.count() >= 80, `received ${target.count()}`);
  });

  it('a ws:// URL runs WebSocket quick mode from the API: the stored summary counts what the target saw', async () => {
    const ws: RunningTarget = await startTarget({ port: 0, host: '127.0.0.1' });
    try {
      const url = `${ws.url.replace(/^http/, 'ws')}/ws/echo`;
      const r = await api<{ id: string }>(server.url, '/api/runs', {
        method: 'POST',
        body: { url, vus: 2, duration: '1s', body: 'ping' },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      let run: RunDetail | undefined;
      const t0 = Date.now();
      while (Date.now() - t0 < 30_000) {
        run = (await api<RunDetail>(server.url, `/api/runs/${r.body.id}`)).body;
        if (run.summary) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.ok(run?.summary, 'the run finished');
      const seen = ws.stats().ws;
      assert.ok(seen.messagesReceived >= 10, `target received ${seen.messagesReceived}`);
      assert.equal(run.summary.metrics.ws_msgs_sent?.values.count, seen.messagesReceived);
      assert.equal(run.summary.metrics.ws_sessions?.values.count, seen.sessions);
    } finally {
      await ws.close();
    }
  });

  it('a URL of another scheme is refused, naming the schemes', async () => {
    const r = await api<{ error: string; details?: string[] }>(server.url, '/api/runs', {
      method: 'POST',
      body: { url: 'ftp://127.0.0.1/', rate: 5 },
    });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.details ?? [r.body.error], [
      'url: must start with http://, https://, ws:// or wss://',
    ]);
  });

  it('a field of the wrong type is refused with the definition’s schema', async () => {
    const r = await api<{ error: string; details?: string[] }>(server.url, '/api/runs', {
      method: 'POST',
      body: { url: target.url, rate: 5, http2: 'yes' },
    });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.details ?? [r.body.error], ['http2: must be boolean']);
  });
});
