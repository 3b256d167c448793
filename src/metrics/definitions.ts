/**
 * Metric kinds and the registry of built-in metrics: the engine's own (iterations, VUs, checks,
 * bytes) and those protocol modules register when src/protocols/registry.ts loads (k6 names where
 * k6 has one). Code that looks a metric up by name imports the protocol registry first.
 */

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
/** What a metric's numbers are: `time` values are recorded in microseconds and reported in ms. */
export type MetricContains = 'time' | 'data' | 'default';

export interface MetricDefinition {
  name: string;
  type: MetricType;
  contains: MetricContains;
  description: string;
}

/** A metric definition (protocol modules declare theirs with it). */
export const defineMetric = (
  name: string,
  type: MetricType,
  contains: MetricContains,
  description: string,
): MetricDefinition => ({
  name,
  type,
  contains,
  description,
});

/** Metrics of the engine itself; protocol modules register theirs (registerMetrics). */
const CORE_METRICS: readonly MetricDefinition[] = [
  defineMetric('data_sent', 'counter', 'data', 'bytes written'),
  defineMetric('data_received', 'counter', 'data', 'bytes read'),
  defineMetric('iterations', 'counter', 'default', 'iterations completed'),
  defineMetric('iteration_duration', 'trend', 'time', 'actual start -> end of an iteration'),
  defineMetric(
    'iteration_latency',
    'trend',
    'time',
    'open loop: intended start -> end of an iteration, including any wait for a free VU (corrected for coordinated omission)',
  ),
  defineMetric(
    'schedule_lag',
    'trend',
    'time',
    'open loop: how late the generator dispatched an arrival against its schedule',
  ),
  defineMetric(
    'dropped_iterations',
    'counter',
    'default',
    'arrivals that could not start: no free VU and the queue full, or the run ended',
  ),
  defineMetric(
    'interrupted_iterations',
    'counter',
    'default',
    'iterations cut off by the end of a graceful stop',
  ),
  defineMetric('iteration_errors', 'counter', 'default', 'iterations that threw an exception'),
  defineMetric('checks', 'rate', 'default', 'share of checks that passed'),
  defineMetric('group_duration', 'trend', 'time', 'time spent in a script group (tagged group)'),
  defineMetric('vus', 'gauge', 'default', 'VUs running an iteration or waiting for the next one'),
  defineMetric('vus_max', 'gauge', 'default', 'VUs allocated'),
];

const registered = new Map<string, MetricDefinition>(CORE_METRICS.map((m) => [m.name, m]));

/** Every built-in metric by name: the engine's, plus every protocol module's once registered. */
export const BUILTIN_BY_NAME: ReadonlyMap<string, MetricDefinition> = registered;

/**
 * Adds a protocol module's metrics. Registering the same definition twice is a no-op; a name
 * already taken by a different definition is a programming error.
 */
export function registerMetrics(defs: readonly MetricDefinition[]): void {
  for (const d of defs) {
    const known = registered.get(d.name);
    if (known === undefined) registered.set(d.name, d);
    else if (known.type !== d.type || known.contains !== d.contains)
      throw new Error(`metric '${d.name}' is already registered as a ${known.type}`);
  }
}

/**
 * The three metrics of a protocol that the live view and the endpoint table read: how many
 * requests (a counter), which failed (a rate), how long they took (a trend). Series of `count`
 * tagged scenario/name/method are the endpoints.
 */
export interface HeadlineMetrics {
  count: string;
  failures: string;
  duration: string;
}

/** A protocol's headline metrics, with the protocol (module) that declared them. */
export interface ProtocolHeadline extends HeadlineMetrics {
  protocol: string;
}

const headlineList: ProtocolHeadline[] = [];
const headlineCounts = new Set<string>();

/**
 * Declares the headline metrics of the protocol called `protocol` (they must be registered metrics
 * of the right types). Declaring the same count again is a no-op.
 */
export function registerHeadline(h: HeadlineMetrics, protocol: string): void {
  const kinds: [string, MetricType][] = [
    [h.count, 'counter'],
    [h.failures, 'rate'],
    [h.duration, 'trend'],
  ];
  for (const [name, type] of kinds)
    if (registered.get(name)?.type !== type)
      throw new Error(`headline metric '${name}' is not a registered ${type}`);
  if (headlineCounts.has(h.count)) return;
  headlineList.push({ protocol, count: h.count, failures: h.failures, duration: h.duration });
  headlineCounts.add(h.count);
}

/** Headline metrics of every registered protocol, in registration order. */
export function headlineMetrics(): readonly ProtocolHeadline[] {
  return headlineList;
}

/** Whether a metric is some protocol's headline count (its series are endpoints). */
export function isHeadlineCount(metric: string): boolean {
  return headlineCounts.has(metric);
}
