/**
 * Distributed runs over a real nats-server of the test's own, with real `volley agent` processes
 * and a real HTTP server that counts what it received. What volley reports is compared with what
 * the server saw, agent by agent: each request carries its iteration number, and the execution
 * segments say which agent owned which iteration.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SegmentSequence } from '../../src/executors/segments.js';
import { newHistogram, recordClamped } from '../../src/metrics/histogram.js';
import type { Summary } from '../../src/summary/summary.js';
import { runCli, runWithSummary, waitFor } from '../helpers/cli.js';
import { listAgents, startAgent, startNats, type AgentProcess, type NatsServer } from '../helpers/nats.js';
import { startRouteServer, type RouteServer } from '../helpers/route-server.js';
import { startCountingServer } from '../helpers/counting-server.js';

/** A script sending `rate` requests per second for `duration`, each tagged with its iteration number. */
function iterationScript(dir: string, url: string, rate: number, duration: string, name = 'iter.ts'): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `import { defineTest } from 'volley';
export default defineTest({
  scenarios: { load: { executor: 'constant-arrival-rate', rate: ${rate}, duration: '${duration}', preAllocatedVUs: 20, maxVUs: 60,
    exec: async ({ http, iteration }) => { await http.get('${url}/i?i=' + iteration); } } },
});`,
  );
  return file;
}

/** Iterations the server saw, per agent, by which unit segment owns each (the agents' units in order). */
function serverShares(srv: RouteServer, summary: Summary): Map<string, number> {
  const agents = summary.distributed?.agents ?? [];
  const units = SegmentSequence.equal(agents.reduce((a, x) => a + x.threads, 0));
  const owner: string[] = [];
  for (const a of agents) for (let t = 0; t < a.threads; t++) owner.push(a.name);
  const segments = owner.map((_, u) => units.segment(u));
  const shares = new Map<string, number>(agents.map((a) => [a.name, 0]));
  for (const r of srv.requests()) {
    const i = Number(r.query.get('i'));
    const u = segments.findIndex((s) => s.owns(i));
    const name = owner[u] as string;
    shares.set(name, (shares.get(name) ?? 0) + 1);
  }
  return shares;
}

const httpReqs = (s: Summary): number => s.metrics.http_reqs?.values.count ?? 0;

describe('distributed runs: agents over NATS', { timeout: 240_000 }, () => {
  let nats: NatsServer;
  let srv: RouteServer;
  let dir: string;
  const agents: AgentProcess[] = [];

  before(async () => {
    nats = await startNats();
    srv = await startRouteServer();
    dir = mkdtempSync(join(tmpdir(), 'volley-distributed-'));
    agents.push(await startAgent(nats.url, 'a1', ['--workers', '1', '--tags', 'pool=main,zone=a']));
    agents.push(await startAgent(nats.url, 'a2', ['--workers', '2', '--tags', 'pool=main,zone=b']));
  });
  after(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await srv.close();
    await nats.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('volley agents lists the pool with tags, threads and state', async () => {
    const { result, agents: pool } = await listAgents(nats.url);
    assert.equal(result.code, 0, result.stderr);
    const mine = pool.filter((a) => a.name === 'a1' || a.name === 'a2');
    assert.deepEqual(
      mine.map((a) => [a.name, a.state]),
      [
        ['a1', 'idle'],
        ['a2', 'idle'],
      ],
    );
    const table = await runCli(['agents', '--nats', nats.url]);
    assert.match(table.stdout, /a1\s+pool=main,zone=a\s+\S+\s+\d+\s+1\s+idle/);
    assert.match(table.stdout, /a2\s+pool=main,zone=b\s+\S+\s+\d+\s+2\s+idle/);
  });

  it('two agents (1 + 2 threads): the merged count equals the server count exactly, iterations are unique, each agent reports its own share', async () => {
    srv.reset();
    const file = iterationScript(dir, srv.url, 300, '3s');
    const { code, stderr, summary } = await runWithSummary<Summary>(dir, [
      file,
      '--nats',
      nats.url,
      '--agents',
      '2',
      '--agent-tags',
      'pool=main',
    ]);
    assert.equal(code, 0, stderr);
    assert.ok(summary);
    const seen = srv.requests();
    assert.equal(httpReqs(summary), seen.length, 'volley counts what the server received');
    assert.equal(seen.length, 900, '300/s for 3 s');
    assert.equal(
      new Set(seen.map((r) => r.query.get('i'))).size,
      seen.length,
      'iteration numbers are unique',
    );
    const d = summary.distributed;
    assert.ok(d);
    assert.equal(d.degraded, false);
    assert.deepEqual(
      d.agents.map((a) => [a.name, a.threads, a.segment, a.state]),
      [
        ['a1', 1, '0-1/3', 'finished'],
        ['a2', 2, '1/3-1', 'finished'],
      ],
    );
    const shares = serverShares(srv, summary);
    for (const a of d.agents)
      assert.equal(a.requests, shares.get(a.name), `${a.name}: reported = server's share`);
    assert.equal(shares.get('a1'), 300, 'a third of the arrivals on the one-thread agent');
    assert.equal(summary.execution[0]?.started, 900);
    assert.equal(typeof d.agents[0]?.details.clockOffsetMs, 'number');
  });

  it('merged percentiles equal those of one histogram fed every sample', async () => {
    const file = join(dir, 'trend.ts');
    writeFileSync(
      file,
      `import { defineTest, Trend } from 'volley';
const spread = new Trend('spread');
export default defineTest({
  scenarios: { t: { executor: 'shared-iterations', vus: 6, iterations: 3000,
    exec: ({ iteration }) => { spread.add(((iteration * 7919) % 5003) / 3 + 1); } } },
});`,
    );
    const { code, stderr, summary } = await runWithSummary<Summary>(dir, [
      file,
      '--nats',
      nats.url,
      '--agents',
      'all',
      '--agent-tags',
      'pool=main',
    ]);
    assert.equal(code, 0, stderr);
    assert.ok(summary);
    assert.equal(summary.distributed?.agents.length, 2);
    const h = newHistogram();
    for (let i = 0; i < 3000; i++) recordClamped(h, (((i * 7919) % 5003) / 3 + 1) * 1000);
    const v = summary.metrics.spread?.values ?? {};
    assert.equal(v.count, 3000);
    for (const [stat, p] of [
      ['med', 50],
      ['p(90)', 90],
      ['p(95)', 95],
      ['p(99)', 99],
    ] as const)
      assert.equal(v[stat], h.getValueAtPercentile(p) / 1000, `${stat}: merged = one histogram`);
    assert.equal(v.max, h.maxValue / 1000);
  });

  it('abortOnFail is evaluated centrally and stops every agent', async (t) => {
    const failing = await startCountingServer({ status: 500 });
    try {
      const r = await runWithSummary<Summary>(dir, [
        '--url',
        `${failing.url}/x`,
        '--rate',
        '200',
        '--duration',
        '20s',
        '--threshold',
        'http_req_failed:rate<0.01:abortOnFail=1s',
        '--nats',
        nats.url,
        '--agent-tags',
        'pool=main',
      ]);
      assert.equal(r.code, 99, r.stderr);
      assert.ok(r.summary);
      assert.equal(r.summary.state.abortReason, 'threshold');
      assert.equal(r.summary.distributed?.agents.length, 2);
      assert.ok(r.summary.distributed?.agents.every((a) => a.state === 'finished' && a.requests > 0));
      const sent = failing.count();
      assert.equal(httpReqs(r.summary), sent, 'what every agent sent before the stop is counted');
      assert.ok(sent < 200 * 6, `stopped early: ${sent} requests of the 4,000 planned`);
      await new Promise((res) => setTimeout(res, 1000));
      assert.equal(failing.count(), sent, 'no agent kept sending after the run ended');
      t.diagnostic(
        `abortOnFail stopped both agents after ${sent} requests (${r.summary.state.testRunDurationMs} ms)`,
      );
    } finally {
      await failing.close();
    }
  });

  it('version skew is refused before any traffic, naming both versions', async () => {
    srv.reset();
    const old = await startAgent(nats.url, 'old1', [
      '--workers',
      '1',
      '--tags',
      'pool=old',
      '--announce-version',
      '0.0.1',
    ]);
    try {
      const file = iterationScript(dir, srv.url, 50, '2s', 'skew.ts');
      const r = await runWithSummary<Summary>(dir, [file, '--nats', nats.url, '--agent-tags', 'pool=old']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /version skew: agent old1 runs volley 0\.0\.1 .*this controller volley \d+\.\d+\.\d+/,
      );
      assert.equal(r.summary, undefined);
      assert.equal(srv.total(), 0);
    } finally {
      await old.stop();
    }
  });

  it('too few agents: a clear error after --agents-wait, nothing sent', async () => {
    srv.reset();
    const file = iterationScript(dir, srv.url, 50, '2s', 'few.ts');
    const r = await runWithSummary<Summary>(dir, [
      file,
      '--nats',
      nats.url,
      '--agents',
      '5',
      '--agents-wait',
      '1s',
      '--agent-tags',
      'pool=main',
    ]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /asked for 5 agents with tags pool=main; NATS at nats:\/\/127\.0\.0\.1:\d+ had 2 idle within 1s/,
    );
    assert.equal(srv.total(), 0);
  });

  it('an agent SIGKILLed mid-run: the run completes, degraded, naming the lost segment; the others match the server', async (t) => {
    srv.reset();
    const group = [
      await startAgent(nats.url, 'k1', ['--workers', '1', '--tags', 'pool=kill']),
      await startAgent(nats.url, 'k2', ['--workers', '1', '--tags', 'pool=kill']),
      await startAgent(nats.url, 'k3', ['--workers', '1', '--tags', 'pool=kill']),
    ];
    try {
      const file = iterationScript(dir, srv.url, 150, '6s', 'kill.ts');
      const running = runWithSummary<Summary>(dir, [file, '--nats', nats.url, '--agent-tags', 'pool=kill'], {
        timeoutMs: 60_000,
      });
      await waitFor(() => srv.total() >= 300, 'the run to send 300 requests', 30_000);
      (group[1] as AgentProcess).child.kill('SIGKILL');
      const { code, summary, stderr } = await running;
      assert.equal(code, 97, stderr);
      assert.ok(summary);
      assert.equal(summary.verdict, 'error');
      const d = summary.distributed;
      assert.ok(d);
      assert.equal(d.degraded, true);
      assert.equal(d.lost.length, 1);
      assert.match(
        d.lost[0] as string,
        /^agent k2 \(segment 1\/3-2\/3, 33\.3% of the load\) was lost \(no heartbeat for [\d.]+s\), detected at second \d+: its results end with second \d+, so its share from second \d+ on is missing$/,
      );
      const k2 = d.agents.find((a) => a.name === 'k2');
      assert.equal(k2?.state, 'lost');
      assert.ok((k2?.lostAtSecond ?? 99) <= 8, `lost at second ${k2?.lostAtSecond}`);
      // Detected by the heartbeat (4 s of silence) after its results stopped.
      assert.ok((k2?.missingFromSecond ?? 0) >= 2 && (k2?.missingFromSecond ?? 0) < (k2?.lostAtSecond ?? 0));
      assert.equal(k2?.missingFromSecond, (k2?.lastSecond ?? 0) + 2);
      const shares = serverShares(srv, summary);
      t.diagnostic(d.lost[0] as string);
      t.diagnostic(
        `reported/server per agent: ${d.agents.map((a) => `${a.name} ${a.requests}/${shares.get(a.name)}`).join(', ')}`,
      );
      for (const a of d.agents) {
        if (a.name === 'k2') assert.ok(a.requests <= (shares.get('k2') ?? 0), 'what it reported, it sent');
        else assert.equal(a.requests, shares.get(a.name), `${a.name}: intact, equal to the server's share`);
      }
      assert.equal(shares.get('k1'), 300, 'a surviving agent sent its whole share: 900 / 3');
      assert.equal(
        httpReqs(summary),
        d.agents.reduce((a, x) => a + x.requests, 0),
      );
    } finally {
      await Promise.all(group.map((a) => a.stop()));
    }
  });

  it('an agent stopped with SIGTERM mid-run tells the controller at once: lost, with the reason', async (t) => {
    srv.reset();
    const group = [
      await startAgent(nats.url, 't1', ['--workers', '1', '--tags', 'pool=term']),
      await startAgent(nats.url, 't2', ['--workers', '1', '--tags', 'pool=term']),
    ];
    try {
      const file = iterationScript(dir, srv.url, 100, '6s', 'term.ts');
      const running = runWithSummary<Summary>(dir, [file, '--nats', nats.url, '--agent-tags', 'pool=term'], {
        timeoutMs: 60_000,
      });
      await waitFor(() => srv.total() >= 150, 'the run to send 150 requests', 30_000);
      const stoppedAt = srv.total();
      await (group[1] as AgentProcess).stop();
      const { code, summary, stderr } = await running;
      assert.equal(code, 97, stderr);
      assert.ok(summary?.distributed?.degraded);
      const lost = summary.distributed.lost[0] as string;
      t.diagnostic(lost);
      assert.match(
        lost,
        /^agent t2 \(segment 1\/2-1, 50% of the load\) was lost \(the agent was stopped \(SIGTERM\/SIGINT\)\), detected at second \d+/,
      );
      const t2 = summary.distributed.agents.find((a) => a.name === 't2');
      // Told at once, not after the 4 s heartbeat silence: lost within 3 s of the stop (the heartbeat would take 4 s or more).
      assert.ok(
        (t2?.lostAtSecond ?? 99) <= Math.ceil(stoppedAt / 100) + 3,
        `lost at second ${t2?.lostAtSecond}`,
      );
      const shares = serverShares(srv, summary);
      assert.equal(summary.distributed.agents.find((a) => a.name === 't1')?.requests, shares.get('t1'));
      assert.ok((t2?.requests ?? 0) <= (shares.get('t2') ?? 0));
    } finally {
      await Promise.all(group.map((a) => a.stop()));
    }
  });

  it('the controller SIGKILLed mid-run: the target stops receiving within 5 s and the agents are idle again', async (t) => {
    srv.reset();
    const file = iterationScript(dir, srv.url, 200, '30s', 'orphan.ts');
    let child: ChildProcess | undefined;
    const running = runCli(
      ['run', file, '--nats', nats.url, '--agent-tags', 'pool=main', '-q', '--no-store'],
      {
        onSpawn: (c) => (child = c),
        timeoutMs: 60_000,
      },
    );
    await waitFor(() => srv.total() >= 200, 'the run to send 200 requests', 30_000);
    const killedAt = Date.now();
    child?.kill('SIGKILL');
    await running;
    let last = srv.total();
    let lastGrowth = killedAt;
    while (Date.now() - killedAt < 6500) {
      await new Promise((r) => setTimeout(r, 100));
      const n = srv.total();
      if (n !== last) {
        last = n;
        lastGrowth = Date.now();
      }
    }
    t.diagnostic(
      `controller SIGKILLed; the last request reached the target ${lastGrowth - killedAt} ms later (${srv.total()} in all)`,
    );
    assert.ok(
      lastGrowth - killedAt < 5000,
      `requests kept arriving ${lastGrowth - killedAt} ms after the controller died`,
    );
    const { agents: pool } = await listAgents(nats.url);
    assert.deepEqual(
      pool.filter((a) => a.name === 'a1' || a.name === 'a2').map((a) => a.state),
      ['idle', 'idle'],
    );
    assert.match(
      (agents[0] as AgentProcess).log(),
      /dead-man switch: no word from controller .* load stopped/,
    );
  });

  it('nats-server restarted mid-run: the agents reconnect and the run completes with nothing lost', async (t) => {
    srv.reset();
    const file = iterationScript(dir, srv.url, 150, '6s', 'blip.ts');
    const running = runWithSummary<Summary>(dir, [file, '--nats', nats.url, '--agent-tags', 'pool=main'], {
      timeoutMs: 60_000,
    });
    await waitFor(() => srv.total() >= 300, 'the run to send 300 requests', 30_000);
    await nats.kill();
    await new Promise((r) => setTimeout(r, 500));
    await nats.restart();
    const { code, stderr, summary } = await running;
    assert.ok(summary, stderr);
    assert.deepEqual(summary.runErrors, []);
    assert.equal(code, 0, stderr);
    assert.equal(httpReqs(summary), srv.requests().length, 'nothing measured was lost');
    assert.equal(srv.requests().length, 900);
    t.diagnostic(
      `NATS restarted mid-run: volley counted ${httpReqs(summary)}, the server ${srv.requests().length}`,
    );
    await waitFor(
      () => agents.every((a) => a.log().includes('reconnected to NATS')),
      'the agents to log their reconnect',
      5000,
    );
  });
});

describe('distributed runs: NATS credentials', { timeout: 60_000 }, () => {
  let nats: NatsServer;
  let srv: RouteServer;
  let dir: string;
  before(async () => {
    nats = await startNats(['--user', 'volley', '--pass', 's3cret']);
    srv = await startRouteServer();
    dir = mkdtempSync(join(tmpdir(), 'volley-nats-auth-'));
  });
  after(async () => {
    await srv.close();
    await nats.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bad credentials are refused with a clear message before any traffic; good ones run', async () => {
    const agentBad = await runCli(['agent', '--nats', nats.url, '--user', 'volley', '--password', 'wrong'], {
      timeoutMs: 15_000,
    });
    assert.equal(agentBad.code, 2);
    assert.match(agentBad.stderr, /NATS at nats:\/\/127\.0\.0\.1:\d+ refused the credentials/);
    const file = iterationScript(dir, srv.url, 50, '1s', 'auth.ts');
    const runBad = await runWithSummary<Summary>(dir, [
      file,
      '--nats',
      nats.url,
      '--nats-user',
      'volley',
      '--nats-password',
      'wrong',
    ]);
    assert.equal(runBad.code, 2);
    assert.match(runBad.stderr, /refused the credentials/);
    assert.equal(srv.total(), 0);

    const agent = await startAgent(nats.url, 'auth1', ['--workers', '1'], {
      VOLLEY_NATS_USER: 'volley',
      VOLLEY_NATS_PASSWORD: 's3cret',
    });
    try {
      const ok = await runWithSummary<Summary>(dir, [
        file,
        '--nats',
        nats.url,
        '--nats-user',
        'volley',
        '--nats-password',
        's3cret',
      ]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(httpReqs(ok.summary as Summary), srv.total());
      assert.equal(srv.total(), 50);
    } finally {
      await agent.stop();
    }
  });
});
