/**
 * Section 3: memory of 10,000 mostly sleeping VUs (`--vus 10000 --think 5s --duration 20s`)
 * against the Node target. Peak RSS of the one volley process (main + worker threads) from GNU
 * time's %M, cross-checked by sampling /proc/PID/status VmHWM, and generator.rssMB from the summary.
 */
import { type Ctx, type SectionOutput, runVolley } from '../lib/context.js';
import { int, ms, pct, table } from '../lib/format.js';
import { metric } from '../lib/parse.js';
import { findDescendant, log, statusKB } from '../lib/proc.js';
import { otherLoad } from '../lib/gen.js';
import { startNode, stopTarget } from '../lib/targets.js';

const LIMIT_MB = 300;
/** RESULTS.md: k6 v0.45.1, 1,000 VUs that send one request and sleep 5 s: 325 MB max RSS. */
const K6 = { vus: 1000, mb: 325 };

export async function memory(ctx: Ctx): Promise<SectionOutput> {
  const vus = Number(process.env.BENCH_MEM_VUS ?? 10000);
  const seconds = Number(process.env.BENCH_MEM_DURATION ?? 20);
  const t = await startNode(ctx.targetEnv);
  let hwmKB = 0;
  let sampler: NodeJS.Timeout | undefined;
  let run;
  try {
    log(`section 3: ${vus} VUs with 5 s think time for ${seconds} s against ${t.url}`);
    run = await runVolley(
      ctx,
      's3-memory',
      t.url,
      ['--vus', String(vus), '--think', '5s', '--duration', `${seconds}s`],
      {
        core: ctx.genCore,
        target: t,
        seconds: seconds + 10,
        onStart: (wrapper) => {
          void findDescendant(wrapper, 'node', 10_000).then((pid) => {
            if (pid === undefined) return;
            sampler = setInterval(() => {
              const kb = statusKB(pid, 'VmHWM');
              if (kb !== undefined) hwmKB = Math.max(hwmKB, kb);
            }, 200);
          });
        },
      },
    );
  } finally {
    if (sampler) clearInterval(sampler);
    await stopTarget(t);
  }
  const s = run.summary;
  const peak = run.gen.maxRssMB ?? (hwmKB > 0 ? hwmKB / 1024 : undefined);
  const vusMax = metric(s, 'vus_max', 'max') ?? metric(s, 'vus', 'max');
  const reqs = metric(s, 'http_reqs', 'count');
  const failed = metric(s, 'http_req_failed', 'passes');
  const row = [
    String(vus),
    int(vusMax),
    String(s?.generator.workers ?? '-'),
    int(reqs),
    int(reqs !== undefined ? reqs / seconds : undefined),
    int(failed),
    ms(metric(s, 'http_req_duration', 'p(99)')),
    int(peak),
    int(hwmKB > 0 ? hwmKB / 1024 : undefined),
    int(s?.generator.rssMB.max),
    pct(run.gen.genCpu),
    [...otherLoad(run.gen, ctx.genCore, ctx.targetCore), run.gen.rc !== 0 ? `rc=${run.gen.rc}` : '']
      .filter(Boolean)
      .join('; '),
  ];
  const perVuKB = peak !== undefined ? (peak * 1024) / vus : undefined;
  const verdict =
    peak === undefined
      ? 'no measurement'
      : peak <= LIMIT_MB
        ? `**meets** the ≤ ${LIMIT_MB} MB target (${int(peak)} MB)`
        : `**misses** the ≤ ${LIMIT_MB} MB target (${int(peak)} MB)`;
  const body = [
    `\`volley run --url <node target> --vus ${vus} --think 5s --duration ${seconds}s\`, generator pinned to core ${ctx.genCore} ` +
      `(so \`--workers auto\` = 1 worker), Node target on core ${ctx.targetCore}. Peak RSS is of the whole process (all threads).`,
    '',
    table(
      [
        'VUs',
        'vus_max seen',
        'workers',
        'requests',
        'req/s',
        'failed',
        'p99 ms',
        'peak RSS MB (time %M)',
        'VmHWM MB (sampled)',
        'summary rssMB.max',
        'gen CPU',
        'notes',
      ],
      [row],
      'rrrrrrrrrrrl',
    ),
    '',
    `**Result**: ${verdict}; ≈ ${perVuKB !== undefined ? perVuKB.toFixed(1) : '-'} KB per VU including the process baseline. ` +
      `For comparison only (not run here): RESULTS.md measured k6 v0.45.1 at ${K6.mb} MB max RSS for ${K6.vus.toLocaleString('en-US')} VUs ` +
      `(≈ ${((K6.mb * 1024) / K6.vus).toFixed(0)} KB per VU), i.e. ten times fewer VUs than here.`,
  ];
  return { title: '3. Memory: 10,000 sleeping VUs', body: body.join('\n') };
}
