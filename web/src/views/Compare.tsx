/** `#/compare/:a/:b`: two runs overlaid on seconds since their start, and what changed. */
import { useMemo } from 'react';
import uPlot from 'uplot';
import type { EndpointRow } from '../components/common';
import type { Comparison, RunDetail, SeriesResponse } from '../../../src/server/wire.js';
import { Chart, type ChartAxis, type ChartSeries } from '../components/Chart';
import { endpointLabel, ErrorBox, StatusBadge, VerdictBadge } from '../components/common';
import { delta, DASH, fmtDate, fmtInt, fmtMs, fmtNum, fmtPct, fmtSignedPct } from '../format';
import { compareHref, runHref, usePoll } from '../hooks';
import { BoundedSeries, type SeriesColumns } from '../series';
import { headline } from './RunDetail';

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

/** Which direction is worse: latency and errors up, throughput down; request counts say neither. */
type Better = 'lower' | 'higher' | 'none';

interface MetricSpec {
  label: string;
  better: Better;
  /** Which absolute floor of `volley compare` applies: ms for latency, ratio for rates. */
  unit?: 'ms' | 'ratio';
  fmt: (v: number | null | undefined) => string;
}

const fmtMsN = (v: number | null | undefined): string => fmtMs(v);

function columns(points: SeriesResponse | null): SeriesColumns {
  const s = new BoundedSeries();
  s.addAll(points?.points ?? []);
  return s.columns();
}

/** `volley compare`'s judgement limits, from its answer (tolerance and absolute floors). */
type Limits = Pick<Comparison, 'tolerance' | 'floors'>;
type Judgement = 'ok' | 'regressed' | 'improved' | 'unjudged';

/**
 * ok / regressed / improved exactly as `volley compare` classifies a row (src/analysis/compare.ts):
 * a change within the tolerance, or within the absolute floor of its unit, is ok — never red.
 */
function judge(base: number | null, next: number | null, spec: MetricSpec, limits: Limits | null): Judgement {
  if (!limits || spec.better === 'none' || base === null || next === null) return 'unjudged';
  const worse = spec.better === 'lower' ? next - base : base - next;
  const floor =
    spec.unit === 'ms' ? limits.floors.minDeltaMs : spec.unit === 'ratio' ? limits.floors.minDeltaRate : 0;
  const size = Math.abs(worse);
  if (size <= floor + 1e-9) return 'ok';
  if (base !== 0 && size / Math.abs(base) <= limits.tolerance + 1e-9) return 'ok';
  return worse > 0 ? 'regressed' : 'improved';
}

const TONE: Record<Judgement, string> = {
  ok: '',
  unjudged: '',
  regressed: 'bad-text',
  improved: 'good-text',
};

function DeltaCells({
  base,
  next,
  spec,
  limits,
}: {
  base: number | null;
  next: number | null;
  spec: MetricSpec;
  limits: Limits | null;
}) {
  const d = delta(base, next);
  const j = judge(base, next, spec, limits);
  const t = TONE[j];
  return (
    <>
      <td className="num">{spec.fmt(base)}</td>
      <td className="num">{spec.fmt(next)}</td>
      <td className={`num ${t}`}>
        {d === null ? DASH : `${d.abs > 0 ? '+' : d.abs < 0 ? '−' : ''}${spec.fmt(Math.abs(d.abs))}`}
      </td>
      <td className={`num ${t}`} data-status={j}>
        {d === null ? DASH : fmtSignedPct(d.pct)}
      </td>
      <td className="muted small">
        {spec.better === 'none' ? '' : spec.better === 'lower' ? 'lower is better' : 'higher is better'}
      </td>
    </>
  );
}

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

/** Endpoints matched by method + name; a pair repeated across scenarios of one run keeps its scenario. */
function endpointKeys(rows: EndpointRow[]): Map<string, EndpointRow> {
  const count = new Map<string, number>();
  for (const r of rows) {
    const k = endpointLabel(r.method, r.name);
    count.set(k, (count.get(k) ?? 0) + 1);
  }
  const out = new Map<string, EndpointRow>();
  for (const r of rows) {
    const k = endpointLabel(r.method, r.name);
    out.set((count.get(k) ?? 0) > 1 ? `${k} (${r.scenario})` : k, r);
  }
  return out;
}

const ENDPOINT_METRICS: { label: string; spec: MetricSpec; get: (r: EndpointRow) => number | null }[] = [
  { label: 'Requests', spec: { label: 'Requests', better: 'none', fmt: fmtInt }, get: (r) => r.requests },
  { label: 'RPS', spec: { label: 'RPS', better: 'higher', fmt: fmtNum }, get: (r) => r.rps },
  {
    label: 'Error rate',
    spec: { label: 'Error rate', better: 'lower', unit: 'ratio', fmt: (v) => fmtPct(v) },
    get: (r) => (r.requests > 0 ? r.failures / r.requests : null),
  },
  {
    label: 'p50',
    spec: { label: 'p50', better: 'lower', unit: 'ms', fmt: fmtMsN },
    get: (r) => r.latency.p50,
  },
  {
    label: 'p95',
    spec: { label: 'p95', better: 'lower', unit: 'ms', fmt: fmtMsN },
    get: (r) => r.latency.p95,
  },
  {
    label: 'p99',
    spec: { label: 'p99', better: 'lower', unit: 'ms', fmt: fmtMsN },
    get: (r) => r.latency.p99,
  },
  {
    label: 'max',
    spec: { label: 'max', better: 'lower', unit: 'ms', fmt: fmtMsN },
    get: (r) => r.latency.max,
  },
];

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
  const limits: Limits | null = cmp.data;

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
  const ha = A?.summary ? headline(A.summary) : null;
  const hb = B?.summary ? headline(B.summary) : null;

  const rows: { spec: MetricSpec; base: number | null; next: number | null }[] =
    ha && hb
      ? [
          { spec: { label: 'Requests', better: 'none', fmt: fmtInt }, base: ha.requests, next: hb.requests },
          { spec: { label: 'RPS (mean)', better: 'higher', fmt: fmtNum }, base: ha.rps, next: hb.rps },
          {
            spec: { label: 'Error rate', better: 'lower', unit: 'ratio', fmt: (v) => fmtPct(v) },
            base: ha.errorRate,
            next: hb.errorRate,
          },
          { spec: { label: 'p50', better: 'lower', unit: 'ms', fmt: fmtMsN }, base: ha.p50, next: hb.p50 },
          { spec: { label: 'p95', better: 'lower', unit: 'ms', fmt: fmtMsN }, base: ha.p95, next: hb.p95 },
          { spec: { label: 'p99', better: 'lower', unit: 'ms', fmt: fmtMsN }, base: ha.p99, next: hb.p99 },
          { spec: { label: 'max', better: 'lower', unit: 'ms', fmt: fmtMsN }, base: ha.max, next: hb.max },
        ]
      : [];

  const endpoints = useMemo(() => {
    if (!A?.summary || !B?.summary) return [];
    const ea = endpointKeys(A.summary.endpoints);
    const eb = endpointKeys(B.summary.endpoints);
    const keys = [...new Set([...ea.keys(), ...eb.keys()])];
    return keys.map((k) => ({ key: k, base: ea.get(k) ?? null, next: eb.get(k) ?? null }));
  }, [A, B]);

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
              <th>Better</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={6} className="muted">
                  {A && B ? 'No summary to compare.' : 'Loading…'}
                </td>
              </tr>
            ) : null}
            {rows.map((r) => (
              <tr key={r.spec.label} data-metric={r.spec.label}>
                <td>{r.spec.label}</td>
                <DeltaCells base={r.base} next={r.next} spec={r.spec} limits={limits} />
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="card">
        <h2>Per endpoint</h2>
        <p className="muted small">
          Matched by method and name. Each cell: base → new, and the change (red: worse beyond the tolerance,
          green: better beyond it; RPS higher is better, errors and latency lower).
        </p>
        <div className="table-wrap">
          <table className="data compare-endpoints" data-testid="compare-endpoints">
            <thead>
              <tr>
                <th>Endpoint</th>
                {ENDPOINT_METRICS.map((m) => (
                  <th key={m.label} className="num">
                    {m.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {endpoints.length === 0 ? (
                <tr>
                  <td colSpan={ENDPOINT_METRICS.length + 1} className="muted">
                    No endpoints.
                  </td>
                </tr>
              ) : null}
              {endpoints.map((e) => (
                <tr key={e.key} data-endpoint={e.key}>
                  <td className="name mono" title={e.key}>
                    {e.key}
                    {!e.base ? <div className="muted small">only in new</div> : null}
                    {!e.next ? <div className="muted small">only in base</div> : null}
                  </td>
                  {ENDPOINT_METRICS.map((m) => {
                    const bv = e.base ? m.get(e.base) : null;
                    const nv = e.next ? m.get(e.next) : null;
                    const d = delta(bv, nv);
                    const j = judge(bv, nv, m.spec, limits);
                    return (
                      <td key={m.label} className="num pair">
                        <div>
                          {m.spec.fmt(bv)} → {m.spec.fmt(nv)}
                        </div>
                        <div className={`small ${TONE[j] || 'muted'}`} data-status={j}>
                          {d ? fmtSignedPct(d.pct) : DASH}
                        </div>
                      </td>
                    );
                  })}
                </tr>
              ))}
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
            {run.executors.join(', ')}
          </div>
        </>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </section>
  );
}
