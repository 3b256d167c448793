/** Metric kinds and the built-in metrics every run can emit (k6 names where k6 has one). */

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
/** What a metric's numbers are: `time` values are recorded in microseconds and reported in ms. */
export type MetricContains = 'time' | 'data' | 'default';

export interface MetricDefinition {
  name: string;
  type: MetricType;
  contains: MetricContains;
  description: string;
}

const def = (
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

export const BUILTIN_METRICS: readonly MetricDefinition[] = [
  def('http_reqs', 'counter', 'default', 'HTTP requests completed (responses and transport failures)'),
  def(
    'http_req_duration',
    'trend',
    'time',
    'service time: request sent -> response complete (sending + waiting + receiving)',
  ),
  def(
    'http_req_blocked',
    'trend',
    'time',
    'time waiting for a free connection before the request could be sent',
  ),
  def('http_req_connecting', 'trend', 'time', 'TCP connect time (0 on a reused keep-alive connection)'),
  def(
    'http_req_tls_handshaking',
    'trend',
    'time',
    'TLS handshake time (0 on plain HTTP or a reused connection)',
  ),
  def('http_req_sending', 'trend', 'time', 'time writing the request'),
  def('http_req_waiting', 'trend', 'time', 'time to first byte after the request was written'),
  def('http_req_receiving', 'trend', 'time', 'first response byte -> last response byte'),
  def(
    'http_req_failed',
    'rate',
    'default',
    'share of requests that failed: transport error or status outside 200-399',
  ),
  def('data_sent', 'counter', 'data', 'bytes written'),
  def('data_received', 'counter', 'data', 'bytes read'),
  def('iterations', 'counter', 'default', 'iterations completed'),
  def('iteration_duration', 'trend', 'time', 'actual start -> end of an iteration'),
  def(
    'iteration_latency',
    'trend',
    'time',
    'open loop: intended start -> end of an iteration, including any wait for a free VU (corrected for coordinated omission)',
  ),
  def(
    'schedule_lag',
    'trend',
    'time',
    'open loop: how late the generator dispatched an arrival against its schedule',
  ),
  def(
    'dropped_iterations',
    'counter',
    'default',
    'arrivals that could not start: no free VU and the queue full, or the run ended',
  ),
  def('interrupted_iterations', 'counter', 'default', 'iterations cut off by the end of a graceful stop'),
  def('iteration_errors', 'counter', 'default', 'iterations that threw an exception'),
  def('checks', 'rate', 'default', 'share of checks that passed'),
  def('group_duration', 'trend', 'time', 'time spent in a script group (tagged group)'),
  def('vus', 'gauge', 'default', 'VUs running an iteration or waiting for the next one'),
  def('vus_max', 'gauge', 'default', 'VUs allocated'),
];

export const BUILTIN_BY_NAME: ReadonlyMap<string, MetricDefinition> = new Map(
  BUILTIN_METRICS.map((m) => [m.name, m]),
);
