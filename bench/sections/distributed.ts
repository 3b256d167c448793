/**
 * Section 11: distributed runs over NATS, on this machine (agents as local processes).
 *
 * (a) Merged vs local throughput: the same closed-loop quick-mode test against nginx (target core),
 *     once as a local run with 2 worker threads and once over 2 agents of 1 thread each through a
 *     private nats-server. Everything on the generator's side (controller, agents, nats-server,
 *     local run) is pinned to the generator core, so both get the same CPU.
 * (b) The controller's cost: runs over 1, 2, 4, 8 and 16 agents (BENCH_AGENTS) of one thread each,
 *     a light open-loop load (20/s per agent), the controller's CPU from GNU time divided by agents
 *     and seconds; "in time" means every agent finished, none was lost, and no second was closed
 *     without an agent's report (the run's warnings name a generator not responding).
 */
import { existsSync, readFileSync } from 'node:fs';
import { type Ctx, type SectionOutput, runVolley } from '../lib/context.js';
import { cooldown } from '../lib/gen.js';
import { int, pct, ratio, table } from '../lib/format.js';
import { metric } from '../lib/parse.js';
import { freePort, log, startProc, stopProc, waitForPort, type Proc } from '../lib/proc.js';
import { startNginx, stopTarget } from '../lib/targets.js';

const NATS_BINS = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];
const CONNS = 50;

interface DistributedSummary {
  verdict: string;
  runErrors: string[];
  generator: { warnings: string[]; cpuPercent: { avg: number; max: number } };
  distributed?: { degraded: boolean; agents: { name: string; state: string; requests: number }[] };
}

async function startNats(ctx: Ctx): Promise<{ url: string; proc: Proc }> {
  const bin = NATS_BINS.find((b) => existsSync(b));
  if (!bin) throw new Error('nats-server is not installed (apt-get install -y nats-server)');
  const port = await freePort();
  const logFile = `${ctx.rawDir}/nats-server.log`;
  const proc = startProc(
    'nats-server',
    'timeout',
    ['-k', '3', '3600', 'taskset', '-c', String(ctx.genCore), bin, '-a', '127.0.0.1', '-p', String(port)],
    { stdout: logFile, stderr: logFile },
  );
  if (!(await waitForPort(port, proc))) throw new Error(`nats-server did not start; see ${logFile}`);
  return { url: `nats://127.0.0.1:${port}`, proc };
}

async function startAgents(ctx: Ctx, url: string, n: number, tag: string): Promise<Proc[]> {
  const procs: Proc[] = [];
  for (let i = 0; i < n; i++) {
    const logFile = `${ctx.rawDir}/agent-${tag}-${i}.log`;
    procs.push(
      startProc(
        `agent ${tag}-${i}`,
        'timeout',
        [
          '-k',
          '3',
          '3600',
          'taskset',
          '-c',
          String(ctx.genCore),
          process.execPath,
          ctx.volleyMain,
          'agent',
          '--nats',
          url,
          '--name',
          `${tag}-${i}`,
          '--workers',
          '1',
          '--tags',
          `bench=${tag}`,
        ],
        { stdout: logFile, stderr: logFile },
      ),
    );
  }
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const logFile = `${ctx.rawDir}/agent-${tag}-${i}.log`;
    while (!(existsSync(logFile) && readFileSync(logFile, 'utf8').includes('joined the pool'))) {
      if (Date.now() - t0 > 60_000) throw new Error(`agent ${tag}-${i} did not join; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return procs;
}

const stopAgents = (procs: readonly Proc[]): Promise<void[]> => Promise.all(procs.map((p) => stopProc(p)));

export async function distributedRuns(ctx: Ctx): Promise<SectionOutput> {
  const D = ctx.durationS;
  const nginx = ctx.peers.nginx;
  if (!nginx) throw new Error('nginx is required');
  const counts = (process.env.BENCH_AGENTS ?? '1,2,4,8,16')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
  const nats = await startNats(ctx);
  const body: string[] = [];
  try {
    // (a) merged vs local throughput.
    const t = await startNginx(ctx.targetEnv, nginx);
    let local;
    let merged;
    const pair = await startAgents(ctx, nats.url, 2, 'pair');
    try {
      log(`section 11a: local 2 workers vs 2 agents x 1 thread, ${CONNS} connections, ${t.url}`);
      local = await runVolley(
        ctx,
        's11-local-2w',
        t.url,
        ['--vus', String(CONNS), '--workers', '2', '--duration', `${D}s`],
        {
          core: ctx.genCore,
          target: t,
        },
      );
      await cooldown(ctx.cooldownS);
      merged = await runVolley(
        ctx,
        's11-agents-2x1',
        t.url,
        [
          '--vus',
          String(CONNS),
          '--duration',
          `${D}s`,
          '--nats',
          nats.url,
          '--agents',
          '2',
          '--agent-tags',
          'bench=pair',
        ],
        { core: ctx.genCore, target: t },
      );
    } finally {
      await stopAgents(pair);
      await stopTarget(t);
    }
    const localRps = metric(local.summary, 'http_reqs', 'rate');
    const mergedRps = metric(merged.summary, 'http_reqs', 'rate');
    body.push(
      `**(a) Merged vs local throughput.** Closed loop, ${CONNS} VUs, ${D} s, against nginx on core ${ctx.targetCore}; ` +
        `the local run, the controller, both agents and nats-server all pinned to core ${ctx.genCore}.`,
      '',
      table(
        ['run', 'req/s', 'target CPU'],
        [
          ['volley run --workers 2 (local threads)', int(localRps), pct(local.gen.targetCpu)],
          ['volley run --nats … --agents 2 (2 agents × 1 thread)', int(mergedRps), pct(merged.gen.targetCpu)],
        ],
      ),
      '',
      `**Result**: 2 agents / local 2 workers = **${ratio(mergedRps, localRps)}** (goal: ≥ 0.95).`,
      '',
    );

    // (b) controller CPU per agent per second, and how many agents it keeps up with.
    const rows: string[][] = [];
    for (const n of counts) {
      await cooldown(ctx.cooldownS);
      const tb = await startNginx(ctx.targetEnv, nginx);
      const agents = await startAgents(ctx, nats.url, n, `n${n}`);
      let run;
      try {
        log(`section 11b: ${n} agents x 1 thread, ${20 * n}/s, controller unpinned`);
        run = await runVolley(
          ctx,
          `s11-controller-${n}`,
          tb.url,
          [
            '--rate',
            String(20 * n),
            '--duration',
            `${D}s`,
            '--nats',
            nats.url,
            '--agents',
            String(n),
            '--agent-tags',
            `bench=n${n}`,
          ],
          { core: undefined, target: tb },
        );
      } finally {
        await stopAgents(agents);
        await stopTarget(tb);
      }
      const s = run.summary as unknown as DistributedSummary | undefined;
      const d = s?.distributed;
      const finished = d?.agents.filter((a) => a.state === 'finished').length ?? 0;
      const silent = (s?.generator.warnings ?? []).filter((w) => /not responding|silent/i.test(w)).length;
      const inTime =
        s !== undefined && finished === n && !d?.degraded && silent === 0 && s.runErrors.length === 0;
      // GNU time's %P covers the controller's whole life (connect, reserve, init, the run, release).
      const wall = run.gen.wallS ?? D;
      const cpuMsPerAgentS =
        run.gen.genCpu !== undefined ? (run.gen.genCpu * 10 * wall) / (n * D) : undefined;
      rows.push([
        String(n),
        int(metric(run.summary, 'http_reqs', 'count')),
        `${finished}/${n}`,
        pct(run.gen.genCpu),
        cpuMsPerAgentS === undefined ? '-' : cpuMsPerAgentS.toFixed(1),
        inTime ? 'yes' : `no${silent ? ` (${silent} silent warnings)` : ''}`,
      ]);
    }
    body.push(
      `**(b) The controller's cost per agent.** Agents of one thread each (every agent process and nats-server on core ${ctx.genCore}; ` +
        `the controller unpinned), quick mode at 20 requests/s per agent for ${D} s, one endpoint. CPU is the controller process's ` +
        'over its whole life (GNU time), divided by agents and run seconds: what merging one agent-second costs, start-up included.',
      '',
      table(
        [
          'agents',
          'requests',
          'finished',
          'controller CPU',
          'controller CPU ms per agent-second',
          'merged in time',
        ],
        rows,
      ),
      '',
      `Largest number of agents tried: **${Math.max(...counts)}** on this 2-core machine.`,
    );
  } finally {
    await stopProc(nats.proc);
  }
  return { title: '11. Distributed: agents over NATS', body: body.join('\n') };
}
