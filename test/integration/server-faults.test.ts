/**
 * `volley serve` under faults, with real processes on one real SQLite file: two servers racing
 * for the one-run slot, a server killed mid-run (its job must stop its load), a run left alive
 * by another process stopped from a restarted server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { RunDetail, RunListItem, SeriesResponse } from '../../src/server/wire.js';
import { pidAlive } from '../../src/store/pid-alive.js';
import { RunStore } from '../../src/store/run-store.js';
import { api } from '../helpers/api-client.js';
import { CLI, runCli } from '../helpers/cli.js';
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

/** A real store with many pages, then `tables`' pages overwritten with junk through plain file writes. */
function damagedStore(path: string, tables: string[]): string[] {
  const store = RunStore.open(path);
  const db = store.database;
  const ids: string[] = [];
  const padding = 'x'.repeat(2000);
  for (let i = 0; i < 60; i++) {
    const id = `${String(i).padStart(8, '0')}-aaaa-bbbb-cccc-dddddddddddd`;
    store.createRun({ id, source: 'cli', name: `run ${i}`, request: { padding } });
    store.failRun(id, 'old', 1);
    ids.push(id);
  }
  const second = db.prepare(
    'INSERT INTO run_seconds (run_id, second, point_json, generator_json) VALUES (?, ?, ?, ?)',
  );
  for (let s = 0; s < 300; s++) second.run(ids[0], s, JSON.stringify({ second: s, padding }), '{}');
  const pages = db
    .prepare(`SELECT pageno FROM dbstat WHERE name IN (${tables.map(() => '?').join(',')})`)
    .all(...tables) as { pageno: number }[];
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  store.close(); // checkpoints the WAL into the file
  const fd = openSync(path, 'r+');
  const junk = Buffer.alloc(pageSize, 0x5a);
  for (const { pageno } of pages) writeSync(fd, junk, 0, pageSize, (pageno - 1) * pageSize);
  closeSync(fd);
  return ids;
}

describe('volley serve and the store: hostile input and damaged files', () => {
  it('API input matrix: every case is a 4xx with its reason, never a 500, and no job folder is left', async () => {
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const db = join(dir, 'input.db');
    const s = await startServeProcess(['--db', db], { TMPDIR: tmp });
    try {
      // As text: JSON.stringify itself overflows the stack on 5,000 levels.
      const nested = (levels: number): string =>
        `{"config":{"scenarios":{"s":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}}}`;
      const raw = (text: string): Promise<{ status: number; body: unknown }> =>
        api(s.url, '/api/runs', {
          method: 'POST',
          raw: text,
          headers: { 'content-type': 'application/json' },
        });
      const post = (body: unknown): Promise<{ status: number; body: { error: string } }> =>
        api(s.url, '/api/runs', { method: 'POST', body });
      const url = 'http://127.0.0.1:9/x';
      const cases: [string, () => Promise<{ status: number; body: unknown }>, RegExp][] = [
        ['limit=1e20', () => api(s.url, '/api/runs?limit=1e20'), /limit: must be an integer from 1 to 10000/],
        ['limit=0', () => api(s.url, '/api/runs?limit=0'), /limit/],
        ['limit=abc', () => api(s.url, '/api/runs?limit=abc'), /limit/],
        ['config 5,000 deep', () => raw(nested(5000)), /nested more than 64 levels/],
        ['config 1,000 deep', () => raw(nested(1000)), /nested more than 64/],
        ['config 65 deep', () => raw(nested(65)), /config\.scenarios\.s\.a\.a.*nested more than 64/],
        ['rate 1e400', () => raw(`{"url":"${url}","rate":1e400}`), /rate/],
        ['vus 1e20', () => post({ url, vus: 1e20 }), /vus/],
        ['duration 1e20 days', () => post({ url, vus: 1, duration: '100000000000000000000d' }), /duration/],
        [
          'timeout 10000 days',
          () => post({ url, vus: 1, timeout: '10000d' }),
          /timeout: must be at most 30d/,
        ],
        ['header name 10 kB', () => post({ url, vus: 1, headers: { ['x'.repeat(10_000)]: 'v' } }), /headers/],
        [
          'env 2,000 names',
          () =>
            post({
              config: {},
              env: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`E${i}`, 'v'])),
            }),
          /env/,
        ],
        [
          'percentile 1e20',
          () => api(s.url, '/api/runs/00000000-0000-0000-0000-000000000000/percentiles?p=1e20'),
          /no run/,
        ],
        [
          'PATCH vus 1e20',
          () =>
            api(s.url, '/api/runs/00000000-0000-0000-0000-000000000000', {
              method: 'PATCH',
              body: { vus: 1e20 },
            }),
          /no run/,
        ],
      ];
      const got: string[] = [];
      for (const [name, call, reason] of cases) {
        const r = await call();
        got.push(`${name}: ${r.status}`);
        assert.ok(r.status >= 400 && r.status < 500, `${name}: ${r.status} ${JSON.stringify(r.body)}`);
        assert.match(JSON.stringify(r.body), reason, name);
      }
      assert.doesNotMatch(s.stderr(), /internal error/);
      assert.deepEqual(readdirSync(tmp), [], 'no job folder is left behind');
    } finally {
      await s.stop();
    }
  });

  it('a damaged store: every command exits 2 with one line saying what to do; the API answers 503 without a stack', async () => {
    const db = join(dir, 'damaged.db');
    const ids = damagedStore(db, ['runs', 'runs_created_at', 'runs_status']);
    const id = (ids[0] as string).slice(0, 8);
    const commands = [
      ['runs'],
      ['runs', 'show', id],
      ['runs', 'delete', id],
      ['runs', 'prune', '--older-than', '1d'],
      ['compare', id, (ids[1] as string).slice(0, 8)],
      ['report', id, '--format', 'md'],
    ];
    const results = await Promise.all(commands.map((args) => runCli([...args, '--db', db])));
    results.forEach((r, i) => {
      const what = (commands[i] as string[]).join(' ');
      assert.equal(r.code, 2, `${what}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `${what}: one line, got ${r.stderr}`);
      assert.match(
        lines[0] as string,
        /run store .* is damaged .*PRAGMA integrity_check.*restore a backup or move the file away/,
      );
    });
    // Only the per-second table damaged: the server starts, and the damaged read is a 503.
    const db2 = join(dir, 'damaged-series.db');
    const ids2 = damagedStore(db2, ['run_seconds']);
    const s = await startServeProcess(['--db', db2]);
    try {
      assert.equal((await api(s.url, '/api/runs?limit=5')).status, 200);
      const r = await api<{ error: string }>(s.url, `/api/runs/${ids2[0]}/series`);
      assert.equal(r.status, 503);
      assert.match(r.body.error, /is damaged .*integrity_check/);
      assert.doesNotMatch(r.body.error, /\n\s+at /);
      assert.doesNotMatch(s.stderr(), /internal error/);
    } finally {
      await s.stop();
    }
  });

  it('a 0-byte store file is said once, then used as a new store', async () => {
    const db = join(dir, 'zero.db');
    writeFileSync(db, '');
    const first = await runCli(['runs', '--db', db]);
    assert.equal(first.code, 0);
    assert.match(
      first.stderr,
      /notice: the run store .*zero\.db was an empty \(0-byte\) file: it is now a new, empty store/,
    );
    const second = await runCli(['runs', '--db', db]);
    assert.doesNotMatch(second.stderr, /notice/);
  });

  it('volley runs -n is bounded: 1e20 is a usage error, not a stack', async () => {
    const r = await runCli(['runs', '-n', '1e20', '--db', join(dir, 'n.db')]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), "error: --limit must be an integer from 1 to 10000 (got '1e20')");
  });
});

describe('volley serve without a token: no cross-site reads', () => {
  const db = join(dir, 'origin.db');
  const id = 'abcdef12-3456-4789-8abc-def012345678';
  let s: ServeProcess;
  before(async () => {
    const store = RunStore.open(db);
    store.createRun({ id, source: 'cli', name: 'seeded' });
    store.failRun(id, 'seeded', 1);
    store.close();
    s = await startServeProcess(['--db', db]);
  });
  after(() => s.stop());

  /** The first thing the live socket answers: the first message's type, or the refusal's status. */
  const live = (path: string, origin?: string): Promise<string> =>
    new Promise((resolve) => {
      const sock = new WebSocket(
        `${s.url.replace('http', 'ws')}${path}`,
        origin === undefined ? {} : { origin },
      );
      sock.on('message', (d: Buffer) => {
        resolve((JSON.parse(d.toString()) as { type: string }).type);
        sock.close();
      });
      sock.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      sock.on('error', () => undefined);
    });

  it('the live WebSocket refuses Origin: null and foreign origins, and id prefixes shorter than 8', async () => {
    assert.equal(await live(`/api/runs/${id}/live`), 'hello', 'a client without Origin (CLI, script)');
    assert.equal(await live(`/api/runs/${id}/live`, s.url), 'hello', 'the dashboard itself');
    assert.equal(await live(`/api/runs/${id}/live`, 'null'), '403', 'a sandboxed frame or file: page');
    assert.equal(await live(`/api/runs/${id}/live`, 'http://evil.example'), '403');
    assert.equal(await live(`/api/runs/abcd/live`), '404', 'a 4-digit prefix is guessable');
    assert.equal(await live(`/api/runs/abcdef12/live`), 'hello', 'the 8 digits the CLI prints');
    assert.equal((await api(s.url, '/api/runs/abcd')).status, 404);
    assert.equal((await api(s.url, '/api/runs/abcdef12')).status, 200);
    assert.equal((await api(s.url, '/api/runs', { headers: { origin: 'null' } })).status, 403);
  });

  it('an absolute-form request target naming another host is refused, as a foreign Host is', async () => {
    const raw = (target: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const { hostname, port } = new URL(s.url);
        const sock = connect(Number(port), hostname, () =>
          sock.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`),
        );
        let text = '';
        sock.on('data', (d: Buffer) => (text += d.toString()));
        sock.on('end', () => resolve(text.split('\r\n')[0] ?? ''));
        sock.on('error', reject);
      });
    assert.match(await raw('/api/runs'), / 200 /);
    assert.match(await raw('http://other.example/api/runs'), / 403 /);
    assert.match(await raw(`${s.url}/api/runs`), / 200 /, 'absolute-form naming this server is fine');
  });
});
