/**
 * Process bookkeeping for the benchmark: every child runs in its own process group (detached),
 * is remembered here, and is stopped by its group id on exit, on Ctrl-C and on a crash. Every
 * generator run is wrapped in coreutils `timeout` so it is bounded even if this process dies.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Proc {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) once the child has exited. */
  exited: Promise<number | null>;
  done: boolean;
}

const live = new Set<Proc>();
/** Set on Ctrl-C/SIGTERM: no new child may start while we shut down. */
let stopping = false;

export function log(msg: string): void {
  const t = new Date().toTimeString().slice(0, 8);
  process.stderr.write(`[${t}] ${msg}\n`);
}

/** Spawns `cmd args` in a new process group; stdout/stderr go to files (or are ignored). */
export function startProc(
  name: string,
  cmd: string,
  args: readonly string[],
  opts: { stdout?: string; stderr?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Proc {
  if (stopping) throw new Error(`interrupted: not starting ${name}`);
  const out = opts.stdout ? openSync(opts.stdout, 'w') : 'ignore';
  const err = opts.stderr ? (opts.stderr === opts.stdout ? out : openSync(opts.stderr, 'w')) : 'ignore';
  const child = spawn(cmd, args, {
    detached: true, // own process group: Ctrl-C in the terminal does not reach it; we stop it ourselves
    stdio: ['ignore', out, err],
    env: opts.env ?? process.env,
    cwd: opts.cwd,
  });
  if (typeof out === 'number') closeSync(out);
  if (typeof err === 'number' && err !== out) closeSync(err);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
  const p: Proc = {
    name,
    pid: child.pid,
    child,
    done: false,
    exited: new Promise((resolve) => {
      child.once('exit', (code) => {
        p.done = true;
        live.delete(p);
        resolve(code);
      });
      child.once('error', () => {
        p.done = true;
        live.delete(p);
        resolve(127);
      });
    }),
  };
  live.add(p);
  return p;
}

function signalGroup(p: Proc, sig: NodeJS.Signals): void {
  if (p.done) return;
  try {
    process.kill(-p.pid, sig); // the process group we created (pgid = pid)
  } catch {
    try {
      process.kill(p.pid, sig);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export async function stopProc(p: Proc, graceMs = 3000): Promise<void> {
  if (p.done) return;
  signalGroup(p, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(p, 'SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => stopProc(p)));
}

let handlersInstalled = false;
/** Stop every child on normal exit, Ctrl-C, SIGTERM and uncaught errors. */
export function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const p of live) signalGroup(p, 'SIGKILL');
  });
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping ${live.size} child process(es)`);
    void stopAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export function which(cmd: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/local/sbin']);
  for (const d of dirs) {
    if (d && existsSync(`${d}/${cmd}`)) return `${d}/${cmd}`;
  }
  return undefined;
}

/** Runs a short command to completion (for versions and installs); output captured. */
export function runSync(
  cmd: string,
  args: readonly string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; inherit?: boolean } = {},
): { code: number; out: string } {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 30_000,
    env: opts.env ?? process.env,
    // inherit: the installer's output goes to our stderr, keeping stdout for the report
    stdio: opts.inherit ? ['ignore', 2, 2] : ['ignore', 'pipe', 'pipe'],
    killSignal: 'SIGKILL',
  });
  return { code: r.status ?? (r.error ? 127 : 1), out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

export function tcpOpen(port: number, timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

export async function waitForPort(port: number, p: Proc, timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (p.done) return false;
    if (await tcpOpen(port)) return true;
    await sleep(50);
  }
  return false;
}

/** The fields of /proc/PID/stat after the command name (which may contain spaces). */
function statFields(pid: number): string[] | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // the process is gone
  }
}

/** utime + stime of a process (all its threads), in clock ticks; undefined once it is gone. */
/** A `kB` field of /proc/PID/status (VmRSS, VmHWM, …); undefined once the process has exited. */
export function statusKB(pid: number, field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined; // exited
  }
}

export function cpuTicks(pid: number): number | undefined {
  const f = statFields(pid);
  // after the name: state(0) ppid(1) ... utime(11) stime(12)
  return f ? Number(f[11]) + Number(f[12]) : undefined;
}

/** The process whose parent is `pid` (the real program behind `timeout`/`time` wrappers). */
export function childPid(pid: number): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const f = statFields(Number(d));
    if (f && Number(f[1]) === pid) return Number(d);
  }
  return undefined;
}

/** Descends through wrapper processes (timeout, time) until the named program is found. */
export async function findDescendant(
  pid: number,
  comm: string,
  timeoutMs = 5000,
): Promise<number | undefined> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    let cur: number | undefined = pid;
    for (let depth = 0; cur !== undefined && depth < 5; depth++) {
      try {
        if (readFileSync(`/proc/${cur}/comm`, 'utf8').trim() === comm) return cur;
      } catch {
        break;
      }
      cur = childPid(cur);
    }
    await sleep(50);
  }
  return undefined;
}

export const CLK_TCK = ((): number => {
  const r = runSync('getconf', ['CLK_TCK']);
  const n = Number(r.out.trim());
  return r.code === 0 && n > 0 ? n : 100;
})();

/** Per-core jiffies: total, idle (idle + iowait), steal. */
export type CoreSnap = Map<string, { total: number; idle: number; steal: number }>;

export function coreSnap(): CoreSnap {
  const m: CoreSnap = new Map();
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (!f[0] || !/^cpu\d+$/.test(f[0])) continue;
    const v = f.slice(1, 9).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    m.set(f[0], { total, idle: (v[3] ?? 0) + (v[4] ?? 0), steal: v[7] ?? 0 });
  }
  return m;
}

export interface CoreUsage {
  /** busy % per core name (cpu0, cpu1 …), steal excluded. */
  busy: Record<string, number>;
  maxSteal: number;
}

export function coreUsage(a: CoreSnap, b: CoreSnap): CoreUsage {
  const busy: Record<string, number> = {};
  let maxSteal = 0;
  for (const [name, x] of a) {
    const y = b.get(name);
    if (!y) continue;
    const dt = y.total - x.total;
    if (dt <= 0) continue;
    const steal = y.steal - x.steal;
    busy[name] = (100 * (dt - (y.idle - x.idle) - steal)) / dt;
    maxSteal = Math.max(maxSteal, (100 * steal) / dt);
  }
  return { busy, maxSteal };
}
