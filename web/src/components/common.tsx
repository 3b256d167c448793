/** Small shared pieces: KPI cards, status and verdict badges, endpoint and threshold tables. */
import type { EndpointSummary, LiveThreshold, RunStatus, Verdict } from '../../../src/server/wire.js';
import { DASH, fmtInt, fmtMs, fmtNum, fmtPct } from '../format';

export function Kpi(props: {
  testId: string;
  label: string;
  value: string;
  /** The raw number, for tests and tooltips. */
  raw?: number | null | undefined;
  sub?: string | undefined;
  tone?: 'good' | 'bad' | 'warn' | undefined;
}) {
  return (
    <div
      className={`kpi${props.tone ? ` ${props.tone}` : ''}`}
      data-testid={props.testId}
      data-value={props.raw ?? ''}
    >
      <div className="kpi-label">{props.label}</div>
      <div className="kpi-value">{props.value}</div>
      {props.sub ? <div className="kpi-sub">{props.sub}</div> : null}
    </div>
  );
}

export function StatusBadge({ status, testId }: { status: RunStatus; testId?: string }) {
  return (
    <span className={`badge status-${status}`} data-testid={testId} data-status={status}>
      {status === 'running' || status === 'starting' ? <span className="pulse" /> : null}
      {status}
    </span>
  );
}

/** Red verdicts: thresholds failed, or the run did not do what it planned ('error'). */
const BAD_VERDICTS = new Set<string>(['failed', 'error']);

export function VerdictBadge({ verdict, testId }: { verdict: Verdict | null; testId?: string }) {
  if (!verdict) return <span className="muted">{DASH}</span>;
  return (
    <span className={`badge verdict-${verdict}`} data-testid={testId} data-verdict={verdict}>
      {verdict === 'passed' ? '✓ ' : BAD_VERDICTS.has(verdict) ? '✗ ' : ''}
      {verdict}
    </span>
  );
}

export function ErrorBox({ error, details, testId }: { error: string; details?: string[]; testId?: string }) {
  // The server's message is usually its first detail: say it once.
  const rest = (details ?? []).filter((d) => d !== error);
  return (
    <div className="error-box" role="alert" data-testid={testId}>
      <strong>{error}</strong>
      {rest.length > 0 ? (
        <ul>
          {rest.map((d, i) => (
            <li key={i}>{d}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Quick-mode names already start with the method ("GET /api/teams"); others get it in front. */
export function endpointLabel(method: string, name: string): string {
  // A name that already says its method (quick mode's `GET /x`), is the method (a gRPC method's
  // full name), or has none, stands alone.
  if (method === '' || name === method || name.startsWith(`${method} `)) return name;
  return `${method} ${name}`;
}

/** A summary's endpoint, or a live snapshot's running total (which has no statuses). */
export type EndpointRow = Omit<EndpointSummary, 'statuses'> & Partial<Pick<EndpointSummary, 'statuses'>>;

export function EndpointTable({ rows, testId }: { rows: EndpointRow[]; testId: string }) {
  const scenarios = new Set(rows.map((r) => r.scenario));
  const showScenario = scenarios.size > 1;
  // The protocol column, when the endpoints span more than one protocol.
  const showProtocol = new Set(rows.map((r) => r.protocol)).size > 1;
  const showStatuses = rows.some((r) => r.statuses);
  return (
    <div className="table-wrap">
      <table className="data" data-testid={testId}>
        <thead>
          <tr>
            {showProtocol ? <th>Protocol</th> : null}
            {showScenario ? <th>Scenario</th> : null}
            <th>Endpoint</th>
            <th className="num">Requests</th>
            <th className="num">Failures</th>
            <th className="num">Avg</th>
            <th className="num">Min</th>
            <th className="num">Max</th>
            <th className="num">p50</th>
            <th className="num">p95</th>
            <th className="num">p99</th>
            <th className="num">RPS</th>
            {showStatuses ? <th>Statuses</th> : null}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={13} className="muted">
                No requests yet.
              </td>
            </tr>
          ) : null}
          {rows.map((r) => (
            <tr
              key={`${r.protocol}\u0000${r.scenario}\u0000${r.method}\u0000${r.name}`}
              data-endpoint={`${r.method} ${r.name}`}
              data-protocol={r.protocol}
            >
              {showProtocol ? <td data-col="protocol">{r.protocol}</td> : null}
              {showScenario ? <td>{r.scenario}</td> : null}
              <td className="name mono" title={r.name}>
                {endpointLabel(r.method, r.name)}
              </td>
              <td className="num" data-col="requests">
                {fmtInt(r.requests)}
              </td>
              <td className={`num${r.failures > 0 ? ' bad-text' : ''}`} data-col="failures">
                {fmtInt(r.failures)}
                {r.failures > 0 && r.requests > 0 ? (
                  <span className="muted small"> ({fmtPct(r.failures / r.requests)})</span>
                ) : null}
              </td>
              <td className="num">{fmtMs(r.latency.avg)}</td>
              <td className="num">{fmtMs(r.latency.min)}</td>
              <td className="num">{fmtMs(r.latency.max)}</td>
              <td className="num">{fmtMs(r.latency.p50)}</td>
              <td className="num">{fmtMs(r.latency.p95)}</td>
              <td className="num">{fmtMs(r.latency.p99)}</td>
              <td className="num">{fmtNum(r.rps)}</td>
              {showStatuses ? (
                <td>
                  <div className="statuses">
                    {Object.entries(r.statuses ?? {})
                      .sort((a, b) => b[1] - a[1])
                      .map(([s, n]) => (
                        <span key={s} className={`status-chip${/^2/.test(s) ? '' : ' bad'}`}>
                          {s}: {fmtInt(n)}
                        </span>
                      ))}
                  </div>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface ThresholdRow {
  metric: string;
  threshold: string;
  ok: boolean;
  actual: number | null;
  /** Why it fails without a value (a monitor metric with no samples). */
  reason?: string | undefined;
}

/** Metric names ending in _duration/_latency/_lag are times in ms; rates are ratios. */
function fmtMetricValue(metric: string, threshold: string, v: number | null): string {
  if (v === null) return DASH;
  const base = metric.split('{')[0] ?? metric;
  if (/(_duration|_latency|_lag|_waiting|_connecting|_blocked|_sending|_receiving)$/.test(base))
    return fmtMs(v);
  if (/^rate/.test(threshold) || /(_failed|checks)$/.test(base)) return fmtPct(v);
  return fmtNum(v);
}

export function liveThresholdRows(list: LiveThreshold[]): ThresholdRow[] {
  return list.map((t) => ({
    metric: t.key,
    threshold: t.source,
    ok: t.ok,
    actual: t.actual,
    reason: t.reason,
  }));
}

/** `final`: the run has ended, so a failing threshold has failed. */
export function ThresholdTable({
  rows,
  testId,
  final = false,
}: {
  rows: ThresholdRow[];
  testId: string;
  final?: boolean;
}) {
  if (rows.length === 0)
    return (
      <p className="muted" data-testid={testId}>
        No thresholds set.
      </p>
    );
  return (
    <table className="data thresholds" data-testid={testId}>
      <thead>
        <tr>
          <th>Status</th>
          <th>Metric</th>
          <th>Threshold</th>
          <th className="num">Actual</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((t) => (
          <tr key={`${t.metric}\u0000${t.threshold}`} data-ok={t.ok ? 'true' : 'false'}>
            <td>
              <span className={`badge ${t.ok ? 'verdict-passed' : 'verdict-failed'}`}>
                {t.ok ? '✓ ok' : final ? '✗ failed' : '✗ failing'}
              </span>
            </td>
            <td className="mono">{t.metric}</td>
            <td className="mono">{t.threshold}</td>
            <td className="num" title={t.reason}>
              {t.actual === null && t.reason ? (
                <span className="bad-text small">{t.reason}</span>
              ) : (
                fmtMetricValue(t.metric, t.threshold, t.actual)
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
