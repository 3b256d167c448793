/**
 * Soak: `volley run --url <target> --rate 2000 --duration 600s` (BENCH_SOAK_S, BENCH_SOAK_RATE)
 * against volley's own demo target, which counts what it receives. States the generator's RSS
 * slope (MB/min, least squares over one VmRSS sample per second) and whether every request the
 * target received was reported (`http_reqs` = the target's count), with none dropped.
 */
import { type Ctx, type SectionOutput, runVolley } from '../lib/context.js';
import { int, table } from '../lib/format.js';
import { metric } from '../lib/parse.js';
import { findDescendant, freePort, log, startProc, statusKB, stopProc, waitForPort } from '../lib/proc.js';

/** A slope above this (MB per minute, after the warm-up) is reported as growth. */
const FLAT_MB_PER_MIN = 1;
/** Seconds left out of the slope: VU pools, JIT and histograms fill up first. */
const WARMUP_S = 10;

/** Least-squares slope of y over x. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) * (x - mx);
  }
  return den === 0 ? 0 : num / den;
}

async function targetCount(url: string): Promise<number> {
  const res = await fetch(`${url}__volley/stats`);
  return ((await res.json()) as { totalRequests: number }).totalRequests;
}

export async function soak(ctx: Ctx): Promise<SectionOutput> {
  const seconds = Number(process.env.BENCH_SOAK_S ?? 600);
  const rate = Number(process.env.BENCH_SOAK_RATE ?? 2000);
  const port = await freePort();
  const logFile = `${ctx.rawDir}/target-soak.log`;
  const target = startProc(
    'target soak',
    'timeout',
    [
      '-k',
      '3',
      String(seconds + 300),
      'taskset',
      '-c',
      String(ctx.targetCore),
      process.execPath,
      ctx.volleyMain,
      'target',
      '--port',
      String(port),
    ],
    { stdout: logFile, stderr: logFile },
  );
  const url = `http://127.0.0.1:${port}/`;
  const samples: [number, number][] = [];
  let sampler: NodeJS.Timeout | undefined;
  let run;
  let received = 0;
  try {
    if (!(await waitForPort(port, target))) throw new Error(`the demo target did not start; see ${logFile}`);
    const before = await targetCount(url);
    log(`section soak: ${rate}/s for ${seconds} s against ${url}health`);
    const t0 = Date.now();
    run = await runVolley(
      ctx,
      'soak',
      `${url}health`,
      ['--rate', String(rate), '--duration', `${seconds}s`],
      {
        core: ctx.genCore,
        seconds,
        onStart: (wrapper) => {
          void findDescendant(wrapper, 'node', 10_000).then((pid) => {
            if (pid === undefined) return;
            sampler = setInterval(() => {
              const kb = statusKB(pid, 'VmRSS');
              if (kb !== undefined) samples.push([(Date.now() - t0) / 1000, kb / 1024]);
            }, 1000);
          });
        },
      },
    );
    received = (await targetCount(url)) - before;
  } finally {
    if (sampler) clearInterval(sampler);
    await stopProc(target);
  }
  const s = run.summary;
  const reported = metric(s, 'http_reqs', 'count');
  const dropped = metric(s, 'dropped_iterations', 'count') ?? 0;
  const failed = metric(s, 'http_req_failed', 'passes');
  const steady = samples.filter(([t]) => t >= WARMUP_S);
  const slopeAll = slope(samples) * 60;
  const slopeSteady = slope(steady) * 60;
  const rss = samples.map(([, mb]) => mb);
  const first = steady[0]?.[1];
  const last = steady.at(-1)?.[1];
  const counted = reported !== undefined && reported === received;
  const row = [
    String(rate),
    String(seconds),
    int(reported),
    int(received),
    counted ? 'yes' : '**no**',
    int(dropped),
    int(failed),
    String(samples.length),
    rss.length ? `${int(Math.min(...rss))}–${int(Math.max(...rss))}` : '-',
    first !== undefined && last !== undefined ? `${int(first)} → ${int(last)}` : '-',
    slopeAll.toFixed(2),
    slopeSteady.toFixed(2),
  ];
  const flat = steady.length >= 2 && slopeSteady <= FLAT_MB_PER_MIN;
  const verdict =
    `RSS slope after the first ${WARMUP_S} s: **${slopeSteady.toFixed(2)} MB/min** ` +
    `(${flat ? 'flat' : `**growing**: above ${FLAT_MB_PER_MIN} MB/min`}); ` +
    (counted
      ? `every request counted (volley ${int(reported)} = target ${int(received)})`
      : `**requests lost**: volley reported ${int(reported)}, the target received ${int(received)}`) +
    (dropped > 0 ? `; ${int(dropped)} iterations dropped` : '') +
    (run.gen.rc !== 0 ? `; volley exited ${run.gen.rc}` : '');
  const body = [
    `\`volley run --url <demo target>/health --rate ${rate} --duration ${seconds}s\` (BENCH_SOAK_S, BENCH_SOAK_RATE), ` +
      `generator on core ${ctx.genCore}, \`volley target\` on core ${ctx.targetCore} counting what it receives. ` +
      'RSS is VmRSS of the volley process (all threads), sampled once a second; the slope is a least-squares fit.',
    '',
    table(
      [
        'rate/s',
        'seconds',
        'reported',
        'target received',
        'all counted',
        'dropped',
        'failed',
        'RSS samples',
        'RSS MB min–max',
        `RSS MB at ${WARMUP_S} s → end`,
        'slope MB/min (all)',
        `slope MB/min (after ${WARMUP_S} s)`,
      ],
      [row],
      'rrrrlrrrrrrr',
    ),
    '',
    `**Result**: ${verdict}.`,
  ];
  return { title: `6. Soak: ${rate.toLocaleString('en-US')}/s for ${seconds} s`, body: body.join('\n') };
}
