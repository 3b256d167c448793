/** The resolved plan of a loaded test, as data: what `volley inspect` prints (and the dashboard will show). */
import type { ExecutorDefinition } from '../executors/types.js';
import type { TaskDefinition, UserDefinition, WaitSpec } from '../script/api.js';
import type { LoadedTest } from './load-test.js';

export interface ScenarioDescription {
  name: string;
  executor: string;
  openLoop: boolean;
  /** `exec` as written: a function's name, or `(function)`. */
  exec: string | undefined;
  user:
    | {
        name: string;
        wait: string | undefined;
        onStart: boolean;
        onStop: boolean;
        tasks: { name: string; weight: number; percent: number }[];
      }
    | undefined;
  startTimeMs: number;
  durationMs: number;
  gracefulStopMs: number;
  maxDurationMs: number;
  maxVUs: number;
  plannedIterations: number | null;
  /** Targets are VUs, or arrivals per second for arrival-rate executors; `phase` as the preset (or file) named it. */
  stages: { durationMs: number; target: number; phase?: string }[];
}

export interface TestDescription {
  file: string;
  baseUrl: string | undefined;
  scenarios: ScenarioDescription[];
  /** Sum over scenarios: an upper bound when scenarios do not overlap in time. */
  maxVUs: number;
  /** Until the last scenario's start window closes. */
  durationMs: number;
  /** Including graceful stops: the longest the test can take. */
  maxDurationMs: number;
  thresholds: { metric: string; expressions: string[] }[];
  data: { path: string; rows: number; bytes: number }[];
  customMetrics: { name: string; type: string }[];
}

export function describeWait(w: WaitSpec | undefined): string | undefined {
  if (!w) return undefined;
  switch (w.kind) {
    case 'between':
      return `between ${w.min}-${w.max}s`;
    case 'constant':
      return `constant ${w.seconds}s`;
    case 'pacing':
      return `pacing ${w.seconds}s`;
  }
}

function describeUser(name: string, u: UserDefinition): NonNullable<ScenarioDescription['user']> {
  const tasks = u.tasks.map((t, i) =>
    typeof t === 'function'
      ? { name: t.name || `task ${i}`, weight: 1 }
      : { name: (t as TaskDefinition).name ?? `task ${i}`, weight: (t as TaskDefinition).weight ?? 1 },
  );
  const total = tasks.reduce((a, t) => a + t.weight, 0);
  return {
    name,
    wait: describeWait(u.wait),
    onStart: u.onStart !== undefined,
    onStop: u.onStop !== undefined,
    tasks: tasks.map((t) => ({ ...t, percent: total ? Math.round((t.weight / total) * 1000) / 10 : 0 })),
  };
}

export function describeTest(
  test: LoadedTest,
  executorFor: (name: string) => ExecutorDefinition,
): TestDescription {
  const def = test.module.definition;
  const scenarios: ScenarioDescription[] = test.prepared.scenarios.map((s) => {
    const plan = executorFor(s.executor).plan(s);
    const src = def.scenarios[s.name];
    const exec = src?.exec;
    const userName = src?.user;
    const user = userName !== undefined ? def.users?.[userName] : undefined;
    return {
      name: s.name,
      executor: s.executor,
      openLoop: plan.openLoop,
      exec: typeof exec === 'function' ? exec.name || '(function)' : exec,
      user: user && userName !== undefined ? describeUser(userName, user as UserDefinition) : undefined,
      startTimeMs: s.startTimeMs,
      durationMs: plan.durationMs,
      gracefulStopMs: s.gracefulStopMs,
      maxDurationMs: plan.maxDurationMs,
      maxVUs: plan.maxVUs,
      plannedIterations: plan.plannedIterations ?? null,
      stages: s.stages.map((st, i) => {
        const phase = test.config.scenarios[s.name]?.stages?.[i]?.phase;
        return phase === undefined ? st : { ...st, phase };
      }),
    };
  });
  return {
    file: test.file,
    baseUrl: def.baseUrl,
    scenarios,
    maxVUs: scenarios.reduce((a, s) => a + s.maxVUs, 0),
    durationMs: Math.max(0, ...scenarios.map((s) => s.startTimeMs + s.durationMs)),
    maxDurationMs: Math.max(0, ...scenarios.map((s) => s.startTimeMs + s.maxDurationMs)),
    thresholds: Object.entries(test.config.thresholds).map(([metric, list]) => ({
      metric,
      expressions: list.map((t) => (typeof t === 'string' ? t : t.threshold)),
    })),
    data: (test.config.script?.data ?? []).map((d) => ({
      path: d.path,
      rows: d.rows,
      bytes: d.bytes.byteLength,
    })),
    customMetrics: test.customMetrics.map((m) => ({ name: m.name, type: m.type })),
  };
}
