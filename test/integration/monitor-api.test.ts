/**
 * A run posted to a real `volley serve` with a `monitor` in its body watches the target process
 * (a child server, by pid) and the stored summary has its readings, including the memory share of
 * the limit the body gave and a threshold on it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { RunDetail } from '../../src/server/wire.js';
import { api } from '../helpers/api-client.js';
import { startChildServer } from '../helpers/child-server.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

describe('POST /api/runs with monitor', () => {
  let server: ServeProcess;
  let target: Awaited<ReturnType<typeof startChildServer>>;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'volley-monitor-api-'));
    server = await startServeProcess(['--db', join(dir, 'runs.db')]);
    target = await startChildServer(fileURLToPath(new URL('../fixtures/stall-server.js', import.meta.url)), [
      '0',
      '3600000',
    ]);
  });
  after(async () => {
    await server.stop();
    await target.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function finished(id: string): Promise<RunDetail> {
    const t0 = Date.now();
    let run: RunDetail | undefined;
    while (Date.now() - t0 < 30_000) {
      run = (await api<RunDetail>(server.url, `/api/runs/${id}`)).body;
      if (run.summary || run.status === 'error') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(run, 'the run is listed');
    return run;
  }

  it("a quick-mode body's monitor records the target's CPU, fds, sockets and memory %", async () => {
    const r = await api<{ id: string }>(server.url, '/api/runs', {
      method: 'POST',
      body: {
        url: `${target.url}/`,
        rate: 100,
        duration: '3s',
        monitor: { pids: [target.child.pid], memoryLimit: '20MB' },
        thresholds: ['target_memory_percent:max<75'],
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const run = await finished(r.body.id);
    const m = run.summary?.metrics ?? {};
    assert.ok((m.target_cpu_percent?.values.count ?? 0) >= 2, JSON.stringify(Object.keys(m)));
    assert.ok((m.target_open_fds?.values.max ?? 0) > 0);
    assert.ok((m.target_sockets?.values.max ?? 0) >= 1);
    // A node server holds far more than 75% of 20 MB: the threshold fails.
    const t = run.summary?.thresholds.results.find((x) => x.metric === 'target_memory_percent');
    assert.equal(t?.ok, false, JSON.stringify(t));
    assert.equal(run.exitCode, 99);
  });

  it('a malformed monitor is a 400 with every problem', async () => {
    const r = await api<{ error: string; details: string[] }>(server.url, '/api/runs', {
      method: 'POST',
      body: { url: `${target.url}/`, rate: 5, monitor: { pids: ['x'], cpu: true } },
    });
    assert.equal(r.status, 400);
    assert.ok(r.body.details.length >= 2, JSON.stringify(r.body));
  });
});
