/**
 * One bounded generator run: `timeout -k 5 LIMIT [taskset -c CORE] /usr/bin/time … CMD`, with the
 * generator's CPU and max RSS from GNU time, the target's CPU from /proc/PID/stat and each core's
 * busy/steal share from /proc/stat over the same interval (as shared/bench/peers.sh does).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLK_TCK, coreSnap, coreUsage, cpuTicks, log, startProc, type CoreUsage } from './proc.js';

export interface GenResult {
  name: string;
  rc: number | null;
  /** Wall time of the whole command (GNU time), seconds. */
  wallS: number | undefined;
  /** Generator CPU, % of one core, over its whole life (GNU time %P). */
  genCpu: number | undefined;
  /** Peak resident set of the generator process (GNU time %M), MB. */
  maxRssMB: number | undefined;
  /** Target CPU, % of one core, over the run. */
  targetCpu: number | undefined;
  cores: CoreUsage;
  out: string;
  err: string;
  /** Path prefix of this run's raw files. */
  base: string;
}

export interface GenOptions {
  name: string;
  argv: readonly string[];
  /** Pin to this core with taskset; undefined = unpinned. */
  core: number | undefined;
  limitS: number;
  rawDir: string;
  targetPid?: number | undefined;
  env?: NodeJS.ProcessEnv;
  /** Called with the PID of GNU time's child (the generator) while it runs. */
  onStart?: (wrapperPid: number) => void;
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const shellQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export async function runGen(o: GenOptions): Promise<GenResult> {
  const base = `${o.rawDir}/${o.name.replace(/[^\w.-]+/g, '_')}`;
  const argv: string[] = ['-k', '5', String(Math.ceil(o.limitS))];
  if (o.core !== undefined) argv.push('taskset', '-c', String(o.core));
  if (TIME) argv.push(TIME, '-o', `${base}.time`, '-f', '%e %P %M');
  argv.push(...o.argv);
  writeFileSync(`${base}.cmd`, `${o.argv.map(shellQuote).join(' ')}\n`);
  log(
    `  ${o.name}: ${o.core !== undefined ? `taskset -c ${o.core} ` : ''}${o.argv.map(shellQuote).join(' ')}`,
  );

  const c0 = o.targetPid ? cpuTicks(o.targetPid) : undefined;
  const s0 = coreSnap();
  const t0 = performance.now();
  const p = startProc(o.name, 'timeout', argv, {
    stdout: `${base}.out`,
    stderr: `${base}.err`,
    env: o.env ?? process.env,
  });
  o.onStart?.(p.pid);
  const rc = await p.exited;
  const dt = (performance.now() - t0) / 1000;
  const s1 = coreSnap();
  const c1 = o.targetPid ? cpuTicks(o.targetPid) : undefined;

  let wallS: number | undefined;
  let genCpu: number | undefined;
  let maxRssMB: number | undefined;
  if (TIME && existsSync(`${base}.time`)) {
    // GNU time may prefix "Command exited with non-zero status N" on its own line.
    const last = readFileSync(`${base}.time`, 'utf8').trim().split('\n').pop() ?? '';
    const [e, pct, kb] = last.trim().split(/\s+/);
    wallS = Number(e);
    genCpu = Number((pct ?? '').replace('%', ''));
    maxRssMB = Number(kb) / 1024;
    if (!Number.isFinite(genCpu)) genCpu = undefined;
    if (!Number.isFinite(maxRssMB)) maxRssMB = undefined;
  }
  const read = (f: string): string => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  const res: GenResult = {
    name: o.name,
    rc,
    wallS,
    genCpu,
    maxRssMB,
    targetCpu: c0 !== undefined && c1 !== undefined ? (100 * (c1 - c0)) / CLK_TCK / dt : undefined,
    cores: coreUsage(s0, s1),
    out: read(`${base}.out`),
    err: read(`${base}.err`),
    base,
  };
  if (rc !== 0) log(`  ${o.name}: exit code ${rc}${rc === 124 ? ' (hard timeout)' : ''}; see ${base}.err`);
  return res;
}

/**
 * Rest between runs, then wait (up to `maxWaitS`) for a one-second window in which no core is
 * more than `busyPct` busy: the machine is shared, and a run started into someone else's burst
 * measures that burst. The targets are idle now, so busy time here is other programs'.
 */
export async function cooldown(
  seconds: number,
  maxWaitS = Number(process.env.BENCH_QUIET_WAIT ?? 30),
  busyPct = 20,
): Promise<void> {
  await sleep(seconds * 1000);
  const end = Date.now() + maxWaitS * 1000;
  let said = false;
  for (;;) {
    const a = coreSnap();
    await sleep(1000);
    const u = coreUsage(a, coreSnap());
    const busiest = Math.max(0, ...Object.values(u.busy));
    if (busiest <= busyPct) return;
    if (Date.now() >= end) {
      log(`  machine still busy (${Math.round(busiest)}% on one core) after ${maxWaitS} s: going on`);
      return;
    }
    if (!said) log(`  waiting for a quiet machine (a core is ${Math.round(busiest)}% busy)`);
    said = true;
  }
}

/**
 * Busy time on a core beyond the process pinned to it: other programs on this shared machine.
 * `genCore` undefined = the generator was not pinned (only VM steal is reported).
 */
export function otherLoad(gen: GenResult, genCore: number | undefined, targetCore: number): string[] {
  const notes: string[] = [];
  const check = (core: number, own: number | undefined): void => {
    const busy = gen.cores.busy[`cpu${core}`];
    if (busy !== undefined && own !== undefined && busy - own > 15) {
      notes.push(`other load on core ${core}: ~${Math.round(busy - own)}%`);
    }
  };
  // unpinned, the generator itself may run on the target's core: nothing to tell apart
  if (genCore !== undefined) {
    check(genCore, gen.genCpu);
    check(targetCore, gen.targetCpu);
  }
  if (gen.cores.maxSteal >= 3) notes.push(`VM steal ${Math.round(gen.cores.maxSteal)}%`);
  return notes;
}

/** Busy share on a pinned core beyond its process's own, worst of the two cores (0 when unpinned). */
export function disturbance(gen: GenResult, genCore: number | undefined, targetCore: number): number {
  if (genCore === undefined) return 0;
  const over = (core: number, own: number | undefined): number => {
    const busy = gen.cores.busy[`cpu${core}`];
    return busy !== undefined && own !== undefined ? busy - own : 0;
  };
  return Math.max(over(genCore, gen.genCpu), over(targetCore, gen.targetCpu));
}

/**
 * Runs `attempt` and, when other programs used more than 15% of a pinned core during it, runs it
 * again (up to BENCH_RETRIES times, default 1) after a cooldown, keeping the least disturbed
 * attempt. Returns the kept result and a note for the report when a retry happened.
 */
export async function leastDisturbed<T>(
  attempt: (n: number) => Promise<T>,
  genOf: (r: T) => GenResult,
  cores: { genCore: number | undefined; targetCore: number; cooldownS: number },
): Promise<{ result: T; note: string }> {
  const retries = Number(process.env.BENCH_RETRIES ?? 1);
  let best = await attempt(1);
  let bestD = disturbance(genOf(best), cores.genCore, cores.targetCore);
  let tries = 1;
  while (bestD > 15 && tries <= retries) {
    log(`  other programs used ~${Math.round(bestD)}% of a pinned core: running it again`);
    await cooldown(cores.cooldownS);
    tries++;
    const r = await attempt(tries);
    const d = disturbance(genOf(r), cores.genCore, cores.targetCore);
    if (d < bestD) {
      best = r;
      bestD = d;
    }
  }
  return { result: best, note: tries > 1 ? `best of ${tries} attempts (others disturbed)` : '' };
}
