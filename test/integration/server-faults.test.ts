/**
 * `volley serve` under faults, with real processes on one real SQLite file: two servers racing
 * for the one-run slot, a server killed mid-run (its job must stop its load), a run left alive
 * by another process stopped from a restarted server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunDetail, RunListItem, SeriesResponse } from '../../src/server/wire.js';
import { pidAlive } from '../../src/store/pid-alive.js';
import { RunStore } from '../../src/store/run-store.js';
import { api } from '../helpers/api-client.js';
import { CLI } from '../helpers/cli.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-faults-'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Every process a test leaves recorded as running a run is ended here, whatever failed. */
function killRunners(db: string): void {
  const store = RunStore.open(db);
  try {
    for (const r of store.active()) {
      const p = store.runner(r.id);
      if (p && pidAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
    }
  } finally {
    store.close();
  }
}

describe('volley serve: faults', () => {
  let target: CountingServer;
  before(async () => {
    target = await startCountingServer();
  });
  after(() => target.close());

  it('two servers on one store: exactly one run active, the others 409, none interrupted while it sends', async () => {
    const db = join(dir, 'two.db');
    const a = await startServeProcess(['--db', db]);
    const b = await startServeProcess(['--db', db]);
    let polling = true;
    const seen: { active: number; interruptedWhileSending: string[] } = {
      active: 0,
      interruptedWhileSending: [],
    };
    const started: string[] = [];
    // Both servers reconcile the store on every list: the race the guard must survive.
    const poll = async (base: string): Promise<void> => {
      while (polling) {
        const runs = (await api<RunListItem[]>(base, '/api/runs?limit=50')).body;
        seen.active = Math.max(
          seen.active,
          runs.filter((r) => ['starting', 'running'].includes(r.status)).length,
        );
        await sleep(25);
      }
    };
    try {
      const loops = [poll(a.url), poll(b.url)];
      const posts = await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          await sleep(i * 60);
          return api<{ id: string; error: string }>(i % 2 ? b.url : a.url, '/api/runs', {
            method: 'POST',
            body: { url: `${target.url}/race`, rate: 20, duration: '2s' },
          });
        }),
      );
      for (const p of posts) if (p.status === 201) started.push(p.body.id);
      assert.deepEqual(
        posts.map((p) => p.status).sort(),
        [201, ...Array<number>(9).fill(409)],
        'one of ten POSTs starts a run',
      );
      for (const p of posts.filter((x) => x.status === 409)) assert.match(p.body.error, /is (still )?active/);
      const id = started[0] as string;
      const end = await until('the run ends', 60_000, async () => {
        const r = (await api<RunDetail>(a.url, `/api/runs/${id}`)).body;
        if (r.status === 'interrupted') seen.interruptedWhileSending.push(id);
        return ['starting', 'running', 'interrupted'].includes(r.status) ? undefined : r;
      });
      polling = false;
      await Promise.all(loops);
      assert.equal(seen.active, 1, 'never more than one active run in any listing');
      assert.deepEqual(seen.interruptedWhileSending, [], 'never marked interrupted while its process sends');
      assert.equal(end.status, 'finished');
      assert.equal(end.requests, target.byPath().get('/race'), 'the one run sent everything the target saw');
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${a.stderr()}\n${b.stderr()}`);
    } finally {
      polling = false;
      await a.stop();
      await b.stop();
      killRunners(db);
    }
  });

  it('SIGKILL of the server mid-run: its job stops the load within 5 s, stores it as aborted; a restarted server starts a new run', async () => {
    const db = join(dir, 'kill.db');
    let server: ServeProcess | undefined = await startServeProcess(['--db', db]);
    try {
      const post = await api<{ id: string }>(server.url, '/api/runs', {
        method: 'POST',
        body: { url: `${target.url}/orphan`, rate: 100, duration: '30s' },
      });
      assert.equal(post.status, 201);
      const id = post.body.id;
      const count = (): number => target.byPath().get('/orphan') ?? 0;
      await until('the target sees the run', 15_000, async () => (count() >= 50 ? true : undefined));
      server.child.kill('SIGKILL');
      const killedAt = Date.now();
      // The load stops: no request arrives during a whole second, and that happens within 5 s.
      let last = count();
      let quietSince = Date.now();
      while (Date.now() - quietSince < 1000) {
        await sleep(100);
        if (count() !== last) {
          last = count();
          quietSince = Date.now();
        }
        assert.ok(Date.now() - killedAt < 7000, `still sending ${Date.now() - killedAt} ms after the kill`);
      }
      assert.ok(
        quietSince - killedAt <= 5000,
        `the last request came ${quietSince - killedAt} ms after the kill`,
      );
      // What it measured is stored, as aborted, with its seconds.
      const store = RunStore.open(db);
      try {
        const run = await until('the run is stored as ended', 10_000, () => {
          const r = store.get(id);
          return Promise.resolve(r && !['starting', 'running'].includes(r.status) ? r : undefined);
        });
        assert.equal(run.status, 'finished');
        assert.equal(run.verdict, 'aborted');
        assert.match(run.summary?.state.abortDetail ?? '', /server that started this run is gone/);
        assert.equal(run.requests, count(), 'every request the target saw is in the stored summary');
        assert.ok(store.series(id).length >= 1, 'its per-second series is kept');
      } finally {
        store.close();
      }
      server = await startServeProcess(['--db', db]);
      const next = await api<{ id: string }>(server.url, '/api/runs', {
        method: 'POST',
        body: { url: `${target.url}/after`, rate: 10, duration: '1s' },
      });
      assert.equal(next.status, 201, 'a restarted server starts a new run');
      const ended = await until('the new run ends', 15_000, async () => {
        const r = (await api<RunDetail>((server as ServeProcess).url, `/api/runs/${next.body.id}`)).body;
        return ['starting', 'running'].includes(r.status) ? undefined : r;
      });
      assert.equal(ended.status, 'finished');
    } finally {
      await server?.stop();
      killRunners(db);
    }
  });

  it('a run this server did not start (a terminal run) can be stopped from the API: SIGTERM to its recorded process', async () => {
    const db = join(dir, 'foreign.db');
    const server = await startServeProcess(['--db', db]);
    const cli = spawn(
      process.execPath,
      [CLI, 'run', '--url', `${target.url}/foreign`, '--rate', '50', '-d', '30s', '--db', db],
      {
        env: { ...process.env, CI: 'true', NO_COLOR: '1' },
        stdio: 'ignore',
      },
    );
    const exited = new Promise<number | null>((r) => cli.once('exit', (code) => r(code)));
    try {
      const run = await until('the terminal run is running', 15_000, async () => {
        const runs = (await api<RunListItem[]>(server.url, '/api/runs?status=running')).body;
        return runs.find((r) => r.source === 'cli');
      });
      assert.equal((await api(server.url, `/api/runs/${run.id}`, { method: 'DELETE' })).status, 409);
      const busy = await api(server.url, '/api/runs', {
        method: 'POST',
        body: { url: `${target.url}/x`, rate: 1, duration: '1s' },
      });
      assert.equal(busy.status, 409, 'the terminal run holds the slot');
      const stop = await api(server.url, `/api/runs/${run.id}/stop`, { method: 'POST' });
      assert.equal(stop.status, 202);
      const t0 = Date.now();
      assert.equal(await exited, 130, 'it stops as on SIGTERM');
      assert.ok(Date.now() - t0 < 5000);
      const stored = (await api<RunDetail>(server.url, `/api/runs/${run.id}`)).body;
      assert.equal(stored.status, 'finished');
      assert.equal(stored.verdict, 'aborted');
      const series = (await api<SeriesResponse>(server.url, `/api/runs/${run.id}/series`)).body.points;
      assert.ok(series.length >= 1);
      assert.equal((await api(server.url, `/api/runs/${run.id}`, { method: 'DELETE' })).status, 204);
    } finally {
      if (cli.exitCode === null) cli.kill('SIGKILL');
      await server.stop();
    }
  });
});
