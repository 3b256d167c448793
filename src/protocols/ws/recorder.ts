/**
 * Records WebSocket sessions into the sink, tagged scenario / name / method (`WS`) like HTTP's
 * endpoints, plus `error` (and `status` for a refused handshake, `close_code` for a bad close) on
 * failures. Series are cached per endpoint and outcome: a message costs a counter update.
 */
import { BUILTIN_BY_NAME, type MetricDefinition } from '../../metrics/definitions.js';
import type { CounterSeries, MetricSink, RateSeries, TrendSeries } from '../../metrics/sink.js';
import { classifyWsError, WsError } from './errors.js';
import { wsMetric as m } from './metrics.js';

const core = (name: string): MetricDefinition => BUILTIN_BY_NAME.get(name) as MetricDefinition;
const D = {
  sessions: m('ws_sessions'),
  connecting: m('ws_connecting'),
  duration: m('ws_session_duration'),
  sent: m('ws_msgs_sent'),
  received: m('ws_msgs_received'),
  failed: m('ws_session_failed'),
  rtt: m('ws_rtt'),
  bytesSent: core('data_sent'),
  bytesReceived: core('data_received'),
};

class WsSeriesGroup {
  readonly sessions: CounterSeries;
  readonly connecting: TrendSeries;
  readonly duration: TrendSeries;
  readonly failed: RateSeries;
  constructor(sink: MetricSink, tags: Record<string, string>) {
    this.sessions = sink.counter(D.sessions, tags);
    this.connecting = sink.trend(D.connecting, tags);
    this.duration = sink.trend(D.duration, tags);
    this.failed = sink.rate(D.failed, tags);
  }
}

/** One endpoint's series: messages and round trips on the endpoint's tags, sessions by outcome. */
export class WsEndpoint {
  private readonly ok: WsSeriesGroup;
  private readonly byError = new Map<string, WsSeriesGroup>();
  private readonly msgsSent: CounterSeries;
  private readonly msgsReceived: CounterSeries;
  private readonly bytesSent: CounterSeries;
  private readonly bytesReceived: CounterSeries;
  private readonly rttSeries: TrendSeries;

  constructor(
    private readonly sink: MetricSink,
    private readonly tags: Record<string, string>,
    /** The shared `WS other` bucket of names beyond the cap: callers must not cache it per name. */
    readonly overflow = false,
  ) {
    this.ok = new WsSeriesGroup(sink, tags);
    this.msgsSent = sink.counter(D.sent, tags);
    this.msgsReceived = sink.counter(D.received, tags);
    this.bytesSent = sink.counter(D.bytesSent, tags);
    this.bytesReceived = sink.counter(D.bytesReceived, tags);
    this.rttSeries = sink.trend(D.rtt, tags);
  }

  private errorGroup(err: unknown): WsSeriesGroup {
    const cls = classifyWsError(err);
    const code = err instanceof WsError ? err.code : undefined;
    const key = `${cls} ${code ?? ''}`;
    let g = this.byError.get(key);
    if (!g) {
      const tags: Record<string, string> = { ...this.tags, error: cls };
      if (code !== undefined) tags[cls === 'closed' ? 'close_code' : 'status'] = String(code);
      g = new WsSeriesGroup(this.sink, tags);
      this.byError.set(key, g);
    }
    return g;
  }

  /** The opening handshake finished: `err` when it failed (the session then ends, failed). */
  opened(connectingUs: number, err?: unknown): void {
    const g = err === undefined ? this.ok : this.errorGroup(err);
    g.sessions.add(1);
    g.connecting.add(connectingUs);
    if (err !== undefined) {
      g.failed.add(true);
      g.duration.add(connectingUs);
    }
  }

  /** An open session ended: `err` when it ended badly (a bad close code, a timeout, a socket error). */
  ended(durationUs: number, err?: unknown): void {
    const g = err === undefined ? this.ok : this.errorGroup(err);
    g.duration.add(durationUs);
    g.failed.add(err !== undefined);
  }

  sent(bytes: number): void {
    this.msgsSent.add(1);
    this.bytesSent.add(bytes);
  }

  received(bytes: number): void {
    this.msgsReceived.add(1);
    this.bytesReceived.add(bytes);
  }

  rtt(us: number): void {
    this.rttSeries.add(us);
  }
}

/** Endpoint recorders per (scenario, name); names beyond the cap share `WS other`. */
export class WsRecorder {
  private readonly endpoints = new Map<string, WsEndpoint>();
  constructor(
    private readonly sink: MetricSink,
    private readonly maxEndpoints: number,
  ) {}

  endpoint(tags: { scenario: string; name: string } & Record<string, string>): WsEndpoint {
    // Every tag is in the key (a script's group and extra tags make their own series); this runs per session, not per message.
    let key = Object.entries(tags)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .join('\u0001');
    let e = this.endpoints.get(key);
    if (e) return e;
    let overflow = false;
    if (this.endpoints.size >= this.maxEndpoints) {
      tags = { ...tags, name: 'WS other' };
      key = `${tags.scenario}\u0000WS other`;
      e = this.endpoints.get(key);
      if (e) return e;
      overflow = true;
    }
    e = new WsEndpoint(this.sink, { ...tags, method: 'WS' }, overflow);
    this.endpoints.set(key, e);
    return e;
  }
}
