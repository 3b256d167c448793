/**
 * The load a run applied, in words, for the top of the HTML and Markdown reports: per scenario the
 * executor, its rate or VUs and stages, the planned duration, and planned against started
 * iterations (from `summary.config` and `summary.execution`). Pure.
 */
import type { ScenarioConfig } from '../config/types.js';
import type { Summary } from '../summary/summary.js';
import { count } from '../summary/format.js';

export interface LoadProfileRow {
  scenario: string;
  executor: string;
  /** e.g. `50 arrivals/s`, `from 20/s: 12s → 600/s, 2s → 600/s`, `10 VUs`. */
  load: string;
  /** Planned duration, e.g. `30 s` (`up to 1m` for iteration executors). */
  duration: string;
  /** Max VUs the plan allows. */
  vus: string;
  /** Planned iterations (arrivals or shared iterations); `—` for open-ended executors. */
  planned: string;
  /** Started / completed / dropped, when the summary carries the execution rows. */
  started: string;
  completed: string;
  dropped: string;
}

const dur = (v: string | number | undefined): string =>
  v === undefined ? '' : typeof v === 'number' ? `${v / 1000}s` : v;

const seconds = (ms: number): string =>
  ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${+(ms / 1000).toFixed(1)} s`;

function perUnit(c: ScenarioConfig): string {
  const u = c.timeUnit ?? '1s';
  return u === '1s' ? '/s' : `/${u}`;
}

export function describeLoad(c: ScenarioConfig): string {
  const stages = (unit: string): string =>
    (c.stages ?? []).map((s) => `${dur(s.duration)} → ${s.target}${unit}`).join(', ');
  switch (c.executor) {
    case 'constant-arrival-rate':
      return `${c.rate ?? '?'} arrivals${perUnit(c)}`;
    case 'ramping-arrival-rate':
      return `from ${c.startRate ?? 0}${perUnit(c)}: ${stages(perUnit(c))}`;
    case 'constant-vus':
      return `${c.vus ?? 1} VUs`;
    case 'ramping-vus':
      return `from ${c.startVUs ?? 1} VUs: ${stages(' VUs')}`;
    case 'per-vu-iterations':
      return `${c.vus ?? 1} VUs × ${c.iterations ?? 1} iterations each`;
    case 'shared-iterations':
      return `${c.iterations ?? 1} iterations shared by ${c.vus ?? 1} VUs`;
    case 'externally-controlled':
      return `${c.vus ?? 0} VUs at the start, changed live`;
    default:
      return c.executor;
  }
}

export function loadProfile(s: Summary): LoadProfileRow[] {
  const execution = s.execution ?? [];
  return s.config.plans.map((p) => {
    const c = s.config.scenarios[p.scenario] ?? { executor: p.executor };
    const e = execution.find((x) => x.scenario === p.scenario);
    const start = c.startTime ? ` (starts at ${dur(c.startTime)})` : '';
    return {
      scenario: p.scenario,
      executor: p.executor,
      load: describeLoad(c) + start,
      duration:
        p.durationMs > 0
          ? seconds(p.durationMs)
          : p.maxDurationMs > 0
            ? `up to ${seconds(p.maxDurationMs)}`
            : '—',
      vus: count(p.maxVUs),
      planned: p.plannedIterations === null ? '—' : count(p.plannedIterations),
      started: e ? count(e.started) : '—',
      completed: e ? count(e.completed) : '—',
      dropped: e ? count(e.dropped) : '—',
    };
  });
}

/** One line: `12 s planned, 2 workers; measured 12.3 s; started Thu 3 Dec 2026 21:22:39, ended 21:22:55 UTC`. */
export function runWindow(s: Summary): string {
  const planned = Math.max(0, ...s.config.plans.map((p) => p.durationMs));
  const a = timeParts(s.startedAt);
  const b = timeParts(s.endedAt);
  const window =
    !a || !b
      ? `started ${s.startedAt}, ended ${s.endedAt}`
      : `started ${a.date} ${a.time}, ended ${a.date === b.date ? '' : `${b.date} `}${b.time} UTC`;
  const workers = `${s.config.workers} worker${s.config.workers === 1 ? '' : 's'}`;
  return `${planned > 0 ? `${seconds(planned)} planned, ` : ''}${workers}; measured ${(s.state.testRunDurationMs / 1000).toFixed(1)} s; ${window}`;
}

function timeParts(iso: string): { date: string; time: string } | undefined {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return undefined;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'UTC',
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  return {
    date: `${get('weekday')} ${get('day')} ${get('month')} ${get('year')}`,
    time: `${get('hour')}:${get('minute')}:${get('second')}`,
  };
}

/** An ISO time as people read it, with its zone: `Thu 3 Dec 2026 21:22:44 UTC` (the ISO form stays in the JSON). */
export function readableTime(iso: string): string {
  const p = timeParts(iso);
  return p ? `${p.date} ${p.time} UTC` : iso;
}
