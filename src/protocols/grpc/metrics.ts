/** The gRPC module's metrics (k6 names where k6 has them), registered by the protocol registry. */
import { defineMetric, type HeadlineMetrics, type MetricDefinition } from '../../metrics/definitions.js';

export const GRPC_METRICS: readonly MetricDefinition[] = [
  defineMetric('grpc_reqs', 'counter', 'default', 'gRPC calls completed (unary and streaming), any status'),
  defineMetric('grpc_req_duration', 'trend', 'time', 'unary call time: call started -> status received'),
  defineMetric('grpc_req_failed', 'rate', 'default', 'share of gRPC calls whose status was not OK'),
  defineMetric('grpc_streams', 'counter', 'default', 'streaming calls completed (server, client or bidi)'),
  defineMetric(
    'grpc_stream_duration',
    'trend',
    'time',
    'streaming call time: call started -> status received',
  ),
  defineMetric('grpc_stream_msgs_sent', 'counter', 'default', 'messages sent on streaming calls'),
  defineMetric('grpc_stream_msgs_received', 'counter', 'default', 'messages received on streaming calls'),
];

/** What the live view and endpoint table read for gRPC: calls, failures, unary call time. */
export const GRPC_HEADLINE: HeadlineMetrics = {
  count: 'grpc_reqs',
  failures: 'grpc_req_failed',
  duration: 'grpc_req_duration',
};

const byName = new Map(GRPC_METRICS.map((m) => [m.name, m]));
/** One of the gRPC metrics by name (a name that is not one is a programming error). */
export function grpcMetric(name: string): MetricDefinition {
  const m = byName.get(name);
  if (m === undefined) throw new Error(`'${name}' is not a gRPC metric`);
  return m;
}
