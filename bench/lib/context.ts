/** What every section shares: paths, settings from the environment, peers, and the volley runner. */
import { cooldown, runGen, type GenResult } from './gen.js';
import type { Peers } from './install.js';
import { readVolley, type VolleySummary } from './parse.js';
import type { Target, TargetEnv } from './targets.js';

export interface Ctx {
  root: string;
  benchDir: string;
  outDir: string;
  rawDir: string;
  /** Seconds per generator run (BENCH_DURATION). */
  durationS: number;
  /** Repetitions of the section-1 matrix (BENCH_RUNS). */
  runs: number;
  genCore: number;
  targetCore: number;
  cooldownS: number;
  peers: Peers;
  targetEnv: TargetEnv;
  volleyMain: string;
  /**
   * Another build's dist/src/cli/main.js (BENCH_BASELINE): section 1 interleaves it with this one,
   * so a change is measured before and after in one invocation.
   */
  baselineMain: string | undefined;
}

/** Hard wall-clock cap of one generator run of `seconds`, as in peers.sh. */
export const limitFor = (seconds: number): number => seconds * 3 + 60;

export interface SectionOutput {
  title: string;
  /** Markdown: explanation, table(s), ratios. */
  body: string;
}

export interface VolleyRun {
  gen: GenResult;
  summary: VolleySummary | undefined;
}

/** `volley run --url URL ARGS -q --out json=…`, bounded and optionally pinned. */
export async function runVolley(
  ctx: Ctx,
  name: string,
  url: string,
  args: readonly string[],
  opts: {
    core: number | undefined;
    target?: Target | undefined;
    nodeArgs?: readonly string[];
    seconds?: number;
    onStart?: (pid: number) => void;
    /** Run this test file instead of quick mode's `--url` (the file names its own target). */
    file?: string;
    /** Another build's main.js (the baseline) instead of this one. */
    main?: string | undefined;
  },
): Promise<VolleyRun> {
  const json = `${ctx.rawDir}/${name.replace(/[^\w.-]+/g, '_')}.json`;
  const gen = await runGen({
    name,
    argv: [
      process.execPath,
      ...(opts.nodeArgs ?? []),
      opts.main ?? ctx.volleyMain,
      'run',
      ...(opts.file ? [opts.file] : ['--url', url]),
      ...args,
      '-q',
      '--out',
      `json=${json}`,
    ],
    core: opts.core,
    limitS: limitFor(opts.seconds ?? ctx.durationS),
    rawDir: ctx.rawDir,
    targetPid: opts.target?.pid,
    ...(opts.onStart ? { onStart: opts.onStart } : {}),
  });
  return { gen, summary: readVolley(json) };
}

/** Unrecorded load on a fresh target so a JIT-compiled server is warm (wrk when present). */
export async function warmup(ctx: Ctx, t: Target, seconds = 2): Promise<void> {
  const argv = ctx.peers.wrk
    ? [ctx.peers.wrk, '-t1', '-c50', `-d${seconds}s`, t.url]
    : [
        process.execPath,
        ctx.volleyMain,
        'run',
        '--url',
        t.url,
        '--vus',
        '50',
        '--workers',
        '1',
        '--duration',
        `${seconds}s`,
        '-q',
      ];
  await runGen({
    name: `warmup-${t.name}`,
    argv,
    core: ctx.genCore,
    limitS: limitFor(seconds),
    rawDir: ctx.rawDir,
  });
  await cooldown(1);
}
