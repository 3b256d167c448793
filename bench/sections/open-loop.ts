/**
 * Section 2: open-loop accuracy. volley --rate R against nginx; achieved rate is
 * http_reqs.count / planned seconds (not volley's own rate, which divides by the run's wall time).
 */
import { existsSync, readFileSync } from 'node:fs';
import { type Ctx, type SectionOutput, runVolley, warmup } from '../lib/context.js';
import { int, ms, pct, table } from '../lib/format.js';
import { cooldown, leastDisturbed, otherLoad } from '../lib/gen.js';
import { metric } from '../lib/parse.js';
import { log } from '../lib/proc.js';
import { startNginx, startNode, stopTarget, targetAlive } from '../lib/targets.js';

export function rates(): number[] {
  const env = process.env.BENCH_RATES;
  const r = env ? env.split(',').map(Number) : [1000, 5000, 10000];
  return r.filter((x) => Number.isFinite(x) && x > 0);
}

/**
 * The per-second schedule-lag p99s (from --out ndjson): the first second's, and the worst after it.
 * They show whether the whole-run p99 is a start-up transient (connections opening, JIT) or lasts.
 * A max of per-second percentiles, never an average of them.
 */
function lagBySecond(file: string): { first: number | undefined; worstAfter: number | undefined } {
  let first: number | undefined;
  let worstAfter: number | undefined;
  if (!existsSync(file)) return { first, worstAfter };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const snap = JSON.parse(line) as { second?: number; scheduleLagP99Ms?: number };
    if (snap.second === undefined || snap.scheduleLagP99Ms === undefined) continue;
    if (snap.second === 0) first = snap.scheduleLagP99Ms;
    else worstAfter = Math.max(worstAfter ?? 0, snap.scheduleLagP99Ms);
  }
  return { first, worstAfter };
}

interface Mode {
  name: string;
  args: string[];
  pinned: boolean;
}

const ALL_MODES: Mode[] = [
  { name: 'workers 1, pinned', args: ['--workers', '1'], pinned: true },
  { name: 'workers 1, pinned, --precise', args: ['--workers', '1', '--precise'], pinned: true },
  { name: 'default workers, unpinned', args: [], pinned: false },
];

/** BENCH_OPEN_MODES=default (or pinned, precise): only the modes whose name has one of the words. */
function modes(): Mode[] {
  const env = process.env.BENCH_OPEN_MODES;
  if (!env) return ALL_MODES;
  const words = env
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean);
  return ALL_MODES.filter((m) => words.some((w) => m.name.includes(w)));
}

export async function openLoop(ctx: Ctx): Promise<SectionOutput> {
  const D = ctx.durationS;
  const t = ctx.peers.nginx
    ? await startNginx(ctx.targetEnv, ctx.peers.nginx)
    : await startNode(ctx.targetEnv);
  const rows: string[][] = [];
  const worst: string[] = [];
  try {
    log(`section 2: open loop against ${t.name} at ${t.url}`);
    await warmup(ctx, t);
    // BENCH_BASELINE: the other build right after this one, the same mode and rate (before/after in
    // one invocation); BENCH_OPEN_RUNS repeats each pair, interleaved, since lag is noisy.
    const builds: { label: string; main: string | undefined }[] = [{ label: '', main: undefined }];
    if (ctx.baselineMain) builds.push({ label: ' (baseline)', main: ctx.baselineMain });
    const runs = Math.max(1, Number(process.env.BENCH_OPEN_RUNS ?? 1) || 1);
    for (const rate of rates()) {
      for (const mode of modes()) {
        for (let run = 1; run <= runs; run++) {
          for (const build of builds) {
            const genCore = mode.pinned ? ctx.genCore : undefined;
            const label = `${mode.name}${build.label}${runs > 1 ? ` #${run}` : ''}`;
            const { result, note } = await leastDisturbed(
              async (k) => {
                const name = `s2-rate${rate}-${label}${k > 1 ? `-try${k}` : ''}`;
                const ndjson = `${ctx.rawDir}/${name.replace(/[^\w.-]+/g, '_')}.ndjson`;
                const args = [
                  '--rate',
                  String(rate),
                  '--duration',
                  `${D}s`,
                  ...mode.args,
                  '--out',
                  `ndjson=${ndjson}`,
                ];
                return {
                  ndjson,
                  ...(await runVolley(ctx, name, t.url, args, {
                    core: genCore,
                    target: t,
                    main: build.main,
                  })),
                };
              },
              (x) => x.gen,
              { genCore, targetCore: ctx.targetCore, cooldownS: ctx.cooldownS },
            );
            const r = result;
            const s = r.summary;
            const count = metric(s, 'http_reqs', 'count');
            const achieved = count !== undefined ? count / D : undefined;
            const ok = achieved !== undefined ? achieved / rate : undefined;
            const dropped = s ? (metric(s, 'dropped_iterations', 'count') ?? 0) : undefined;
            const lag50 = metric(s, 'schedule_lag', 'med');
            const lag99 = metric(s, 'schedule_lag', 'p(99)');
            const lag = lagBySecond(r.ndjson);
            log(
              `    -> ${int(achieved)} req/s (${ok?.toFixed(4)}), dropped ${dropped}, lag p99 ${ms(lag99)} ms, ` +
                `1st s ${ms(lag.first)} ms, worst later s ${ms(lag.worstAfter)} ms`,
            );
            if (ok !== undefined && Math.abs(ok - 1) > 0.005)
              worst.push(`${rate}/s ${label}: ${(ok * 100).toFixed(2)}%`);
            rows.push([
              String(rate),
              label,
              String(s?.generator.workers ?? '-'),
              int(achieved),
              ok !== undefined ? ok.toFixed(4) : '-',
              int(dropped),
              ms(lag50),
              ms(lag99),
              ms(lag.first),
              ms(lag.worstAfter),
              ms(metric(s, 'iteration_latency', 'p(99)')),
              ms(metric(s, 'http_req_duration', 'p(99)')),
              pct(r.gen.genCpu),
              s ? (s.generator.saturated ? `yes (${s.generator.reasons.join(', ')})` : 'no') : 'no summary',
              pct(r.gen.targetCpu),
              [...otherLoad(r.gen, genCore, ctx.targetCore), note].filter(Boolean).join('; '),
            ]);
            if (!targetAlive(t)) throw new Error(`target ${t.name} died`);
            await cooldown(ctx.cooldownS);
          }
        }
      }
    }
  } finally {
    await stopTarget(t);
  }
  const body: string[] = [
    `volley \`--rate R --duration ${D}s\` against ${t.name} (pinned to core ${ctx.targetCore}). "pinned" = generator on core ${ctx.genCore} ` +
      `with taskset; "default workers, unpinned" = no taskset and \`--workers auto\` (one per core, so it shares core ${ctx.targetCore} with the target). ` +
      `Achieved = http_reqs.count / ${D} s (the planned duration); iteration_latency is measured from each arrival's planned start. ` +
      'Lag = schedule_lag (how late an arrival was dispatched); the whole-run p99 includes the first second (connections opening, cold JIT), ' +
      "the next columns are the first second's p99 and the worst one-second p99 after it." +
      (ctx.baselineMain
        ? ` "(baseline)" rows: the build at \`${ctx.baselineMain}\`, run right after this one.`
        : ''),
    '',
    table(
      [
        'rate/s',
        'mode',
        'workers',
        'achieved req/s',
        'achieved/requested',
        'dropped',
        'lag p50 ms',
        'lag p99 ms',
        '1st-s lag p99 ms',
        'worst 1-s lag p99 after 1st s',
        'iter. latency p99 ms',
        'http_req_duration p99 ms',
        'gen CPU',
        'saturated',
        'target CPU',
        'notes',
      ],
      rows,
      'rlrrrrrrrrrrrlrl',
    ),
    '',
    worst.length === 0
      ? '**Ratios**: every run achieved its requested rate within 0.5% (achieved/requested column).'
      : `**Ratios**: runs more than 0.5% off the requested rate: ${worst.join('; ')}.`,
  ];
  return { title: '2. Open-loop rate accuracy', body: body.join('\n') };
}
