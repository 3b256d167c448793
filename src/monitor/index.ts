/**
 * The resource monitor: measurements of the target taken beside the load (a process by pid, a
 * Prometheus endpoint), fed to the run as samplers so they become ordinary metrics.
 */
import { readFileSync } from 'node:fs';
import { tryParseDurationMs } from '../config/duration.js';
import { tryParseBytes } from '../config/size.js';
import type { MonitorOptions } from '../config/types.js';
import type { Sampler } from '../engine/run.js';
import { checkPid, ProcessMonitor } from './process-monitor.js';
import { chooseWatchedPid, readProcesses } from './resolve-pid.js';
import {
  checkPrometheusUrl,
  parseSeriesSelectors,
  PrometheusMonitor,
  type SeriesSelector,
} from './prometheus-monitor.js';

export interface MonitorFlags {
  monitorPid?: string[];
  monitorPrometheus?: string[];
  monitorSeries?: string[];
  monitorInterval?: string;
  /** Watch every process of this name (a test file's or an API body's `monitor.processName`). */
  monitorProcessName?: string[];
  /** The target's memory limit, for target_memory_percent (`monitor.memoryLimit`). */
  monitorMemoryLimit?: string;
}

export interface MonitorPlan {
  pids: number[];
  urls: URL[];
  selectors: SeriesSelector[];
  intervalMs: number;
  /** target_memory_percent is RSS over this; absent: a cgroup v2 limit of the process, if any. */
  memoryLimitBytes?: number;
}

/** A `monitor` option (test file, API body) as the `--monitor-*` flags it stands for. */
export function monitorOptionFlags(m: MonitorOptions): MonitorFlags {
  const flags: MonitorFlags = {};
  if (m.pids?.length) flags.monitorPid = m.pids.map(String);
  if (m.processName !== undefined) flags.monitorProcessName = [m.processName];
  if (m.prometheus) {
    flags.monitorPrometheus = [m.prometheus.url];
    if (m.prometheus.series.length) flags.monitorSeries = [m.prometheus.series.join(',')];
  }
  if (m.interval !== undefined) flags.monitorInterval = m.interval;
  if (m.memoryLimit !== undefined) flags.monitorMemoryLimit = m.memoryLimit;
  return flags;
}

/** Flags from two sources (the command line's and a test file's), lists joined; `a`'s single values win. */
export function mergeMonitorFlags(
  a: MonitorFlags | undefined,
  b: MonitorFlags | undefined,
): MonitorFlags | undefined {
  if (!a) return b;
  if (!b) return a;
  const list = (x?: string[], y?: string[]): string[] | undefined =>
    x || y ? [...(x ?? []), ...(y ?? [])] : undefined;
  const out: MonitorFlags = {};
  const set = <K extends keyof MonitorFlags>(k: K, v: MonitorFlags[K] | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('monitorPid', list(a.monitorPid, b.monitorPid));
  set('monitorPrometheus', list(a.monitorPrometheus, b.monitorPrometheus));
  set('monitorSeries', list(a.monitorSeries, b.monitorSeries));
  set('monitorProcessName', list(a.monitorProcessName, b.monitorProcessName));
  set('monitorInterval', a.monitorInterval ?? b.monitorInterval);
  set('monitorMemoryLimit', a.monitorMemoryLimit ?? b.monitorMemoryLimit);
  return out;
}

/** The pids of processes named `name` (/proc/PID/comm, or the base name of argv[0]), this process excluded. */
function pidsNamed(name: string, self: number): number[] {
  const out: number[] = [];
  for (const p of readProcesses().values()) {
    if (p.pid === self) continue;
    let argv0 = '';
    try {
      argv0 = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    } catch {
      continue; // exited meanwhile
    }
    if (p.comm === name || argv0.split('/').pop() === name) out.push(p.pid);
  }
  return out;
}

export const DEFAULT_MONITOR_INTERVAL_MS = 5000;

/** Checks the monitor flags (the pids must exist now); pushes every problem onto `errors`. */
export function planMonitors(flags: MonitorFlags, errors: string[], self = 0): MonitorPlan {
  const plan: MonitorPlan = { pids: [], urls: [], selectors: [], intervalMs: DEFAULT_MONITOR_INTERVAL_MS };
  for (const name of flags.monitorProcessName ?? []) {
    const pids = pidsNamed(name, self);
    if (pids.length === 0) errors.push(`monitor.processName '${name}': no process of that name is running`);
    for (const pid of pids) if (!plan.pids.includes(pid)) plan.pids.push(pid);
  }
  if (flags.monitorMemoryLimit !== undefined) {
    const bytes = tryParseBytes(flags.monitorMemoryLimit);
    if (bytes === undefined)
      errors.push(
        `monitor.memoryLimit must be a size like 512MB or 1GiB (got '${flags.monitorMemoryLimit}')`,
      );
    else plan.memoryLimitBytes = bytes;
  }
  for (const text of flags.monitorPid ?? []) {
    const problem = checkPid(text);
    if (problem) errors.push(problem);
    else if (!plan.pids.includes(Number(text))) plan.pids.push(Number(text));
  }
  for (const text of flags.monitorPrometheus ?? []) {
    const url = checkPrometheusUrl(text);
    if (typeof url === 'string') errors.push(url);
    else plan.urls.push(url);
  }
  plan.selectors = parseSeriesSelectors(flags.monitorSeries ?? [], errors);
  const scraping = (flags.monitorPrometheus ?? []).length > 0;
  if (!scraping && (flags.monitorSeries ?? []).length > 0)
    errors.push('--monitor-series selects series of a --monitor-prometheus endpoint: give one');
  if (flags.monitorInterval !== undefined) {
    const ms = tryParseDurationMs(flags.monitorInterval);
    if (ms === undefined || ms < 1000)
      errors.push(`--monitor-interval must be a duration of at least 1s (got '${flags.monitorInterval}')`);
    else plan.intervalMs = ms;
    if (!scraping)
      errors.push(
        '--monitor-interval sets how often --monitor-prometheus scrapes: give a --monitor-prometheus URL',
      );
  }
  return plan;
}

/**
 * Starts every monitor of the plan; they read in the background until the run closes them. A pid
 * that is a wrapper (its descendant listens, it does not) is followed to the process that serves,
 * preferring one listening on `targetPorts` (the ports the run sends to), and `warn` says so.
 */
export function startMonitors(
  plan: MonitorPlan,
  warn: (message: string) => void,
  targetPorts: readonly number[] = [],
): Sampler[] {
  const samplers: Sampler[] = [];
  for (const asked of plan.pids) {
    try {
      const choice = chooseWatchedPid(asked, targetPorts);
      if (choice.note) warn(choice.note);
      samplers.push(
        new ProcessMonitor(choice.pid, {
          warn,
          followBusiestChild: choice.followBusiestChild,
          ...(plan.memoryLimitBytes === undefined ? {} : { memoryLimitBytes: plan.memoryLimitBytes }),
        }),
      );
    } catch (err) {
      // Gone between the check and the start (setup can take a while): the run goes on without it.
      warn(`--monitor-pid ${asked}: ${(err as Error).message}; not monitored`);
    }
  }
  for (const url of plan.urls)
    samplers.push(
      new PrometheusMonitor(url, { selectors: plan.selectors, intervalMs: plan.intervalMs, warn }),
    );
  return samplers;
}
