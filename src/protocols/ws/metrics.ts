/** The WebSocket module's metrics (k6 names where k6 has one), registered by the protocol registry. */
import { defineMetric, type HeadlineMetrics, type MetricDefinition } from '../../metrics/definitions.js';

export const WS_METRICS: readonly MetricDefinition[] = [
  defineMetric(
    'ws_sessions',
    'counter',
    'default',
    'WebSocket sessions attempted (counted when the opening handshake succeeds or fails)',
  ),
  defineMetric(
    'ws_connecting',
    'trend',
    'time',
    'WebSocket opening: connect + TLS + upgrade handshake, until the session is open (or failed)',
  ),
  defineMetric('ws_session_duration', 'trend', 'time', 'WebSocket session: connect started -> socket closed'),
  defineMetric('ws_msgs_sent', 'counter', 'default', 'WebSocket messages sent'),
  defineMetric('ws_msgs_received', 'counter', 'default', 'WebSocket messages received'),
  defineMetric(
    'ws_session_failed',
    'rate',
    'default',
    'share of WebSocket sessions that failed: handshake refused/failed, a timeout, or closed with a code other than 1000/1001',
  ),
  defineMetric(
    'ws_rtt',
    'trend',
    'time',
    'WebSocket round trip measured by the script (roundTrip, quick mode): message sent -> matching reply received',
  ),
];

/**
 * What the live view and endpoint table read for WebSocket: sessions, failed sessions, and the
 * opening time. The duration is `ws_connecting`, not `ws_rtt`, because every session records it
 * (a script that never measures a round trip has no `ws_rtt`), and so the three headline numbers
 * describe the same events: sessions.
 */
export const WS_HEADLINE: HeadlineMetrics = {
  count: 'ws_sessions',
  failures: 'ws_session_failed',
  duration: 'ws_connecting',
};

const byName = new Map(WS_METRICS.map((m) => [m.name, m]));
/** One of the WebSocket metrics by name (a name that is not one is a programming error). */
export function wsMetric(name: string): MetricDefinition {
  const m = byName.get(name);
  if (m === undefined) throw new Error(`'${name}' is not a WebSocket metric`);
  return m;
}
