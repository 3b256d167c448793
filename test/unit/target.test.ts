import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { VolleyError } from '../../src/errors.js';
import {
  parseTargetOptions,
  startTarget,
  type RunningTarget,
  type TargetOptions,
} from '../../src/target/index.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field
  json: any;
  ms: number;
}

/** A started target plus a keep-alive client pool for it; both closed by `stop`. */
async function open(
  options: Partial<TargetOptions> = {},
  connections = 10,
): Promise<{ target: RunningTarget; pool: Pool; stop: () => Promise<void> }> {
  const target = await startTarget({ port: 0, host: '127.0.0.1', ...options });
  const pool = new Pool(target.url, { connections });
  return {
    target,
    pool,
    stop: async () => {
      await pool.close();
      await target.close();
    },
  };
}

async function call(
  pool: Pool,
  method: string,
  path: string,
  init: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] = 'application/json';
  }
  const t0 = performance.now();
  const res = await pool.request({ method: method as 'GET', path, headers, body: body ?? null });
  const text = await res.body.text();
  const ms = performance.now() - t0;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined; // /metrics is text; callers that expect JSON assert on it
  }
  return { status: res.statusCode, headers: res.headers, text, json, ms };
}

/** Runs `count` calls with at most `concurrency` at once, in submission order. */
async function many(count: number, concurrency: number, fn: (i: number) => Promise<Reply>): Promise<Reply[]> {
  const out: Reply[] = new Array<Reply>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

function usageError(fn: () => unknown): VolleyError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof VolleyError, `expected a VolleyError, got ${String(err)}`);
    assert.equal(err.code, 'INVALID_USAGE');
    return err;
  }
  assert.fail('expected a VolleyError');
}

describe('parseTargetOptions', () => {
  it('gives defaults for an empty input', () => {
    assert.deepEqual(parseTargetOptions({}), { port: 8117, host: '127.0.0.1' });
  });

  it('accepts every knob in its CLI form', () => {
    assert.deepEqual(
      parseTargetOptions({
        port: '0',
        host: '0.0.0.0',
        latency: '20-80ms',
        errorRate: '0.01',
        stall: '1s/5s',
        maxInflight: '64',
        seed: '7',
      }),
      {
        port: 0,
        host: '0.0.0.0',
        latency: '20-80ms',
        errorRate: 0.01,
        stall: '1s/5s',
        maxInflight: 64,
        seed: 7,
      },
    );
    assert.equal(parseTargetOptions({ errorRate: '2.5%' }).errorRate, 0.025);
    for (const latency of ['0', '20ms', '20ms-80ms', '1-2s', '0-5ms']) {
      assert.equal(parseTargetOptions({ latency }).latency, latency);
    }
  });

  it('reports every bad value at once, each with its own message', () => {
    const err = usageError(() =>
      parseTargetOptions({
        port: '70000',
        host: ' ',
        latency: '80-20ms',
        errorRate: '1.5',
        stall: '5s/1s',
        maxInflight: '0',
        seed: '-1',
      }),
    );
    assert.equal(err.details.length, 7);
    assert.match(err.message, /^7 invalid target options: /);
    const expected = [
      /^port: '70000' is not a port number/,
      /^host: must not be empty/,
      /^latency: range '80-20ms' has its low end above its high end/,
      /^error-rate: '1.5' is not a fraction between 0 and 1/,
      /^stall: '5s\/1s' stalls at least as long as its period/,
      /^max-inflight: '0' is not a whole number of at least 1/,
      /^seed: '-1' is not a whole number/,
    ];
    expected.forEach((re, i) => assert.match(err.details[i] as string, re));
  });

  it('explains malformed latency and stall strings specifically', () => {
    assert.match(
      usageError(() => parseTargetOptions({ latency: '20' })).message,
      /latency: '20' needs a unit, e\.g\. '20ms'/,
    );
    assert.match(
      usageError(() => parseTargetOptions({ latency: 'fast' })).message,
      /latency: 'fast' is not a delay or range/,
    );
    assert.match(
      usageError(() => parseTargetOptions({ latency: '1-2-3ms' })).message,
      /is not a delay or range/,
    );
    assert.match(
      usageError(() => parseTargetOptions({ stall: '1s' })).message,
      /stall: '1s' is not '<stall>\/<period>'/,
    );
    assert.match(usageError(() => parseTargetOptions({ stall: '0s/5s' })).message, /has a zero stall/);
    assert.match(
      usageError(() => parseTargetOptions({ port: 'http' })).message,
      /^invalid target option: port: 'http'/,
    );
  });

  it('startTarget validates options built in code the same way', async () => {
    await assert.rejects(
      startTarget({ port: 0, host: '127.0.0.1', latency: 'soon', errorRate: 2, maxInflight: 0 }),
      (err: unknown) =>
        err instanceof VolleyError && err.code === 'INVALID_USAGE' && err.details.length === 3,
    );
  });
});

describe('startTarget', () => {
  it('refuses a port in use with a specific message', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(startTarget({ port, host: '127.0.0.1' }), (err: unknown) => {
        assert.ok(err instanceof VolleyError);
        assert.equal(err.code, 'INVALID_USAGE');
        assert.equal(err.message, `port ${port} is already in use on 127.0.0.1`);
        return true;
      });
    } finally {
      blocker.close();
    }
  });

  it('closes promptly with idle keep-alive connections open', async () => {
    const { target, pool } = await open();
    await call(pool, 'GET', '/health');
    const t0 = performance.now();
    await target.close();
    assert.ok(performance.now() - t0 < 1000, 'close() waited for keep-alive sockets');
    await pool.close();
  });
});

describe('routes', () => {
  let t: Awaited<ReturnType<typeof open>>;
  before(async () => {
    t = await open();
  });
  after(() => t.stop());

  it('GET /health', async () => {
    const r = await call(t.pool, 'GET', '/health');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { status: 'ok' });
    assert.match(String(r.headers['content-type']), /^application\/json/);
  });

  it('GET /api/users paginates a fixed population', async () => {
    const first = await call(t.pool, 'GET', '/api/users');
    assert.equal(first.status, 200);
    assert.equal(first.json.total, 1000);
    assert.equal(first.json.page, 1);
    assert.equal(first.json.limit, 20);
    assert.equal(first.json.pages, 50);
    assert.equal(first.json.next, '/api/users?page=2&limit=20');
    assert.equal(first.json.prev, null);
    assert.deepEqual(
      first.json.items.map((u: { id: number }) => u.id),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    for (const key of ['id', 'name', 'email', 'teamId', 'role', 'createdAt'])
      assert.ok(key in first.json.items[0]);

    const page = await call(t.pool, 'GET', '/api/users?page=3&limit=7');
    assert.deepEqual(
      page.json.items.map((u: { id: number }) => u.id),
      [15, 16, 17, 18, 19, 20, 21],
    );
    assert.equal(page.json.next, '/api/users?page=4&limit=7');
    assert.equal(page.json.prev, '/api/users?page=2&limit=7');

    const last = await call(t.pool, 'GET', '/api/users?page=10&limit=100');
    assert.equal(last.json.items.length, 100);
    assert.equal(last.json.items[99].id, 1000);
    assert.equal(last.json.next, null);

    const beyond = await call(t.pool, 'GET', '/api/users?page=11&limit=100');
    assert.equal(beyond.status, 200);
    assert.deepEqual(beyond.json.items, []);

    // Deterministic: the same user on every start.
    const again = await open();
    try {
      assert.deepEqual(
        (await call(again.pool, 'GET', '/api/users/17')).json,
        (await call(t.pool, 'GET', '/api/users/17')).json,
      );
    } finally {
      await again.stop();
    }
  });

  it('GET /api/users rejects bad paging with every problem', async () => {
    const r = await call(t.pool, 'GET', '/api/users?page=0&limit=500');
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'invalid_query');
    assert.equal(r.json.details.length, 2);
  });

  it('GET /api/users/:id gives the user or a 404', async () => {
    const r = await call(t.pool, 'GET', '/api/users/17');
    assert.equal(r.status, 200);
    assert.equal(r.json.id, 17);
    assert.equal(typeof r.json.name, 'string');
    for (const id of ['1001', '0', 'abc']) {
      const missing = await call(t.pool, 'GET', `/api/users/${id}`);
      assert.equal(missing.status, 404, id);
      assert.equal(missing.json.error, 'not_found');
    }
  });

  it('GET /api/teams and /api/teams/:id', async () => {
    const teams = await call(t.pool, 'GET', '/api/teams');
    assert.equal(teams.status, 200);
    assert.equal(teams.json.total, 20);
    assert.equal(teams.json.items.length, 20);
    const sum = teams.json.items.reduce(
      (n: number, team: { memberCount: number }) => n + team.memberCount,
      0,
    );
    assert.equal(sum, 1000);
    const team = await call(t.pool, 'GET', '/api/teams/3');
    assert.equal(team.status, 200);
    assert.equal(team.json.id, 3);
    assert.equal(team.json.members.length, team.json.memberCount);
    assert.equal((await call(t.pool, 'GET', '/api/teams/21')).status, 404);
  });

  it('login gives a token that PUT /api/users/me needs', async () => {
    const login = await call(t.pool, 'POST', '/api/login', { json: { user: 'u42', password: 'x' } });
    assert.equal(login.status, 200);
    assert.match(login.json.token, /^[0-9a-f]{32}$/);
    assert.equal(login.json.userId, 42);
    const auth = { authorization: `Bearer ${login.json.token as string}` };

    const put = await call(t.pool, 'PUT', '/api/users/me', {
      json: { name: 'Renamed', email: 'r@example.org' },
      headers: auth,
    });
    assert.equal(put.status, 200);
    assert.equal(put.json.id, 42);
    assert.equal(put.json.name, 'Renamed');
    assert.equal((await call(t.pool, 'GET', '/api/users/42')).json.email, 'r@example.org');
    assert.equal((await call(t.pool, 'GET', '/api/users/me', { headers: auth })).json.name, 'Renamed');

    const anyone = await call(t.pool, 'POST', '/api/login', { json: { user: 'somebody' } });
    assert.equal(anyone.status, 200);
    assert.ok(anyone.json.userId >= 1 && anyone.json.userId <= 1000);

    const none = await call(t.pool, 'PUT', '/api/users/me', { json: { name: 'x' } });
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    assert.equal(
      (
        await call(t.pool, 'PUT', '/api/users/me', {
          json: { name: 'x' },
          headers: { authorization: 'Bearer nope' },
        })
      ).status,
      401,
    );

    const badJson = await call(t.pool, 'PUT', '/api/users/me', { body: '{"name":', headers: auth });
    assert.equal(badJson.status, 400);
    assert.equal(badJson.json.error, 'invalid_json');
    const invalid = await call(t.pool, 'PUT', '/api/users/me', {
      json: { name: '', email: 'nope' },
      headers: auth,
    });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.json.details.length, 2);

    const noUser = await call(t.pool, 'POST', '/api/login', { json: {} });
    assert.equal(noUser.status, 400);
  });

  it('POST /api/tasks is idempotent by key', async () => {
    const first = await call(t.pool, 'POST', '/api/tasks', {
      json: { idempotencyKey: 'k-1', taskType: 'email', payload: { to: 'a' } },
    });
    assert.equal(first.status, 201);
    assert.equal(first.json.status, 'queued');
    assert.equal(typeof first.json.id, 'number');
    assert.equal(first.headers['idempotent-replay'], undefined);
    assert.equal(first.headers.location, `/api/tasks/${first.json.id as number}`);

    const replay = await call(t.pool, 'POST', '/api/tasks', {
      json: { idempotencyKey: 'k-1', taskType: 'email' },
    });
    assert.equal(replay.status, 200);
    assert.equal(replay.headers['idempotent-replay'], 'true');
    assert.deepEqual(replay.json, first.json);

    const other = await call(t.pool, 'POST', '/api/tasks', {
      json: { idempotencyKey: 'k-2', taskType: 'email' },
    });
    assert.equal(other.status, 201);
    assert.notEqual(other.json.id, first.json.id);

    const header = await call(t.pool, 'POST', '/api/tasks', {
      json: { taskType: 'email' },
      headers: { 'idempotency-key': 'k-3' },
    });
    assert.equal(header.status, 201);
    assert.equal(header.json.idempotencyKey, 'k-3');

    const missing = await call(t.pool, 'POST', '/api/tasks', { json: { taskType: 'email' } });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error, 'missing_idempotency_key');
    const reused = await call(t.pool, 'POST', '/api/tasks', {
      json: { idempotencyKey: 'k-1', taskType: 'sms' },
    });
    assert.equal(reused.status, 422);
    assert.equal((await call(t.pool, 'POST', '/api/tasks', { body: 'nope' })).status, 400);

    const got = await call(t.pool, 'GET', `/api/tasks/${first.json.id as number}`);
    assert.equal(got.status, 200);
    assert.equal(got.json.idempotencyKey, 'k-1');
    assert.ok(['queued', 'running', 'done'].includes(got.json.status));
    assert.equal((await call(t.pool, 'GET', '/api/tasks/999999')).status, 404);
  });

  it('unknown routes get 404 JSON and wrong methods 405', async () => {
    const r = await call(t.pool, 'GET', '/nope');
    assert.equal(r.status, 404);
    assert.equal(r.json.error, 'not_found');
    assert.equal((await call(t.pool, 'GET', '/api/users/1/extra')).status, 404);
    const wrong = await call(t.pool, 'DELETE', '/api/users/1');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, 'GET');
    assert.equal((await call(t.pool, 'GET', '/api/login')).status, 405);
  });
});

describe('task store', () => {
  it('forgets the least recently used keys beyond maxTasks', async () => {
    const { pool, stop } = await open({ maxTasks: 3 });
    try {
      const submit = (key: string): Promise<Reply> =>
        call(pool, 'POST', '/api/tasks', { json: { idempotencyKey: key, taskType: 't' } });
      const ids: number[] = [];
      for (const key of ['a', 'b', 'c']) ids.push((await submit(key)).json.id);
      assert.equal((await submit('a')).status, 200); // a is now the most recently used
      assert.equal((await submit('d')).status, 201); // evicts b
      assert.equal((await call(pool, 'GET', `/api/tasks/${ids[1] as number}`)).status, 404);
      assert.equal((await submit('a')).status, 200);
      assert.equal((await submit('b')).status, 201); // b was forgotten: a new task
    } finally {
      await stop();
    }
  });
});

describe('stats and /metrics', () => {
  let t: Awaited<ReturnType<typeof open>>;
  before(async () => {
    t = await open({}, 1);
  });
  after(() => t.stop());

  it('counts exactly the requests sent, per route and status, and resets', async () => {
    await call(t.pool, 'GET', '/health'); // opens the connection before the reset
    const reset = await call(t.pool, 'POST', '/__volley/stats/reset');
    assert.equal(reset.json.totalRequests, 0);
    for (let i = 0; i < 30; i++) await call(t.pool, 'GET', '/api/teams');
    for (let i = 1; i <= 12; i++) await call(t.pool, 'GET', `/api/users/${i * 100}`); // 1200 is a 404
    await call(t.pool, 'POST', '/api/tasks', { json: { idempotencyKey: 's-1', taskType: 't' } });
    await call(t.pool, 'POST', '/api/tasks', { json: { idempotencyKey: 's-1', taskType: 't' } });
    await call(t.pool, 'GET', '/missing');
    await call(t.pool, 'GET', '/metrics'); // observation endpoints are not counted

    const stats = t.target.stats();
    assert.deepEqual((await call(t.pool, 'GET', '/__volley/stats')).json.routes, stats.routes);
    assert.equal(stats.totalRequests, 45);
    assert.deepEqual(stats.routes, {
      'GET /api/teams': 30,
      'GET /api/users/:id': 12,
      'POST /api/tasks': 2,
      'GET (unmatched)': 1,
    });
    assert.deepEqual(stats.statuses, { '200': 41, '201': 1, '404': 3 });
    assert.equal(stats.tasksCreated, 1);
    assert.equal(stats.idempotentReplays, 1);
    assert.equal(stats.connectionsAccepted, 0, 'one keep-alive connection, opened before the reset');
    assert.equal(stats.connectionsOpen, 1);
    assert.equal(stats.inFlight, 0);

    t.target.resetStats();
    assert.equal(t.target.stats().totalRequests, 0);
    assert.deepEqual(t.target.stats().routes, {});
  });

  it('counts connections accepted', async () => {
    t.target.resetStats();
    const pool = new Pool(t.target.url, { connections: 4 });
    await many(40, 4, () => call(pool, 'GET', '/health'));
    await pool.close();
    const { connectionsAccepted } = t.target.stats();
    assert.ok(connectionsAccepted >= 1 && connectionsAccepted <= 4, `accepted ${connectionsAccepted}`);
  });

  it('serves Prometheus text that parses and matches what was sent', async () => {
    const r = await call(t.pool, 'GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const { types, samples } = parsePrometheus(r.text);
    assert.equal(types.get('volley_target_requests_total'), 'counter');
    assert.equal(types.get('volley_target_request_duration_seconds'), 'histogram');
    assert.equal(types.get('volley_target_requests_in_flight'), 'gauge');

    const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        ?.value;
    // /metrics is monotonic: resets of /__volley/stats do not touch it.
    assert.equal(
      value('volley_target_requests_total', { method: 'GET', route: '/api/teams', status: '200' }),
      30,
    );
    assert.equal(
      value('volley_target_requests_total', { method: 'GET', route: '/api/users/:id', status: '404' }),
      2,
    );
    assert.equal(value('volley_target_tasks_created_total'), 1);
    assert.equal(value('volley_target_idempotent_replays_total'), 1);
    assert.equal(value('volley_target_requests_in_flight'), 0);
    assert.ok((value('process_resident_memory_bytes') ?? 0) > 1_000_000);

    // Histogram buckets are cumulative and end at +Inf = _count.
    const teams = { method: 'GET', route: '/api/teams' };
    const buckets = samples.filter(
      (s) => s.name === 'volley_target_request_duration_seconds_bucket' && s.labels.route === '/api/teams',
    );
    assert.ok(buckets.length > 2);
    for (let i = 1; i < buckets.length; i++)
      assert.ok((buckets[i] as Sample).value >= (buckets[i - 1] as Sample).value);
    assert.equal(buckets.at(-1)?.labels.le, '+Inf');
    assert.equal(buckets.at(-1)?.value, value('volley_target_request_duration_seconds_count', teams));
    assert.equal(value('volley_target_request_duration_seconds_count', teams), 30);
  });
});

describe('knobs', () => {
  it('error rate: a seeded fraction of requests gets 500, reproducibly', async () => {
    const a = await open({ errorRate: 0.1, seed: 42 });
    const b = await open({ errorRate: 0.1, seed: 42 });
    try {
      const replies = await many(2000, 20, () => call(a.pool, 'GET', '/api/teams'));
      const failed = replies.filter((r) => r.status === 500).length;
      assert.ok(failed >= 160 && failed <= 240, `${failed} of 2000 failed, expected about 200`);
      assert.ok(replies.every((r) => r.status === 200 || r.status === 500));
      assert.equal(replies.find((r) => r.status === 500)?.json.error, 'internal');
      assert.equal(a.target.stats().injectedErrors, failed);
      assert.equal(a.target.stats().statuses['500'], failed);

      // Same seed, same order of arrival: the same requests fail.
      const seqA: number[] = [];
      const seqB: number[] = [];
      const freshA = await open({ errorRate: 0.1, seed: 42 });
      try {
        for (let i = 0; i < 200; i++) {
          seqA.push((await call(freshA.pool, 'GET', '/health')).status);
          seqB.push((await call(b.pool, 'GET', '/health')).status);
        }
      } finally {
        await freshA.stop();
      }
      assert.deepEqual(seqA, seqB);
      assert.ok(seqA.includes(500));
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('error rate 0 never fails and 1 always fails', async () => {
    const all = await open({ errorRate: 1 });
    try {
      const replies = await many(50, 5, () => call(all.pool, 'GET', '/health'));
      assert.ok(replies.every((r) => r.status === 500));
    } finally {
      await all.stop();
    }
    const none = await open({ errorRate: 0 });
    try {
      const replies = await many(200, 5, () => call(none.pool, 'GET', '/health'));
      assert.ok(replies.every((r) => r.status === 200));
    } finally {
      await none.stop();
    }
  });

  it('latency range: every delay falls in the range and the range is used', async () => {
    const { pool, stop } = await open({ latency: '20-60ms' }, 20);
    try {
      const replies = await many(100, 20, () => call(pool, 'GET', '/api/teams'));
      const ms = replies.map((r) => r.ms);
      const min = Math.min(...ms);
      const max = Math.max(...ms);
      assert.ok(replies.every((r) => r.status === 200));
      assert.ok(min >= 19, `min ${min.toFixed(1)} ms below 20 ms`);
      assert.ok(max <= 60 + 40, `max ${max.toFixed(1)} ms far above 60 ms`);
      assert.ok(
        min < 30 && max > 50,
        `spread ${min.toFixed(1)}..${max.toFixed(1)} ms does not cover the range`,
      );
    } finally {
      await stop();
    }
  });

  it('latency does not serialise requests', async () => {
    const { pool, stop } = await open({ latency: '100ms' }, 20);
    try {
      const t0 = performance.now();
      const replies = await many(20, 20, () => call(pool, 'GET', '/health'));
      const wallMs = performance.now() - t0;
      assert.ok(replies.every((r) => r.ms >= 99));
      assert.ok(wallMs < 400, `20 concurrent 100 ms requests took ${wallMs.toFixed(0)} ms`);
    } finally {
      await stop();
    }
  });

  it('max-inflight: requests beyond the limit get 503 at once', async () => {
    const { target, pool, stop } = await open({ maxInflight: 5, latency: '150ms' }, 20);
    try {
      const replies = await many(20, 20, () => call(pool, 'GET', '/api/teams'));
      const ok = replies.filter((r) => r.status === 200);
      const rejected = replies.filter((r) => r.status === 503);
      assert.equal(ok.length, 5);
      assert.equal(rejected.length, 15);
      assert.ok(
        rejected.every((r) => r.ms < 100),
        'a 503 waited for the latency',
      );
      assert.equal(rejected[0]?.headers['retry-after'], '1');
      assert.equal(rejected[0]?.json.error, 'overloaded');
      const stats = target.stats();
      assert.equal(stats.rejectedInflight, 15);
      assert.equal(stats.inFlight, 0);
      assert.equal((await call(pool, 'GET', '/api/teams')).status, 200, 'capacity is given back');
    } finally {
      await stop();
    }
  });

  it('a client that leaves during the delay leaves the in-flight gauge too (499)', async () => {
    const { target, pool, stop } = await open({ latency: '200ms' });
    try {
      const ac = new AbortController();
      const pending = pool.request({ method: 'GET', path: '/health', signal: ac.signal });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(target.stats().inFlight, 1);
      ac.abort();
      await assert.rejects(pending);
      const deadline = performance.now() + 1000;
      while (target.stats().inFlight !== 0 && performance.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      assert.equal(target.stats().inFlight, 0);
      assert.equal(target.stats().statuses['499'], 1);
    } finally {
      await stop();
    }
  });

  it('stall: the whole process stops answering for the stall, once per period', async () => {
    // In a child process: a stall blocks the event loop it runs in, and that must not be ours.
    const child = await spawnTarget(['--stall', '400ms/1s']);
    const pool = new Pool(child.url, { connections: 1 });
    try {
      const started = performance.now();
      const slow: { atMs: number; ms: number }[] = [];
      let maxMs = 0;
      let count = 0;
      while (performance.now() - started < 2300) {
        const r = await call(pool, 'GET', '/health');
        assert.equal(r.status, 200);
        count++;
        maxMs = Math.max(maxMs, r.ms);
        if (r.ms > 200) slow.push({ atMs: performance.now() - started - r.ms, ms: r.ms });
      }
      // Stalls begin 1 s and 2 s after the target started; a request sent into one waits about 400 ms.
      assert.ok(slow.length >= 1 && slow.length <= 3, `slow requests: ${JSON.stringify(slow)}`);
      assert.ok(maxMs >= 330 && maxMs <= 650, `longest wait ${maxMs.toFixed(0)} ms, expected about 400`);
      assert.ok(count > 100, `only ${count} requests outside stalls`);
      const stats = (await call(pool, 'GET', '/__volley/stats')).json;
      assert.ok(stats.stalls >= 1 && stats.stalls <= 3, `stalls ${stats.stalls as number}`);
      assert.ok(
        Math.abs(stats.stalledMs / stats.stalls - 400) < 30,
        `stalled ${stats.stalledMs as number} ms`,
      );
    } finally {
      await pool.close();
      await child.stop();
    }
  });
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the Prometheus text format (0.0.4): it throws on any line it does not understand. */
function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  assert.ok(text.endsWith('\n'), 'exposition must end with a newline');
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sampleRe = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
  const labelRe = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(?:,|$)/;
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ')) {
      assert.match(line, new RegExp(`^# HELP ${NAME} .+$`));
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
      assert.ok(m, `bad TYPE line: ${line}`);
      assert.ok(!types.has(m[1] as string), `TYPE repeated: ${line}`);
      types.set(m[1] as string, m[2] as string);
      continue;
    }
    const m = sampleRe.exec(line);
    assert.ok(m, `bad sample line: '${line}'`);
    const name = m[1] as string;
    const labels: Record<string, string> = {};
    let rest = m[2] ?? '';
    while (rest !== '') {
      const l = labelRe.exec(rest);
      assert.ok(l, `bad labels in: ${line}`);
      labels[l[1] as string] = l[2] as string;
      rest = rest.slice(l[0].length);
    }
    const raw = m[3] as string;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    assert.ok(!Number.isNaN(value) || raw === 'NaN', `bad value in: ${line}`);
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(family), `sample before its TYPE: ${line}`);
    if (name.endsWith('_bucket')) assert.ok('le' in labels, `bucket without le: ${line}`);
    samples.push({ name, labels, value });
  }
  return { types, samples };
}

/** Starts `src/target/main.ts` (compiled) in a child process on a free port. */
async function spawnTarget(args: string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const main = fileURLToPath(new URL('../../src/target/main.js', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [main, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`target exited with ${String(code)} before listening`);
    }),
  ])) as [string];
  lines.close();
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
