/**
 * The resource monitor: measurements of the target taken beside the load (a process by pid, a
 * Prometheus endpoint), fed to the run as samplers so they become ordinary metrics.
 */
import { tryParseDurationMs } from '../config/duration.js';
import type { Sampler } from '../engine/run.js';
import { checkPid, ProcessMonitor } from './process-monitor.js';
import { chooseWatchedPid } from './resolve-pid.js';
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
}

export interface MonitorPlan {
  pids: number[];
  urls: URL[];
  selectors: SeriesSelector[];
  intervalMs: number;
}

export const DEFAULT_MONITOR_INTERVAL_MS = 5000;

/** Checks the monitor flags (the pids must exist now); pushes every problem onto `errors`. */
export function planMonitors(flags: MonitorFlags, errors: string[]): MonitorPlan {
  const plan: MonitorPlan = { pids: [], urls: [], selectors: [], intervalMs: DEFAULT_MONITOR_INTERVAL_MS };
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
      samplers.push(new ProcessMonitor(choice.pid, { warn, followBusiestChild: choice.followBusiestChild }));
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
