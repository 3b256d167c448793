/**
 * `volley serve --nats` against a real nats-server (with a token) and two real `volley agent`
 * processes: the pool as GET /api/agents lists it, a run from the API spread over both agents whose
 * stored count is what the target received, and the refusals (no pool; wrong credentials at start).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AgentsResponse, ApiError, RunDetail } from '../../src/server/wire.js';
import { api } from '../helpers/api-client.js';
import { runCli } from '../helpers/cli.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { startAgent, startNats, type AgentProcess, type NatsServer } from '../helpers/nats.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

const TOKEN = 'nats-secret-7f3a';
/** No token, store or pool from the environment of whoever runs the tests. */
const CLEAN_ENV = {
  VOLLEY_TOKEN: '',
  VOLLEY_DB: '',
  VOLLEY_NATS_URL: '',
  VOLLEY_NATS_TOKEN: '',
  VOLLEY_NATS_USER: '',
  VOLLEY_NATS_PASSWORD: '',
  VOLLEY_NATS_CREDS: '',
};

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  let v = await read();
  while (!ok(v)) {
    if (Date.now() > end) assert.fail(`${what}: still ${JSON.stringify(v).slice(0, 2000)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}

describe('volley serve --nats: the agent pool from the API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-serve-agents-'));
  let nats: NatsServer;
  const agents: AgentProcess[] = [];
  let serve: ServeProcess;
  let target: CountingServer;

  before(async () => {
    nats = await startNats(['--auth', TOKEN]);
    agents.push(
      ...(await Promise.all([
        startAgent(nats.url, 'agent-a', ['--tags', 'zone=eu,size=s', '--workers', '1', '--token', TOKEN]),
        startAgent(nats.url, 'agent-b', ['--tags', 'zone=us', '--workers', '2', '--token', TOKEN]),
      ])),
    );
    serve = await startServeProcess(
      ['--db', join(dir, 'runs.db'), '--nats', nats.url, '--nats-token', TOKEN],
      CLEAN_ENV,
    );
    target = await startCountingServer();
  });

  after(async () => {
    await serve?.stop();
    await Promise.all(agents.map((a) => a.stop()));
    await nats?.close();
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GET /api/agents lists both agents with their tags, threads and state idle', async () => {
    const r = await api<AgentsResponse>(serve.url, '/api/agents');
    assert.equal(r.status, 200);
    assert.equal(r.body.nats, nats.url);
    assert.equal(r.body.connected, true);
    assert.match(r.body.controllerVersion, /^\d+\.\d+\.\d+/);
    assert.deepEqual(
      r.body.agents.map((a) => [a.name, a.tags, a.workers, a.state, a.runId, a.version]),
      [
        ['agent-a', { zone: 'eu', size: 's' }, 1, 'idle', null, r.body.controllerVersion],
        ['agent-b', { zone: 'us' }, 2, 'idle', null, r.body.controllerVersion],
      ],
    );
  });

  it('a quick-mode run with agents: 2 runs on both; the stored count is what the target received', async () => {
    const body = { url: `${target.url}/spread`, rate: 40, duration: '3s', agents: 2 };
    const r = await api<{ id: string }>(serve.url, '/api/runs', { method: 'POST', body });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const id = r.body.id;
    // While it runs, the pool shows both agents taken by this run.
    const busy = await until(
      () => api<AgentsResponse>(serve.url, '/api/agents').then((x) => x.body.agents),
      (list) => list.filter((a) => a.runId === id && a.state !== 'idle').length === 2,
      15_000,
      'both agents reserved or running the run',
    );
    assert.deepEqual(busy.map((a) => a.name).sort(), ['agent-a', 'agent-b']);
    const run = await until(
      () => api<RunDetail>(serve.url, `/api/runs/${id}`).then((x) => x.body),
      (d) => d.summary !== null || d.status === 'error' || d.status === 'interrupted',
      30_000,
      'the run to end with a summary',
    );
    assert.equal(run.status, 'finished', run.error ?? '');
    const s = run.summary;
    assert.ok(s);
    const d = s.distributed;
    assert.ok(d, 'the summary has a distributed section');
    assert.equal(d.agents.length, 2);
    assert.deepEqual(d.agents.map((a) => a.name).sort(), ['agent-a', 'agent-b']);
    assert.equal(d.degraded, false);
    assert.deepEqual(
      d.agents.map((a) => a.state),
      ['finished', 'finished'],
    );
    // Weighted by threads: agent-b (2 threads) carries twice agent-a's share.
    const share = Object.fromEntries(d.agents.map((a) => [a.name, a.share]));
    assert.ok(Math.abs((share['agent-b'] ?? 0) - 2 * (share['agent-a'] ?? 0)) < 1e-9, JSON.stringify(share));
    const counted = target.byPath().get('/spread') ?? 0;
    assert.equal(s.metrics.http_reqs?.values.count, counted, 'http_reqs equals what the target received');
    assert.ok(counted >= 100 && counted <= 125, `3 s at 40/s: got ${counted}`);
    // The NATS token reached the run as a flag, never the stored request or any answer.
    assert.deepEqual(run.request, body);
    assert.ok(!JSON.stringify(run).includes(TOKEN), 'the token is not in the run');
    // Free again after the run.
    await until(
      () => api<AgentsResponse>(serve.url, '/api/agents').then((x) => x.body.agents),
      (list) => list.length === 2 && list.every((a) => a.state === 'idle'),
      10_000,
      'both agents idle again',
    );
  });

  it('refuses a malformed agents field with one message per field', async () => {
    const r = await api<ApiError>(serve.url, '/api/runs', {
      method: 'POST',
      body: { url: target.url, rate: 1, agents: 0, agentTags: 'zone' },
    });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.details, [
      "agents: must be an integer from 1 to 10000, or 'all'",
      'agentTags: must be key=value pairs, comma-separated (zone=eu,size=large), at most 1024 characters',
    ]);
  });

  it('wrong NATS credentials at start: exit 2 with a message that names the server', async () => {
    const res = await runCli(
      ['serve', '--port', '0', '--db', join(dir, 'other.db'), '--nats', nats.url, '--nats-token', 'wrong'],
      { env: CLEAN_ENV, timeoutMs: 20_000 },
    );
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /refused the credentials/);
    assert.ok(res.stderr.includes(`127.0.0.1:${nats.port}`), res.stderr);
    assert.equal(res.stdout, '', 'no URL printed: the server never listened');
  });
});

describe('volley serve without --nats', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-serve-no-pool-'));
  let serve: ServeProcess;

  before(async () => {
    mkdirSync(join(dir, 'scripts'));
    writeFileSync(
      join(dir, 'scripts', 'one.yaml'),
      'scenarios:\n  s:\n    executor: shared-iterations\n    iterations: 1\n    vus: 1\n    flow:\n      - request: http://127.0.0.1:9/\n',
    );
    serve = await startServeProcess(
      ['--db', join(dir, 'runs.db'), '--scripts', join(dir, 'scripts')],
      CLEAN_ENV,
    );
  });

  after(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GET /api/agents says there is no pool', async () => {
    const r = await api<AgentsResponse>(serve.url, '/api/agents');
    assert.equal(r.status, 200);
    assert.deepEqual({ nats: r.body.nats, agents: r.body.agents }, { nats: null, agents: [] });
  });

  it('a body with agents is a 400 that says how to start a pool, and no run is created', async () => {
    for (const body of [
      { url: 'http://127.0.0.1:9/', rate: 1, agents: 2 },
      { url: 'http://127.0.0.1:9/', rate: 1, agentTags: 'zone=eu' },
      { script: 'one.yaml', agents: 'all' },
    ]) {
      const r = await api<ApiError>(serve.url, '/api/runs', { method: 'POST', body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error, 'this server has no agent pool: start it with volley serve --nats URL');
    }
    const list = await api<unknown[]>(serve.url, '/api/runs');
    assert.deepEqual(list.body, []);
  });
});
