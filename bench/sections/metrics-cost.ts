/**
 * Section 5: what recording metrics costs on the hot path. volley at closed-loop maximum
 * throughput under `node --cpu-prof`; self time of dist/src/metrics/* and hdr-histogram-js frames
 * as a share of the worker thread's non-idle time.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { type Ctx, type SectionOutput, runVolley, warmup } from '../lib/context.js';
import { int, ms, pct, table } from '../lib/format.js';
import { volleyNumbers } from '../lib/parse.js';
import { breakdown, isMetricsGroup, type ProfileBreakdown } from '../lib/profile.js';
import { log } from '../lib/proc.js';
import { startNginx, startNode, stopTarget } from '../lib/targets.js';

const share = (us: number, of: number): string => (of > 0 ? `${((100 * us) / of).toFixed(1)}%` : '-');

function metricsUs(b: ProfileBreakdown): number {
  let s = 0;
  for (const [g, us] of b.groups) if (isMetricsGroup(g)) s += us;
  return s;
}

export async function metricsCost(ctx: Ctx): Promise<SectionOutput> {
  const D = ctx.durationS;
  const dir = `${ctx.rawDir}/cpu-prof`;
  mkdirSync(dir, { recursive: true });
  const t = ctx.peers.nginx
    ? await startNginx(ctx.targetEnv, ctx.peers.nginx)
    : await startNode(ctx.targetEnv);
  let run;
  try {
    log(`section 5: volley under --cpu-prof against ${t.name}`);
    await warmup(ctx, t);
    run = await runVolley(
      ctx,
      's5-cpu-prof',
      t.url,
      ['--vus', '50', '--workers', '1', '--duration', `${D}s`],
      {
        core: ctx.genCore,
        target: t,
        nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
      },
    );
  } finally {
    await stopTarget(t);
  }
  const n = volleyNumbers(run.summary);
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const whole = files.map((f) => breakdown(`${dir}/${f}`, ctx.root));
  const steady = files.map((f) => breakdown(`${dir}/${f}`, ctx.root, 'dist/src/protocols/http/'));
  const workers = steady.filter((b) => b.threadId > 0);
  const body: string[] = [
    `\`node --cpu-prof dist/src/cli/main.js run --url <${t.name}> --vus 50 --workers 1 --duration ${D}s\`, pinned to core ${ctx.genCore}: ` +
      `${int(n.rps)} req/s (p99 ${ms(n.p99)} ms) with the profiler on. Self time of functions in dist/src/metrics/ plus hdr-histogram-js, ` +
      'as a share of the thread\'s non-idle time (everything but "(idle)", so GC and "(program)" are in the denominator). ' +
      '"steady" counts only samples between the first and the last one in dist/src/protocols/http/ (drops module loading and the final flush). ' +
      `Profiles: ${dir}/.`,
    '',
  ];
  if (files.length === 0) {
    body.push('**No CPU profile was written** (the run did not exit normally?): no result.');
    return { title: '5. Metrics-recording cost', body: body.join('\n') };
  }
  const rows = files.map((f, i) => {
    const w = whole[i] as ProfileBreakdown;
    const s = steady[i] as ProfileBreakdown;
    return [
      w.threadId === 0 ? 'main' : `worker (thread ${w.threadId})`,
      ms((w.totalUs - w.idleUs) / 1000),
      share(metricsUs(w), w.totalUs - w.idleUs),
      ms((s.totalUs - s.idleUs) / 1000),
      ms(metricsUs(s) / 1000),
      share(metricsUs(s), s.totalUs - s.idleUs),
      pct((100 * (s.totalUs - s.idleUs)) / Math.max(1, s.totalUs)),
    ];
  });
  body.push(
    table(
      [
        'thread',
        'non-idle ms (whole)',
        'metrics share (whole)',
        'non-idle ms (steady)',
        'metrics ms (steady)',
        'metrics share (steady)',
        'thread busy (steady)',
      ],
      rows,
    ),
  );
  // Where the worker's metrics time goes, and what else it spends time on.
  for (const w of workers) {
    const nonIdle = w.totalUs - w.idleUs;
    const top = [...w.groups].filter(([g]) => g !== '(idle)').sort((a, b) => b[1] - a[1]);
    body.push('');
    body.push(
      `Worker thread ${w.threadId}, steady window: metrics frames by file, then the top 12 self-time groups overall.`,
    );
    body.push('');
    body.push(
      table(
        ['metrics file', 'self ms', 'share of non-idle'],
        top.filter(([g]) => isMetricsGroup(g)).map(([g, us]) => [g, ms(us / 1000), share(us, nonIdle)]),
      ),
    );
    body.push('');
    body.push(
      table(
        ['group (file or native)', 'self ms', 'share of non-idle'],
        top.slice(0, 12).map(([g, us]) => [g, ms(us / 1000), share(us, nonIdle)]),
      ),
    );
  }
  const headline = workers.map((w) => share(metricsUs(w), w.totalUs - w.idleUs)).join(', ');
  body.push('');
  body.push(
    `**Result**: metrics recording = **${headline || '-'}** of the worker thread's non-idle time (steady window). ` +
      'Self time only: allocation done for metrics is paid in "(garbage collector)", which is not attributed; functions V8 inlined into a caller count as the caller.',
  );
  return { title: '5. Metrics-recording cost', body: body.join('\n') };
}
