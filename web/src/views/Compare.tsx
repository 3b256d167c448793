/** `#/compare/:a/:b`: two runs overlaid on seconds since their start, and what changed. */
import { useMemo } from 'react';
import uPlot from 'uplot';
import type {
  Comparison,
  CompareRow,
  RowStatus,
  RunDetail,
  SeriesResponse,
} from '../../../src/server/wire.js';
import { Chart, type ChartAxis, type ChartSeries } from '../components/Chart';
import { endpointLabel, ErrorBox, StatusBadge, VerdictBadge } from '../components/common';
import { DASH, fmtDate, fmtInt, fmtMs, fmtNum, fmtPct, fmtRps, fmtSignedPct } from '../format';
import { compareHref, runHref, usePoll } from '../hooks';
import { BoundedSeries, type SeriesColumns } from '../series';

const BASE = '#98a2b3';
const NEW = '#4aa3ff';

const THROUGHPUT: ChartSeries[] = [
  { label: 'base requests/s', color: BASE },
  { label: 'new requests/s', color: NEW },
];
const LATENCY: ChartSeries[] = [
  { label: 'base p50', color: BASE, dash: [4, 4] },
  { label: 'base p99', color: BASE },
  { label: 'new p50', color: NEW, dash: [4, 4] },
  { label: 'new p99', color: NEW },
];
const PER_S: ChartAxis[] = [{ scale: 'y', unit: '/s' }];
const MS: ChartAxis[] = [{ scale: 'y', unit: 'ms' }];

function columns(points: SeriesResponse | null): SeriesColumns {
  const s = new BoundedSeries();
  s.addAll(points?.points ?? []);
  return s.columns();
}

/**
 * Every number below the charts is a row of `/api/compare`, the `volley.compare/1` document of
 * `volley compare` (src/analysis/compare.ts): its statuses are the CLI's, so the page can never
 * judge differently from the CI gate. This view only formats them.
 */
type Unit = CompareRow['unit'];

function fmtUnit(v: number | null, unit: Unit): string {
  switch (unit) {
    case 'ms':
      return fmtMs(v);
    case 'ratio':
      return fmtPct(v);
    case 'per-second':
      return fmtRps(v);
    case 'bytes':
      return v === null ? DASH : `${fmtInt(v)} B`;
    case 'count':
      return fmtInt(v);
    default:
      return fmtNum(v);
  }
}

/** The change in the row's unit; rates move in percentage points, as `volley compare` prints them. */
function fmtDelta(r: CompareRow): string {
  if (r.delta === null) return DASH;
  const sign = r.delta > 0 ? '+' : r.delta < 0 ? '−' : '±';
  if (r.unit === 'ratio') return `${sign}${(Math.abs(r.delta) * 100).toFixed(2)} pp`;
  return `${sign}${fmtUnit(Math.abs(r.delta), r.unit)}`;
}

/** deltaRatio is null when the base is 0: any new value is then beyond every relative change. */
function fmtDeltaPct(r: CompareRow): string {
  if (r.deltaRatio === null) return r.delta === null || r.delta === 0 ? DASH : 'new > 0';
  return fmtSignedPct(r.deltaRatio * 100);
}

const TONE: Record<RowStatus, string> = {
  ok: '',
  added: '',
  removed: '',
  regressed: 'bad-text',
  improved: 'good-text',
};

/** `regressed (not gated)`, as the CLI's table says it: a shown-only row never fails the comparison. */
function statusText(r: { status: RowStatus; gate: boolean }): string {
  if (r.status === 'regressed' || r.status === 'improved')
    return r.gate ? r.status : `${r.status} (not gated)`;
  return r.status;
}

/** An endpoint row's column: error rate and req/s by name, latency by statistic (as the CLI labels them). */
function endpointColumn(r: CompareRow): string {
  // An endpoint's rows: its protocol's headline duration (by statistic), failure rate and request rate.
  if (r.unit === 'ratio') return 'error rate';
  if (r.unit === 'per-second') return 'req/s';
  return r.stat;
}

const rowKey = (r: CompareRow): string => `${r.metric}:${r.stat}`;

/** The regression verdict of `volley compare` for these two runs. */
function VerdictSection({
  cmp,
  error,
  ready,
}: {
  cmp: Comparison | null;
  error: string | null;
  ready: boolean;
}) {
  if (!ready) return null;
  if (error) return <ErrorBox error={`no regression verdict: ${error}`} testId="compare-verdict-error" />;
  if (!cmp) return <p className="muted">Judging…</p>;
  const pct = `${(cmp.tolerance * 100).toFixed(cmp.tolerance * 100 >= 1 ? 0 : 1)}%`;
  return (
    <section
      className={`card ${cmp.verdict === 'regressed' ? 'error-box' : ''}`}
      data-testid="compare-verdict"
      data-verdict={cmp.verdict}
    >
      <h2>
        {cmp.verdict === 'regressed'
          ? `✗ Regressed: ${cmp.regressions.length} ${cmp.regressions.length === 1 ? 'figure is' : 'figures are'} worse beyond the tolerance`
          : '✓ No regression'}
      </h2>
      <p className="muted small">
        As <span className="mono">volley compare</span> judges it: tolerance {pct}, and changes of at most{' '}
        {cmp.floors.minDeltaMs} ms (latency) or {fmtPct(cmp.floors.minDeltaRate, 1)} (rates) never count;
        endpoints with fewer than {cmp.floors.minRequests} requests do not gate.
      </p>
      {cmp.regressions.length > 0 ? (
        <ul data-testid="compare-regressions">
          {cmp.regressions.map((r) => (
            <li key={`${r.scope}\u0000${r.metric}\u0000${r.stat}`}>{r.message}</li>
          ))}
        </ul>
      ) : null}
      {cmp.warnings.length > 0 ? (
        <ul className="warn-text small" data-testid="compare-warnings">
          {cmp.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

export function Compare({ a, b }: { a: string; b: string }) {
  const ra = usePoll<RunDetail>(`/api/runs/${encodeURIComponent(a)}`, 0);
  const rb = usePoll<RunDetail>(`/api/runs/${encodeURIComponent(b)}`, 0);
  const sa = usePoll<SeriesResponse>(`/api/runs/${encodeURIComponent(a)}/series`, 0);
  const sb = usePoll<SeriesResponse>(`/api/runs/${encodeURIComponent(b)}/series`, 0);
  const bothSummaries = Boolean(ra.data?.summary && rb.data?.summary);
  const cmp = usePoll<Comparison>(
    bothSummaries ? `/api/compare?base=${encodeURIComponent(a)}&new=${encodeURIComponent(b)}` : null,
    0,
  );

  const charts = useMemo(() => {
    const ca = columns(sa.data);
    const cb = columns(sb.data);
    // One x axis (seconds since each run's start); uPlot.join fills the other run's gaps with null.
    const joined = uPlot.join([
      [ca.x, ca.rps, ca.p50, ca.p99],
      [cb.x, cb.rps, cb.p50, cb.p99],
    ]);
    const [x = [], aRps = [], aP50 = [], aP99 = [], bRps = [], bP50 = [], bP99 = []] = joined;
    return {
      throughput: [x, aRps, bRps] as uPlot.AlignedData,
      latency: [x, aP50, aP99, bP50, bP99] as uPlot.AlignedData,
    };
  }, [sa.data, sb.data]);

  const error = ra.error ?? rb.error ?? sa.error ?? sb.error;
  const A = ra.data;
  const B = rb.data;
  const C = cmp.data;
  // Endpoint columns: every row kind any endpoint has, in the order compare lists them.
  const columnKeys = useMemo(() => {
    const keys = new Map<string, string>();
    for (const e of C?.endpoints ?? [])
      for (const r of e.rows) if (!keys.has(rowKey(r))) keys.set(rowKey(r), endpointColumn(r));
    return [...keys];
  }, [C]);

  return (
    <div className="page" data-testid="compare-view">
      <div className="page-head">
        <h1>Compare</h1>
        <div className="head-actions">
          <a className="button" href={compareHref(b, a)} data-testid="compare-swap">
            Swap base and new
          </a>
        </div>
      </div>
      {error ? <ErrorBox error={error} /> : null}
      <div className="two-col">
        <RunCard label="Base" run={A} color={BASE} />
        <RunCard label="New" run={B} color={NEW} />
      </div>
      {A && B && (!A.summary || !B.summary) ? (
        <p className="note">
          Only ended runs with a summary have numbers to compare; the charts show what is stored.
        </p>
      ) : null}

      <div className="charts">
        <Chart
          title="Throughput"
          testId="compare-chart-throughput"
          series={THROUGHPUT}
          axes={PER_S}
          data={charts.throughput}
          note="x: seconds since each run's start"
        />
        <Chart
          title="Latency p50 and p99"
          testId="compare-chart-latency"
          series={LATENCY}
          axes={MS}
          data={charts.latency}
          note="per second (the highest of each merged bucket)"
        />
      </div>

      <VerdictSection cmp={cmp.data} error={cmp.error} ready={bothSummaries} />

      <section className="card">
        <h2>Overall</h2>
        <table className="data" data-testid="compare-table">
          <thead>
            <tr>
              <th>Metric</th>
              <th className="num">Base</th>
              <th className="num">New</th>
              <th className="num">Delta</th>
              <th className="num">Delta %</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {!C ? (
              <tr>
                <td colSpan={6} className="muted">
                  {!A || !B || (bothSummaries && !cmp.error) ? 'Loading…' : 'No summary to compare.'}
                </td>
              </tr>
            ) : null}
            {C?.metrics.map((r) => (
              <tr key={rowKey(r)} data-metric={rowKey(r)} data-status={r.status}>
                <td>
                  <span className="mono">{r.metric}</span> {r.stat}
                  <div className="muted small">
                    {r.direction === 'lower-is-better' ? 'lower is better' : 'higher is better'}
                    {r.gate ? '' : ' · shown, not gated'}
                    {r.fromHistograms ? ' · recomputed from the stored histograms' : ''}
                    {r.tolerance !== undefined && r.tolerance !== C.tolerance
                      ? ` · tolerance ${fmtPct(r.tolerance, 1)}`
                      : ''}
                  </div>
                </td>
                <td className="num">{fmtUnit(r.base, r.unit)}</td>
                <td className="num">{fmtUnit(r.new, r.unit)}</td>
                <td className={`num ${TONE[r.status]}`}>{fmtDelta(r)}</td>
                <td className={`num ${TONE[r.status]}`}>{fmtDeltaPct(r)}</td>
                <td className={TONE[r.status]} data-status={r.status}>
                  {statusText(r)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      {C?.capacity && C.capacity.length > 0 ? (
        <section className="card" data-testid="compare-capacity">
          <h2>Capacity</h2>
          <p className="muted small">
            Knees, stress ceilings and phases (each phase&apos;s p99, and the five-phase recovery), when the
            runs have them.
          </p>
          <ul>
            {C.capacity.map((r) => (
              <li
                key={`${r.kind}:${r.metric}`}
                className={TONE[r.status]}
                data-kind={r.kind}
                data-status={r.status}
              >
                {r.message} <span className="muted small">({statusText(r)})</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section className="card">
        <h2>Per endpoint</h2>
        <p className="muted small">
          Matched by scenario, method and name. Each cell: base → new, and the change (red: worse beyond the
          tolerance, green: better beyond it). Endpoints with fewer than {C?.floors.minRequests ?? 50}{' '}
          requests in either run are shown but do not gate.
        </p>
        <div className="table-wrap">
          <table className="data compare-endpoints" data-testid="compare-endpoints">
            <thead>
              <tr>
                <th>Endpoint</th>
                <th className="num">Requests</th>
                {columnKeys.map(([key, label]) => (
                  <th key={key} className="num">
                    {label}
                  </th>
                ))}
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {(C?.endpoints.length ?? 0) === 0 ? (
                <tr>
                  <td colSpan={columnKeys.length + 3} className="muted">
                    No endpoints.
                  </td>
                </tr>
              ) : null}
              {C?.endpoints.map((e) => {
                const label = `${e.scenario} ${endpointLabel(e.method, e.name)}`;
                const rows = new Map(e.rows.map((r) => [rowKey(r), r]));
                return (
                  <tr key={label} data-endpoint={label} data-status={e.status}>
                    <td className="name mono" title={label}>
                      {label}
                      {e.status === 'added' ? <div className="muted small">only in new</div> : null}
                      {e.status === 'removed' ? <div className="muted small">only in base</div> : null}
                    </td>
                    <td className="num pair">
                      {fmtInt(e.requests.base)} → {fmtInt(e.requests.new)}
                    </td>
                    {columnKeys.map(([key]) => {
                      const r = rows.get(key);
                      return (
                        <td key={key} className="num pair" data-row={key}>
                          {r ? (
                            <>
                              <div>
                                {fmtUnit(r.base, r.unit)} → {fmtUnit(r.new, r.unit)}
                              </div>
                              <div className={`small ${TONE[r.status] || 'muted'}`} data-status={r.status}>
                                {fmtDeltaPct(r)}
                              </div>
                            </>
                          ) : (
                            DASH
                          )}
                        </td>
                      );
                    })}
                    <td className={TONE[e.status]} data-status={e.status}>
                      {e.gate || e.status === 'added' || e.status === 'removed'
                        ? e.status
                        : `${e.status} (too few requests to gate)`}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}

function RunCard({ label, run, color }: { label: string; run: RunDetail | null; color: string }) {
  return (
    <section className="card run-card" data-testid={`compare-${label.toLowerCase()}`}>
      <h2>
        <span className="swatch" style={{ background: color }} /> {label}
      </h2>
      {run ? (
        <>
          <div>
            <a href={runHref(run.id)}>{run.name}</a> <StatusBadge status={run.status} />{' '}
            <VerdictBadge verdict={run.verdict} />
          </div>
          <div className="muted small">
            <span className="mono">{run.id}</span> · {fmtDate(run.startedAt ?? run.createdAt)} ·{' '}
            {run.executors.join(', ')} ·{' '}
            <span data-testid="compare-run-requests">{fmtInt(run.requests)}</span> requests
          </div>
        </>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </section>
  );
}
