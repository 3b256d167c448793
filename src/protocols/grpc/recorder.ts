/**
 * Records gRPC call outcomes: every grpc_* metric tagged with scenario, `name` and `method`
 * (`pkg.Service/Method`), `status` (the gRPC status name) and, for a non-OK status, `error` (its
 * class). Series are cached per (scope, method, status), so a call costs a map lookup and a few adds.
 */
import type { CounterSeries, MetricSink, RateSeries, TrendSeries } from '../../metrics/sink.js';
import type { CallOutcome } from './calls.js';
import { grpcMetric as m } from './metrics.js';
import { classifyStatus } from './status.js';

class GrpcSeries {
  readonly reqs: CounterSeries;
  readonly failed: RateSeries;
  readonly duration: TrendSeries;
  readonly streams: CounterSeries;
  readonly streamDuration: TrendSeries;
  readonly sent: CounterSeries;
  readonly received: CounterSeries;
  constructor(sink: MetricSink, tags: Record<string, string>) {
    this.reqs = sink.counter(m('grpc_reqs'), tags);
    this.failed = sink.rate(m('grpc_req_failed'), tags);
    this.duration = sink.trend(m('grpc_req_duration'), tags);
    this.streams = sink.counter(m('grpc_streams'), tags);
    this.streamDuration = sink.trend(m('grpc_stream_duration'), tags);
    this.sent = sink.counter(m('grpc_stream_msgs_sent'), tags);
    this.received = sink.counter(m('grpc_stream_msgs_received'), tags);
  }
}

export class GrpcRecorder {
  private readonly series = new Map<string, GrpcSeries>();
  private readonly methods = new Set<string>();
  constructor(
    private readonly sink: MetricSink,
    private readonly maxEndpoints: number,
  ) {}

  private group(
    tags: Readonly<Record<string, string>>,
    scopeKey: string,
    method: string,
    o: CallOutcome,
  ): GrpcSeries {
    // Bounded cardinality: methods past the cap share one `other` series.
    if (!this.methods.has(method)) {
      if (this.methods.size >= this.maxEndpoints) method = 'other';
      else this.methods.add(method);
    }
    // Keyed by the error class, never the details text (it holds addresses and messages).
    const error = o.code === 0 ? '' : classifyStatus(o.code, o.details);
    const key = `${scopeKey}\u0000${method}\u0000${o.code}\u0000${error}`;
    let g = this.series.get(key);
    if (g === undefined) {
      const t: Record<string, string> = { ...tags, name: method, method, status: o.status };
      if (error !== '') t.error = error;
      g = new GrpcSeries(this.sink, t);
      this.series.set(key, g);
    }
    return g;
  }

  /** Records one call; `stream`: a streaming call (its time goes to grpc_stream_duration). */
  record(
    tags: Readonly<Record<string, string>>,
    scopeKey: string,
    method: string,
    o: CallOutcome,
    stream: boolean,
  ): void {
    const g = this.group(tags, scopeKey, method, o);
    g.reqs.add(1);
    g.failed.add(o.code !== 0);
    if (stream) {
      g.streams.add(1);
      g.streamDuration.add(o.durationUs);
      g.sent.add(o.msgsSent);
      g.received.add(o.msgsReceived);
    } else g.duration.add(o.durationUs);
  }
}
