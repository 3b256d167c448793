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
import { int, median, pct, ratio, table } from '../lib/format.js';
import { metric } from '../lib/parse.js';
import {
  CLK_TCK,
  cpuTicks,
  findDescendant,
  statusKB,
  freePort,
  log,
  startProc,
  stopProc,
  waitForPort,
  type Proc,
} from '../lib/proc.js';
import { startNginx, stopTarget } from '../lib/targets.js';

const NATS_BINS = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];
const CONNS = 50;

interface DistributedSummary {
  verdict: string;
  runErrors: string[];
  generator: { warnings: string[]; cpuPercent: { avg: number; max: number } };
  distributed?: { degraded: boolean; agents: { name: string; state: string; requests: number }[] };
}

async function startNats(ctx: Ctx): Promise<{ url: string; proc: Proc; pid: number | undefined }> {
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
  return { url: `nats://127.0.0.1:${port}`, proc, pid: await findDescendant(proc.pid, 'nats-server') };
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

/** CPU seconds used so far by these processes (all their threads), from /proc. */
function cpuSeconds(pids: readonly (number | undefined)[]): number {
  return pids.reduce<number>((a, pid) => a + (pid === undefined ? 0 : (cpuTicks(pid) ?? 0)), 0) / CLK_TCK;
}

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
    // (a) merged vs local throughput, interleaved twice (the machine is shared): req/s and req per CPU-second.
    const t = await startNginx(ctx.targetEnv, nginx);
    const localRps: (number | undefined)[] = [];
    const mergedRps: (number | undefined)[] = [];
    const localPerCpu: (number | undefined)[] = [];
    const mergedPerCpu: (number | undefined)[] = [];
    let agentCpuPct: number | undefined;
    let agentPeakMB: (number | undefined)[] = [];
    const pair = await startAgents(ctx, nats.url, 2, 'pair');
    const agentPids = await Promise.all(pair.map((p) => findDescendant(p.pid, 'node')));
    try {
      for (let round = 1; round <= 2; round++) {
        log(
          `section 11a round ${round}: local 2 workers vs 2 agents x 1 thread, ${CONNS} connections, ${t.url}`,
        );
        await cooldown(ctx.cooldownS);
        const local = await runVolley(
          ctx,
          `s11-local-2w-${round}`,
          t.url,
          ['--vus', String(CONNS), '--workers', '2', '--duration', `${D}s`],
          { core: ctx.genCore, target: t },
        );
        const lCount = metric(local.summary, 'http_reqs', 'count');
        localRps.push(metric(local.summary, 'http_reqs', 'rate'));
        if (lCount !== undefined && local.gen.genCpu !== undefined && local.gen.wallS !== undefined)
          localPerCpu.push(lCount / ((local.gen.genCpu / 100) * local.gen.wallS));
        await cooldown(ctx.cooldownS);
        const before = cpuSeconds([...agentPids, nats.pid]);
        const merged = await runVolley(
          ctx,
          `s11-agents-2x1-${round}`,
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
        const used = cpuSeconds([...agentPids, nats.pid]) - before;
        const mCount = metric(merged.summary, 'http_reqs', 'count');
        mergedRps.push(metric(merged.summary, 'http_reqs', 'rate'));
        const wall = merged.gen.wallS ?? D;
        const total = used + ((merged.gen.genCpu ?? 0) / 100) * wall;
        agentCpuPct = (100 * used) / wall;
        if (mCount !== undefined && total > 0) mergedPerCpu.push(mCount / total);
      }
      // Peak resident memory of each agent process (all its threads), for sizing their containers.
      agentPeakMB = agentPids.map((pid) =>
        pid === undefined ? undefined : (statusKB(pid, 'VmHWM') ?? 0) / 1024,
      );
    } finally {
      await stopAgents(pair);
      await stopTarget(t);
    }
    const lr = median(localRps);
    const mr = median(mergedRps);
    const lc = median(localPerCpu);
    const mc = median(mergedPerCpu);
    body.push(
      `**(a) Merged vs local throughput.** Closed loop, ${CONNS} VUs, ${D} s, against nginx on core ${ctx.targetCore}; ` +
        `the local run, the controller, both agents and nats-server all pinned to core ${ctx.genCore}; two interleaved rounds, medians. ` +
        "Requests per CPU-second counts every generator-side process: the local run's (GNU time), or the agents', nats-server's " +
        "(/proc) and the controller's.",
      '',
      table(
        ['run', 'req/s (rounds)', 'req/s median', 'requests per CPU-second'],
        [
          ['volley run --workers 2 (local threads)', localRps.map(int).join(', '), int(lr), int(lc)],
          [
            'volley run --nats … --agents 2 (2 agents × 1 thread)',
            mergedRps.map(int).join(', '),
            int(mr),
            int(mc),
          ],
        ],
      ),
      '',
      `**Result**: 2 agents / local 2 workers = **${ratio(mr, lr)}** in requests per second, **${ratio(mc, lc)}** in requests per ` +
        `CPU-second (goal: ≥ 0.95). Agents and nats-server used ${pct(agentCpuPct)} of core ${ctx.genCore} in the last round; ` +
        `each agent's peak RSS: ${agentPeakMB.map((m) => (m === undefined ? '?' : `${Math.round(m)} MB`)).join(', ')}.`,
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
      // The controller samples its own process CPU every second of the run (the summary's generator.cpuPercent).
      const during = s?.generator.cpuPercent;
      rows.push([
        String(n),
        int(metric(run.summary, 'http_reqs', 'count')),
        `${finished}/${n}`,
        pct(run.gen.genCpu),
        cpuMsPerAgentS === undefined ? '-' : cpuMsPerAgentS.toFixed(1),
        during ? `${during.avg}% / ${during.max}%` : '-',
        during ? ((during.avg * 10) / n).toFixed(2) : '-',
        inTime ? 'yes' : `no${silent ? ` (${silent} silent warnings)` : ''}`,
      ]);
    }
    body.push(
      `**(b) The controller's cost per agent.** Agents of one thread each (every agent process and nats-server on core ${ctx.genCore}; ` +
        `the controller unpinned), quick mode at 20 requests/s per agent for ${D} s, one endpoint. CPU is the controller process's ` +
        'over its whole life (GNU time) divided by agents and run seconds (start-up, reservation and spec shipping included), and ' +
        "during the run alone (the controller's own per-second samples of its process CPU, avg / max): what merging one agent-second costs.",
      '',
      table(
        [
          'agents',
          'requests',
          'finished',
          'controller CPU (whole life)',
          'ms per agent-second (whole life)',
          'controller CPU during the run (avg / max)',
          'ms per agent-second (during the run)',
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
