/**
 * Section 3: memory of 10,000 mostly sleeping VUs against the Node target, in quick mode
 * (`--vus 10000 --think 5s --duration 20s`) and as a script (one constant-vus scenario whose exec
 * does `await http.get(url); await sleep(5)`). Peak RSS of the one volley process (main + worker
 * threads) from GNU time's %M, cross-checked by sampling /proc/PID/status VmHWM, and
 * generator.rssMB from the summary. Each mode also runs at BENCH_MEM_SMALL_VUS (default 1,000)
 * VUs: bytes per idle VU = (steady RSS at N VUs − steady RSS at the small count) / (N − small),
 * where steady RSS is the median VmRSS sampled every 200 ms over the second half of the run.
 */
import { writeFileSync } from 'node:fs';
import { type Ctx, type SectionOutput, runVolley, type VolleyRun } from '../lib/context.js';
import { int, median, ms, pct, table } from '../lib/format.js';
import { metric } from '../lib/parse.js';
import { findDescendant, log, statusKB } from '../lib/proc.js';
import { cooldown, otherLoad } from '../lib/gen.js';
import { startNode, stopTarget, type Target } from '../lib/targets.js';

const LIMIT_MB = 300;
/** RESULTS.md: k6 v0.45.1, 1,000 VUs that send one request and sleep 5 s: 325 MB max RSS. */
const K6 = { vus: 1000, mb: 325 };

type Mode = 'quick' | 'script';

interface Measured {
  mode: Mode;
  vus: number;
  run: VolleyRun;
  /** Highest sampled VmHWM, KB (0: never sampled). */
  hwmKB: number;
  /** Median VmRSS over the second half of the samples, MB. */
  steadyMB: number | undefined;
  /** Peak RSS: GNU time %M, else the sampled VmHWM, MB. */
  peakMB: number | undefined;
}

/** The script-mode load: the same as quick mode's `--think 5s`, written as a test file. */
function scriptFile(ctx: Ctx, name: string, url: string, vus: number, seconds: number): string {
  const file = `${ctx.rawDir}/${name}.ts`;
  writeFileSync(
    file,
    [
      `import { defineTest } from 'volley';`,
      `export default defineTest({`,
      `  scenarios: {`,
      `    s: {`,
      `      executor: 'constant-vus',`,
      `      vus: ${vus},`,
      `      duration: '${seconds}s',`,
      `      exec: async ({ http, sleep }) => {`,
      `        await http.get(${JSON.stringify(url)});`,
      `        await sleep(5);`,
      `      },`,
      `    },`,
      `  },`,
      `});`,
      '',
    ].join('\n'),
  );
  return file;
}

async function measure(ctx: Ctx, t: Target, mode: Mode, vus: number, seconds: number): Promise<Measured> {
  const name = `s3-memory-${mode}-${vus}`;
  let hwmKB = 0;
  const rssKB: number[] = [];
  let sampler: NodeJS.Timeout | undefined;
  log(`section 3: ${mode} mode, ${vus} VUs with 5 s think time for ${seconds} s against ${t.url}`);
  const args = mode === 'quick' ? ['--vus', String(vus), '--think', '5s', '--duration', `${seconds}s`] : [];
  const run = await runVolley(ctx, name, t.url, args, {
    core: ctx.genCore,
    target: t,
    seconds: seconds + 10,
    ...(mode === 'script' ? { file: scriptFile(ctx, name, t.url, vus, seconds) } : {}),
    onStart: (wrapper) => {
      void findDescendant(wrapper, 'node', 10_000).then((pid) => {
        if (pid === undefined) return;
        sampler = setInterval(() => {
          const kb = statusKB(pid, 'VmHWM');
          if (kb !== undefined) hwmKB = Math.max(hwmKB, kb);
          const rss = statusKB(pid, 'VmRSS');
          if (rss !== undefined) rssKB.push(rss);
        }, 200);
      });
    },
  });
  if (sampler) clearInterval(sampler);
  const steady = median(rssKB.slice(Math.floor(rssKB.length / 2)));
  return {
    mode,
    vus,
    run,
    hwmKB,
    steadyMB: steady !== undefined ? steady / 1024 : undefined,
    peakMB: run.gen.maxRssMB ?? (hwmKB > 0 ? hwmKB / 1024 : undefined),
  };
}

function row(ctx: Ctx, m: Measured, seconds: number): string[] {
  const s = m.run.summary;
  const reqs = metric(s, 'http_reqs', 'count');
  return [
    m.mode,
    String(m.vus),
    int(metric(s, 'vus_max', 'max') ?? metric(s, 'vus', 'max')),
    String(s?.generator.workers ?? '-'),
    int(reqs),
    int(reqs !== undefined ? reqs / seconds : undefined),
    int(metric(s, 'http_req_failed', 'passes')),
    ms(metric(s, 'http_req_duration', 'p(99)')),
    int(m.peakMB),
    int(m.hwmKB > 0 ? m.hwmKB / 1024 : undefined),
    int(s?.generator.rssMB.max),
    int(m.steadyMB),
    pct(m.run.gen.genCpu),
    [
      ...otherLoad(m.run.gen, ctx.genCore, ctx.targetCore),
      m.run.gen.rc !== 0 ? `rc=${m.run.gen.rc}` : '',
      s ? '' : 'no summary',
    ]
      .filter(Boolean)
      .join('; '),
  ];
}

/** (a − b) in MB over the VU difference, in bytes per VU. */
const perVuBytes = (a: number | undefined, b: number | undefined, dVus: number): number | undefined =>
  a !== undefined && b !== undefined && dVus > 0 ? ((a - b) * 1024 * 1024) / dVus : undefined;

const verdict = (peak: number | undefined): string =>
  peak === undefined
    ? 'no measurement'
    : `**${peak <= LIMIT_MB ? 'meets' : 'misses'}** the ≤ ${LIMIT_MB} MB target (${int(peak)} MB)`;

export async function memory(ctx: Ctx): Promise<SectionOutput> {
  const vus = Number(process.env.BENCH_MEM_VUS ?? 10000);
  const small = Number(process.env.BENCH_MEM_SMALL_VUS ?? 1000);
  const seconds = Number(process.env.BENCH_MEM_DURATION ?? 20);
  const runs: Measured[] = [];
  // A fresh target per run: 10,000 connections left half-closed by the previous run are not ours to count.
  for (const mode of ['quick', 'script'] as const) {
    for (const n of small > 0 && small < vus ? [vus, small] : [vus]) {
      const t = await startNode(ctx.targetEnv);
      try {
        runs.push(await measure(ctx, t, mode, n, seconds));
      } finally {
        await stopTarget(t);
      }
      await cooldown(ctx.cooldownS);
    }
  }
  const find = (mode: Mode, n: number): Measured | undefined =>
    runs.find((m) => m.mode === mode && m.vus === n);
  const perVu = (mode: Mode): { steady: number | undefined; peak: number | undefined } => {
    const big = find(mode, vus);
    const little = find(mode, small);
    return {
      steady: perVuBytes(big?.steadyMB, little?.steadyMB, vus - small),
      peak: perVuBytes(big?.peakMB, little?.peakMB, vus - small),
    };
  };
  const kb = (b: number | undefined): string => (b !== undefined ? `${(b / 1024).toFixed(1)} KB` : '-');
  const quick = perVu('quick');
  const script = perVu('script');
  const body = [
    `Quick mode: \`volley run --url <node target> --vus ${vus} --think 5s --duration ${seconds}s\`. Script mode: ` +
      `\`volley run <file>\` with one \`constant-vus\` scenario of the same VUs and duration whose exec is ` +
      '`async ({ http, sleep }) => { await http.get(url); await sleep(5); }`. ' +
      `Generator pinned to core ${ctx.genCore} (so \`--workers auto\` = 1 worker), a fresh Node target on core ` +
      `${ctx.targetCore} per run. Peak RSS is of the whole process (all threads); steady RSS is the median ` +
      'VmRSS sampled every 200 ms over the second half of the run.',
    '',
    table(
      [
        'mode',
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
        'steady RSS MB',
        'gen CPU',
        'notes',
      ],
      runs.map((m) => row(ctx, m, seconds)),
      'llrrrrrrrrrrrl',
    ),
    '',
    `**Result**: quick mode ${verdict(find('quick', vus)?.peakMB)}; script mode ${verdict(find('script', vus)?.peakMB)}.`,
    '',
    `**Bytes per idle VU** = (RSS at ${vus} VUs − RSS at ${small} VUs) / ${vus - small}: ` +
      `quick mode ${kb(quick.steady)} (steady RSS; ${kb(quick.peak)} from peak RSS), ` +
      `script mode ${kb(script.steady)} (steady RSS; ${kb(script.peak)} from peak RSS). ` +
      `For comparison only (not run here): RESULTS.md measured k6 v0.45.1 at ${K6.mb} MB max RSS for ${K6.vus.toLocaleString('en-US')} VUs ` +
      `(≈ ${((K6.mb * 1024) / K6.vus).toFixed(0)} KB per VU including its baseline).`,
  ];
  return { title: '3. Memory: 10,000 sleeping VUs', body: body.join('\n') };
}
