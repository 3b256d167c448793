/**
 * `--monitor-pid PID`: a target process watched through Linux /proc once a second — CPU (% of one
 * core), resident memory (MB), threads and open file descriptors — recorded as trend metrics
 * tagged `{ pid }`. Reads happen in the background; the run asks for what is new each second.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import type { Sampler } from '../engine/run.js';
import type { MetricDefinition } from '../metrics/definitions.js';
import { MetricSink } from '../metrics/sink.js';
import type { SeriesPoint } from '../metrics/wire.js';
import { descendants, parseProcStat, readProcess, readProcesses, type StatReading } from './resolve-pid.js';

/** /proc reports CPU time in USER_HZ ticks, which the kernel ABI fixes at 100 on Linux. */
const USER_HZ = 100;

const trend = (name: string, description: string): MetricDefinition => ({
  name,
  type: 'trend',
  contains: 'default',
  description,
});

export const PROCESS_METRICS = {
  cpu: trend('target_cpu_percent', 'monitored process: CPU time over wall time, % of one core'),
  rss: trend('target_rss_mb', 'monitored process: resident memory (VmRSS), MB (10^6 bytes)'),
  threads: trend('target_threads', 'monitored process: threads'),
  fds: trend('target_open_fds', 'monitored process: open file descriptors'),
  sockets: trend(
    'target_sockets',
    'monitored process: open sockets (fds that are sockets: connections and listeners)',
  ),
  memoryPercent: trend(
    'target_memory_percent',
    'monitored process: resident memory as a % of its limit (monitor.memoryLimit, or its cgroup v2 memory.max)',
  ),
} as const;

/**
 * The cgroup v2 memory limit of a process in bytes: /proc/PID/cgroup's `0::/path`, then
 * /sys/fs/cgroup/path/memory.max (walking up while a level says `max`). Undefined: no limit, or
 * not cgroup v2.
 */
export function cgroupMemoryLimit(
  pid: number,
  root = '/sys/fs/cgroup',
  cgroupFile = `/proc/${pid}/cgroup`,
): number | undefined {
  let path: string | undefined;
  try {
    path = /^0::(\/.*)$/m.exec(readFileSync(cgroupFile, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
  if (path === undefined) return undefined;
  for (let dir = path; ; dir = dir.slice(0, dir.lastIndexOf('/'))) {
    try {
      const text = readFileSync(`${root}${dir === '/' ? '' : dir}/memory.max`, 'utf8').trim();
      if (/^\d+$/.test(text)) return Number(text);
    } catch {
      // No memory controller at this level: look further up.
    }
    if (dir === '' || dir === '/') return undefined;
  }
}

/** Why `pid` cannot be monitored, or undefined when it can. */
export function checkPid(text: string): string | undefined {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1)
    return `--monitor-pid must be a process id (a positive integer), got '${text}'`;
  if (!existsSync('/proc/self/stat'))
    return '--monitor-pid needs Linux /proc, which this system does not have';
  const pid = Number(text);
  let stat: StatReading | undefined;
  try {
    stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return `--monitor-pid ${pid}: no such process`;
  }
  if (!stat) return `--monitor-pid ${pid}: cannot read /proc/${pid}/stat`;
  if (stat.state === 'Z' || stat.state === 'X') return `--monitor-pid ${pid}: the process has exited`;
  return undefined;
}

export interface ProcessMonitorOptions {
  warn: (message: string) => void;
  /** How often /proc is read (default 1000 ms). */
  intervalMs?: number;
  /**
   * The process has children and nothing in its tree listens: at the first reading, if it used no
   * CPU while a descendant did, watch the busiest descendant instead (a wrapper such as npm exec).
   */
  followBusiestChild?: boolean;
  /** target_memory_percent is RSS over this; absent: the process's cgroup v2 limit, if it has one. */
  memoryLimitBytes?: number;
}

export class ProcessMonitor implements Sampler {
  readonly name: string;
  private readonly sink = new MetricSink();
  private tags: Record<string, string>;
  private readonly timer: NodeJS.Timeout;
  private last: { ticks: number; at: number; startTime: string };
  /** Descendants' CPU ticks when watching began, while the busiest child may still be followed. */
  private childTicks: Map<number, number> | undefined;
  private busy = false;
  private sampled = false;
  private ended = false;
  private fdsWarned = false;
  private memoryLimitBytes: number | undefined;

  /** Throws when the process cannot be read: call `checkPid` first for a friendly message. */
  constructor(
    public pid: number,
    private readonly opts: ProcessMonitorOptions,
  ) {
    this.name = `pid ${pid}`;
    this.tags = { pid: String(pid) };
    const first = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    if (!first) throw new Error(`cannot read /proc/${pid}/stat`);
    this.last = { ticks: first.ticks, at: performance.now(), startTime: first.startTime };
    if (opts.followBusiestChild) {
      const procs = readProcesses();
      this.childTicks = new Map(descendants(pid, procs).map((c) => [c, procs.get(c)?.ticks ?? 0]));
    }
    this.memoryLimitBytes = opts.memoryLimitBytes ?? cgroupMemoryLimit(pid);
    this.timer = setInterval(() => void this.read(), opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  private async read(): Promise<void> {
    if (this.busy || this.ended) return;
    this.busy = true;
    try {
      const dir = `/proc/${this.pid}`;
      let statText: string;
      let status: string;
      try {
        [statText, status] = await Promise.all([
          readFile(`${dir}/stat`, 'utf8'),
          readFile(`${dir}/status`, 'utf8'),
        ]);
      } catch {
        return this.exited();
      }
      const at = performance.now();
      const stat = parseProcStat(statText);
      // A new start time under the same pid is another process: the one we watched is gone.
      if (!stat || stat.state === 'Z' || stat.state === 'X' || stat.startTime !== this.last.startTime)
        return this.exited();
      let fds: number | undefined;
      let sockets: number | undefined;
      try {
        const entries = await readdir(`${dir}/fd`);
        fds = entries.length;
        // A descriptor closed between the listing and its readlink is simply not counted.
        const links = await Promise.all(entries.map((e) => readlink(`${dir}/fd/${e}`).catch(() => '')));
        sockets = links.filter((l) => l.startsWith('socket:')).length;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return this.exited();
        if (!this.fdsWarned) {
          this.fdsWarned = true;
          this.opts.warn(
            `--monitor-pid ${this.pid}: cannot list /proc/${this.pid}/fd (${code}): target_open_fds is not recorded`,
          );
        }
      }
      if (this.ended) return;
      if (this.childTicks && at - this.last.at > 500) {
        const children = this.childTicks;
        this.childTicks = undefined;
        // ~0 CPU (a tick at most: node's own idle timers) is a wrapper's, not a server's.
        if (stat.ticks - this.last.ticks <= 1 && this.followBusiestChild(children)) return;
      }
      // Before the run's first second, keep only the latest reading (none from setup time).
      if (!this.sampled) this.sink.flush();
      const seconds = (at - this.last.at) / 1000;
      if (seconds > 0.05) {
        const cpu = ((stat.ticks - this.last.ticks) / USER_HZ / seconds) * 100;
        this.record(PROCESS_METRICS.cpu, Math.max(0, cpu));
      }
      this.last = { ticks: stat.ticks, at, startTime: stat.startTime };
      const rssKb = /^VmRSS:\s+(\d+)\s*kB/m.exec(status);
      if (rssKb) this.record(PROCESS_METRICS.rss, (Number(rssKb[1]) * 1024) / 1e6);
      if (rssKb && this.memoryLimitBytes)
        this.record(PROCESS_METRICS.memoryPercent, ((Number(rssKb[1]) * 1024) / this.memoryLimitBytes) * 100);
      const threads = /^Threads:\s+(\d+)/m.exec(status);
      if (threads) this.record(PROCESS_METRICS.threads, Number(threads[1]));
      if (fds !== undefined) this.record(PROCESS_METRICS.fds, fds);
      if (sockets !== undefined) this.record(PROCESS_METRICS.sockets, sockets);
    } finally {
      this.busy = false;
    }
  }

  /** Switches to the descendant that used the most CPU since watching began; true when it did. */
  private followBusiestChild(before: Map<number, number>): boolean {
    let best: { pid: number; used: number; comm: string } | undefined;
    for (const [child, ticks] of before) {
      const now = readProcess(child);
      const used = now ? now.ticks - ticks : 0;
      if (now && used > 1 && (!best || used > best.used)) best = { pid: child, used, comm: now.comm };
    }
    if (!best) return false;
    let stat: StatReading | undefined;
    try {
      stat = parseProcStat(readFileSync(`/proc/${best.pid}/stat`, 'utf8'));
    } catch {
      return false; // exited just now: keep watching the one asked for
    }
    if (!stat) return false;
    const asked = this.pid;
    this.opts.warn(
      `--monitor-pid ${asked} used no CPU while its descendant ${best.pid} (${best.comm}) did: watching ${best.pid} instead (target_* metrics are tagged pid=${best.pid})`,
    );
    this.pid = best.pid;
    this.tags = { pid: String(best.pid) };
    this.memoryLimitBytes = this.opts.memoryLimitBytes ?? cgroupMemoryLimit(best.pid);
    this.sink.flush();
    this.last = { ticks: stat.ticks, at: performance.now(), startTime: stat.startTime };
    return true;
  }

  private record(def: MetricDefinition, value: number): void {
    // Trends hold thousandths of a unit.
    this.sink.trend(def, this.tags).add(value * 1000);
  }

  private exited(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.timer);
    this.opts.warn(`monitored process ${this.pid} has exited: its readings stop here (the run goes on)`);
  }

  sample(): SeriesPoint[] {
    this.sampled = true;
    return this.sink.flush();
  }

  close(): void {
    this.ended = true;
    clearInterval(this.timer);
  }
}
