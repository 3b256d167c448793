/**
 * Records one HTTP response into the sink: every http_* metric tagged with scenario, endpoint
 * name, method, status, proto (`HTTP/1.1` or `HTTP/2.0`, as k6; absent when no response was read)
 * and (for transport failures) error class. Series are cached per endpoint
 * and status, so a request costs a few field updates and histogram records, no lookups by string.
 */
import { BUILTIN_BY_NAME, type MetricDefinition } from '../../metrics/definitions.js';
import type { CounterSeries, MetricSink, RateSeries, TrendSeries } from '../../metrics/sink.js';
import { DEFAULT_EXPECTED, type ExpectedStatuses } from './expected-statuses.js';
import { httpMetric as m } from './metrics.js';
import { PROTO_H1, PROTO_H2 } from './response.js';
import type { HttpResponse } from './types.js';

/** Bytes are the engine's metrics (every protocol counts them). */
const core = (name: string): MetricDefinition => BUILTIN_BY_NAME.get(name) as MetricDefinition;
const D = {
  reqs: m('http_reqs'),
  duration: m('http_req_duration'),
  blocked: m('http_req_blocked'),
  connecting: m('http_req_connecting'),
  tls: m('http_req_tls_handshaking'),
  sending: m('http_req_sending'),
  waiting: m('http_req_waiting'),
  receiving: m('http_req_receiving'),
  failed: m('http_req_failed'),
  sent: core('data_sent'),
  received: core('data_received'),
};

class HttpSeriesGroup {
  readonly reqs: CounterSeries;
  readonly duration: TrendSeries;
  readonly blocked: TrendSeries;
  readonly connecting: TrendSeries;
  readonly tls: TrendSeries;
  readonly sending: TrendSeries;
  readonly waiting: TrendSeries;
  readonly receiving: TrendSeries;
  readonly failed: RateSeries;
  readonly sent: CounterSeries;
  readonly received: CounterSeries;
  constructor(sink: MetricSink, tags: Record<string, string>) {
    this.reqs = sink.counter(D.reqs, tags);
    this.duration = sink.trend(D.duration, tags);
    this.blocked = sink.trend(D.blocked, tags);
    this.connecting = sink.trend(D.connecting, tags);
    this.tls = sink.trend(D.tls, tags);
    this.sending = sink.trend(D.sending, tags);
    this.waiting = sink.trend(D.waiting, tags);
    this.receiving = sink.trend(D.receiving, tags);
    this.failed = sink.rate(D.failed, tags);
    this.sent = sink.counter(D.sent, tags);
    this.received = sink.counter(D.received, tags);
  }
}

/** One endpoint's series, by status code (and error class for failures with no status). */
export class EndpointRecorder {
  private readonly byStatus = new Map<number, HttpSeriesGroup>();
  private readonly byError = new Map<string, HttpSeriesGroup>();

  constructor(
    private readonly sink: MetricSink,
    private readonly tags: Record<string, string>,
    /** The shared `METHOD other` bucket of names beyond the cap: callers must not cache it per name. */
    readonly overflow = false,
    /** The test's expected statuses (`http.expectedStatuses`, default 200-399). */
    private readonly expected: ExpectedStatuses = DEFAULT_EXPECTED,
  ) {}

  private group(res: HttpResponse): HttpSeriesGroup {
    if (res.error) {
      // Transport failures have status 0; a body over maxResponseBytes keeps its real status.
      const key =
        res.status === 0
          ? `${res.error.class} ${res.proto ?? ''}`
          : `${res.error.class} ${res.status} ${res.proto ?? ''}`;
      let g = this.byError.get(key);
      if (!g) {
        const tags: Record<string, string> = {
          ...this.tags,
          status: String(res.status),
          error: res.error.class,
        };
        if (res.status !== 0 || res.proto !== undefined) tags.proto = res.proto ?? PROTO_H1;
        g = new HttpSeriesGroup(this.sink, tags);
        this.byError.set(key, g);
      }
      return g;
    }
    // HTTP/2 responses by status + 1000: one map lookup, no string key.
    const h2 = res.proto === PROTO_H2;
    const key = h2 ? res.status + 1000 : res.status;
    let g = this.byStatus.get(key);
    if (!g) {
      g = new HttpSeriesGroup(this.sink, {
        ...this.tags,
        status: String(res.status),
        proto: h2 ? PROTO_H2 : PROTO_H1,
      });
      this.byStatus.set(key, g);
    }
    return g;
  }

  /**
   * Returns whether the response counts as failed: a transport error, or a status outside the
   * expected ones (the request's own `expected`, else the test's).
   */
  record(res: HttpResponse, expected: ExpectedStatuses = this.expected): boolean {
    const g = this.group(res);
    const t = res.timings;
    const failed = res.error !== undefined || !expected.has(res.status);
    g.reqs.add(1);
    g.failed.add(failed);
    g.sent.add(res.bytesSent);
    g.received.add(res.bytesReceived);
    g.duration.add(t.durationUs);
    g.blocked.add(t.blockedUs);
    g.connecting.add(t.connectingUs);
    g.tls.add(t.tlsUs);
    g.sending.add(t.sendingUs);
    g.waiting.add(t.waitingUs);
    g.receiving.add(t.receivingUs);
    return failed;
  }
}

/** Endpoint recorders per (scenario, name, method); names beyond the cap become `other`. */
export class HttpRecorder {
  private readonly endpoints = new Map<string, EndpointRecorder>();
  constructor(
    private readonly sink: MetricSink,
    private readonly maxEndpoints: number,
    private readonly expected: ExpectedStatuses = DEFAULT_EXPECTED,
  ) {}

  endpoint(
    tags: { scenario: string; name: string; method: string } & Record<string, string>,
  ): EndpointRecorder {
    let key = `${tags.scenario}\u0000${tags.method}\u0000${tags.name}`;
    let e = this.endpoints.get(key);
    if (e) return e;
    let overflow = false;
    if (this.endpoints.size >= this.maxEndpoints) {
      // Bounded cardinality: every further endpoint shares one `other` series per method, and
      // nothing is kept per distinct name (20,000 names cost 530 MB against 340 MB for one).
      tags = { ...tags, name: `${tags.method} other` };
      key = `${tags.scenario}\u0000${tags.method}\u0000${tags.name}`;
      e = this.endpoints.get(key);
      if (e) return e;
      overflow = true;
    }
    e = new EndpointRecorder(this.sink, tags, overflow, this.expected);
    this.endpoints.set(key, e);
    return e;
  }
}
