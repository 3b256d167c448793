/** The HTTP module's metrics (k6 names), registered with the metrics layer by the protocol registry. */
import { defineMetric, type HeadlineMetrics, type MetricDefinition } from '../../metrics/definitions.js';

export const HTTP_METRICS: readonly MetricDefinition[] = [
  defineMetric(
    'http_reqs',
    'counter',
    'default',
    'HTTP requests completed (responses and transport failures)',
  ),
  defineMetric(
    'http_req_duration',
    'trend',
    'time',
    'service time: request sent -> response complete (sending + waiting + receiving)',
  ),
  defineMetric(
    'http_req_blocked',
    'trend',
    'time',
    'time waiting for a free connection before the request could be sent',
  ),
  defineMetric(
    'http_req_connecting',
    'trend',
    'time',
    'TCP connect time (0 on a reused keep-alive connection)',
  ),
  defineMetric(
    'http_req_tls_handshaking',
    'trend',
    'time',
    'TLS handshake time (0 on plain HTTP or a reused connection)',
  ),
  defineMetric('http_req_sending', 'trend', 'time', 'time writing the request'),
  defineMetric('http_req_waiting', 'trend', 'time', 'time to first byte after the request was written'),
  defineMetric('http_req_receiving', 'trend', 'time', 'first response byte -> last response byte'),
  defineMetric(
    'http_req_failed',
    'rate',
    'default',
    'share of requests that failed: transport error or a status outside the expected ones (default 200-399)',
  ),
];

/** What the live view reads for HTTP: requests, failures, service time. */
export const HTTP_HEADLINE: HeadlineMetrics = {
  count: 'http_reqs',
  failures: 'http_req_failed',
  duration: 'http_req_duration',
};

const byName = new Map(HTTP_METRICS.map((m) => [m.name, m]));
/** One of the HTTP metrics by name (a name that is not one is a programming error). */
export function httpMetric(name: string): MetricDefinition {
  const m = byName.get(name);
  if (m === undefined) throw new Error(`'${name}' is not an HTTP metric`);
  return m;
}
