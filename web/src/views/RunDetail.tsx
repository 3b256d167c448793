/** `#/runs/:id` once the run ended: stored series, the summary, thresholds, checks, errors. */
import { StressResultCard } from '../components/Stress';
import { useMemo, useState } from 'react';
import type uPlot from 'uplot';
import type {
  CapacityPlan,
  RunDetail as Detail,
  DistributedSummary,
  SeriesResponse,
  StressResult,
  Summary,
} from '../../../src/server/wire.js';
import { api, downloadSummary, errorText, hasToken, summaryPath } from '../api';
import {
  EndpointTable,
  ErrorBox,
  Kpi,
  StatusBadge,
  ThresholdTable,
  VerdictBadge,
} from '../components/common';
import { Chart, type ChartAxis, type ChartSeries } from '../components/Chart';
import { RunCharts } from '../components/RunCharts';
import { ProtocolKpis } from '../components/ProtocolKpis';
import { fmtDate, fmtDuration, fmtInt, fmtMB, fmtMs, fmtNum, fmtPct } from '../format';
import { navigate, runHref, usePoll } from '../hooks';
import { BoundedSeries } from '../series';
import { headlineMetrics, summaryProtocols } from '../protocols';

/** The headline numbers of a summary (its main protocol's), shared with the comparison. */
export function headline(s: Summary) {
  const v = (metric: string, stat: string): number | null => s.metrics[metric]?.values[stat] ?? null;
  const m = headlineMetrics(s);
  const ps = summaryProtocols(s);
  return {
    protocol: (ps.find((p) => p.name === s.headline) ?? ps[0])?.name ?? '',
    protocolCount: ps.length,
    requests: v(m.count, 'count'),
    rps: v(m.count, 'rate'),
    errorRate: v(m.failures, 'rate'),
    avg: v(m.duration, 'avg'),
    p50: v(m.duration, 'med'),
    p90: v(m.duration, 'p(90)'),
    p95: v(m.duration, 'p(95)'),
    p99: v(m.duration, 'p(99)'),
    max: v(m.duration, 'max'),
    iterations: v('iterations', 'count'),
    dropped: v('dropped_iterations', 'count'),
  };
}

export function RunDetailView({ run }: { run: Detail }) {
  const series = usePoll<SeriesResponse>(`/api/runs/${encodeURIComponent(run.id)}/series`, 0);
  const built = useMemo(() => {
    const s = new BoundedSeries();
    s.addAll(series.data?.points ?? []);
    return { cols: s.columns(), bucketSeconds: s.bucketSeconds };
  }, [series.data]);
  const s = run.summary;
  const h = s ? headline(s) : null;

  return (
    <div className="page" data-testid="run-detail">
      <div className="page-head">
        <div>
          <h1 className="run-title">
            <span title={run.name}>{run.name}</span>
            <StatusBadge status={run.status} testId="run-status" />
            {run.verdict ? <VerdictBadge verdict={run.verdict} testId="run-verdict" /> : null}
            {s?.distributed?.degraded ? <DegradedBadge testId="run-degraded" /> : null}
          </h1>
          <div className="muted small">
            <span className="mono">{run.id}</span> · {run.source}
            {run.executors.length ? ` · ${run.executors.join(', ')}` : ''} · started{' '}
            {fmtDate(run.startedAt ?? run.createdAt)} · ended {fmtDate(run.endedAt)}
            {run.exitCode !== null ? ` · exit code ${run.exitCode}` : ''}
          </div>
        </div>
        <div className="head-actions">
          {s ? <ReportLink id={run.id} /> : null}
          {run.request ? <RunAgain run={run} /> : null}
        </div>
      </div>

      {run.status === 'error' ? (
        <ErrorBox error={`The run failed: ${run.error ?? 'no message'}`} testId="run-error" />
      ) : null}
      {run.status === 'interrupted' ? (
        <ErrorBox
          error="The process running this test died before it ended: only the seconds stored so far remain."
          testId="run-interrupted"
        />
      ) : null}
      {s && s.state.aborted ? (
        <div className="note">
          Aborted ({s.state.abortReason}
          {s.state.abortDetail ? `: ${s.state.abortDetail}` : ''}).
        </div>
      ) : null}
      {s && s.generator.warnings.length > 0 ? (
        <div className="note warn" data-testid="warnings">
          {s.generator.warnings.map((w, i) => (
            <div key={i}>⚠ {w}</div>
          ))}
        </div>
      ) : null}

      {h ? (
        <div className="kpis" data-testid="summary-kpis">
          <Kpi
            testId="kpi-requests"
            label="Requests"
            value={fmtInt(h.requests)}
            raw={h.requests}
            sub={h.protocolCount > 1 ? `${h.protocol}, the headline protocol (cards below: each)` : undefined}
          />
          <Kpi testId="kpi-rps" label="RPS (mean)" value={fmtNum(h.rps)} raw={h.rps} />
          <Kpi
            testId="kpi-error-rate"
            label="Error rate"
            value={fmtPct(h.errorRate)}
            raw={h.errorRate}
            tone={h.errorRate ? 'bad' : undefined}
          />
          <Kpi testId="kpi-p50" label="p50" value={fmtMs(h.p50)} raw={h.p50} />
          <Kpi testId="kpi-p95" label="p95" value={fmtMs(h.p95)} raw={h.p95} />
          <Kpi testId="kpi-p99" label="p99" value={fmtMs(h.p99)} raw={h.p99} />
          <Kpi testId="kpi-max" label="max" value={fmtMs(h.max)} raw={h.max} />
          <Kpi
            testId="kpi-duration"
            label="Duration"
            value={fmtDuration(s?.state.testRunDurationMs ?? run.durationMs)}
            raw={s?.state.testRunDurationMs ?? run.durationMs}
            sub={
              h.dropped
                ? `${fmtInt(h.iterations)} iterations, ${fmtInt(h.dropped)} dropped`
                : `${fmtInt(h.iterations)} iterations`
            }
            tone={h.dropped ? 'warn' : undefined}
          />
        </div>
      ) : run.status === 'finished' ? (
        <p className="muted">Loading the summary…</p>
      ) : null}
      {s ? <ProtocolKpis protocols={summaryProtocols(s)} /> : null}
      {s?.distributed ? <DistributedSection d={s.distributed} /> : null}

      {series.error ? <ErrorBox error={`Could not load the series: ${series.error}`} /> : null}
      {series.data && series.data.points.length === 0 ? (
        <p className="muted">No per-second data was stored for this run.</p>
      ) : (
        <RunCharts
          cols={built.cols}
          bucketSeconds={built.bucketSeconds}
          latencyMetric={s ? headlineMetrics(s).duration : undefined}
          marks={s?.phases?.phases.map((p) => ({ x: p.startSecond, label: p.name }))}
        />
      )}
      <MonitoredCharts runId={run.id} pollMs={0} />

      {s?.phases && s.phases.phases.length > 0 ? <PhasesSection phases={s.phases} /> : null}
      {s ? <SummarySections s={s} /> : null}

      {run.request ? (
        <details className="card">
          <summary>What was asked for (the request body)</summary>
          <pre className="mono">{JSON.stringify(run.request, null, 2)}</pre>
        </details>
      ) : null}
    </div>
  );
}

/** A run built from a preset with named phases: the per-phase table and the verdicts (summary `phases`). */
function PhasesSection({ phases }: { phases: NonNullable<Summary['phases']> }) {
  const unit = phases.loadUnit === 'vus' ? ' VUs' : '/s';
  const r = phases.recovery;
  return (
    <section className="card" data-testid="phases">
      <h2>
        Phases <span className="muted small">scenario {phases.scenario}</span>
      </h2>
      {r ? (
        <div className={r.recovered ? 'note' : 'note warn'} data-testid="phases-recovery">
          {r.recovered ? '✓' : '✗'} Recovery: {r.detail}
        </div>
      ) : null}
      {phases.memory.map((m) => (
        <div
          key={m.source}
          className={m.verdict === 'growing' ? 'note warn' : 'note'}
          data-testid={`phases-memory-${m.source}`}
        >
          {m.verdict === 'growing' ? '✗' : '✓'} Memory: {m.detail}
        </div>
      ))}
      <table className="data" data-testid="phases-table">
        <thead>
          <tr>
            <th>phase</th>
            <th>seconds</th>
            <th>load</th>
            <th className="n">requests</th>
            <th className="n">req/s</th>
            <th className="n">p50</th>
            <th className="n">p95</th>
            <th className="n">p99</th>
            <th className="n">errors</th>
          </tr>
        </thead>
        <tbody>
          {phases.phases.map((p) => (
            <tr key={`${p.name}-${p.startSecond}`}>
              <td>{p.name}</td>
              <td className="mono">
                {fmtDuration(p.startSecond * 1000)}–{fmtDuration(p.endSecond * 1000)}
              </td>
              <td>
                {p.load.from === p.load.to ? p.load.to : `${p.load.from}→${p.load.to}`}
                {unit}
              </td>
              <td className="n">{fmtInt(p.requests)}</td>
              <td className="n">{fmtNum(p.throughputRps)}</td>
              <td className="n">{fmtMs(p.p50Ms)}</td>
              <td className="n">{fmtMs(p.p95Ms)}</td>
              <td className="n">{fmtMs(p.p99Ms)}</td>
              <td className="n">{fmtPct(p.errorRate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function DegradedBadge({ testId }: { testId: string }) {
  return (
    <span
      className="badge verdict-failed"
      data-testid={testId}
      title="an agent was lost: the run went on without its share"
    >
      ⚠ degraded
    </span>
  );
}

const detail = (a: DistributedSummary['agents'][number], key: string): string | number | undefined =>
  a.details[key];

/** `volley run --nats`: each agent's part (summary `distributed`), and the lost ones when degraded. */
function DistributedSection({ d }: { d: DistributedSummary }) {
  const threads = d.agents.reduce((n, a) => n + a.threads, 0);
  return (
    <section className="card" data-testid="distributed">
      <h2>
        Agents{' '}
        <span className="muted small">
          {d.agents.length} agent{d.agents.length === 1 ? '' : 's'}, {threads} thread
          {threads === 1 ? '' : 's'}
        </span>{' '}
        {d.degraded ? <DegradedBadge testId="distributed-degraded" /> : null}
      </h2>
      {d.degraded ? (
        <div className="note warn" data-testid="distributed-lost">
          {d.lost.map((line, i) => (
            <div key={i}>⚠ {line}</div>
          ))}
        </div>
      ) : null}
      <div className="table-wrap">
        <table className="data" data-testid="distributed-agents">
          <thead>
            <tr>
              <th>Agent</th>
              <th>Segment</th>
              <th className="num">Share</th>
              <th className="num">Threads</th>
              <th className="num">Requests</th>
              <th>State</th>
              <th className="num">Lost at second</th>
              <th className="num">Missing from second</th>
              <th>Version</th>
              <th>Host</th>
              <th className="num">Clock offset</th>
            </tr>
          </thead>
          <tbody>
            {d.agents.map((a) => {
              const offset = detail(a, 'clockOffsetMs');
              const rtt = detail(a, 'clockRttMs');
              return (
                <tr key={`${a.name}\u0000${a.segment}`} data-testid="distributed-agent" data-state={a.state}>
                  <td
                    className="mono"
                    title={detail(a, 'tags') === undefined ? undefined : `tags ${detail(a, 'tags')}`}
                  >
                    {a.name}
                  </td>
                  <td className="mono">{a.segment}</td>
                  <td className="num">{fmtPct(a.share, 1)}</td>
                  <td className="num">{a.threads}</td>
                  <td className="num">{a.requests.toLocaleString('en-US')}</td>
                  <td>
                    <span
                      className={`badge ${a.state === 'lost' ? 'verdict-failed' : 'status-finished'}`}
                      title={a.lostReason ?? undefined}
                    >
                      {a.state}
                    </span>
                  </td>
                  <td className="num">{a.lostAtSecond ?? '—'}</td>
                  <td className="num">{a.missingFromSecond ?? '—'}</td>
                  <td>{detail(a, 'version') ?? '—'}</td>
                  <td className="mono">{detail(a, 'host') ?? '—'}</td>
                  <td
                    className="num"
                    title={typeof rtt === 'number' ? `measured over a ${rtt} ms round trip` : undefined}
                  >
                    {typeof offset === 'number' ? fmtMs(offset) : '—'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Knee, bottleneck hints and, for `volley stress`, the probes — read from the summary. */
function AnalysisSection({ s }: { s: Summary & { stress?: StressResult } }) {
  const { knee, bottlenecks } = s.analysis ?? {
    knee: null,
    bottlenecks: { signals: [], summary: '', first: null },
  };
  const stress = s.stress;
  if (!knee && bottlenecks.signals.length === 0 && !stress) return null;
  return (
    <section className="card" data-testid="analysis">
      <h2>Analysis</h2>
      {stress ? <StressResultCard stress={stress} /> : null}
      {knee ? (
        <p data-testid="knee">
          {knee.detected ? (
            <>
              <strong>Knee</strong> at {knee.atSecond ?? 0} s
              {knee.load
                ? knee.loadModel === 'closed'
                  ? ` with ${knee.load.vus} VUs`
                  : ` at ${knee.load.iterationsPerSec} arrivals/s`
                : ''}
              : {knee.detail}
            </>
          ) : (
            knee.detail
          )}
        </p>
      ) : null}
      {bottlenecks.signals.length > 0 ? <p data-testid="bottlenecks">{bottlenecks.summary}</p> : null}
    </section>
  );
}

/**
 * The capacity plans: per ramping scenario a row per stage (per probe for `volley stress`), with
 * the target's CPU and memory when a monitor read them, and the recommended operating point.
 */
function CapacityPlanSection({ s }: { s: Summary & { stress?: StressResult } }) {
  const plans: { plan: CapacityPlan; what: 'Stage' | 'Probe' }[] = [
    ...(s.capacityPlan ?? []).map((plan) => ({ plan, what: 'Stage' as const })),
    ...(s.stress?.capacityPlan ? [{ plan: s.stress.capacityPlan, what: 'Probe' as const }] : []),
  ];
  if (plans.length === 0) return null;
  return (
    <section className="card" data-testid="capacity-plan">
      <h2>Capacity plan</h2>
      {plans.map(({ plan, what }) => {
        const unit = plan.unit === 'vus' ? ' VUs' : '/s';
        const cpu = plan.rows.some((r) => r.targetCpuPercent !== null);
        const rss = plan.rows.some((r) => r.targetRssMB !== null);
        const mem = plan.rows.some((r) => r.targetMemoryPercent !== null);
        return (
          <div key={plan.scenario} data-testid={`capacity-plan-${plan.scenario}`}>
            <p className="muted small">
              {plan.scenario}: SLOs {plan.slos.join(', ')}
              {what === 'Stage' ? ' — percentiles are the worst second of each stage' : ''}
            </p>
            <table className="data compact">
              <thead>
                <tr>
                  <th>{what}</th>
                  <th className="num">{plan.unit === 'vus' ? 'VUs' : 'Arrivals/s'}</th>
                  <th className="num">req/s</th>
                  <th className="num">p50</th>
                  <th className="num">p95</th>
                  <th className="num">p99</th>
                  <th className="num">Errors</th>
                  {cpu ? <th className="num">Target CPU</th> : null}
                  {rss ? <th className="num">Target RSS</th> : null}
                  {mem ? <th className="num">Target memory</th> : null}
                  <th>Result</th>
                </tr>
              </thead>
              <tbody>
                {plan.rows.map((r) => (
                  <tr key={`${r.index}-${r.load}`} data-passed={String(r.passed)}>
                    <td>{r.index + 1}</td>
                    <td className="num">
                      {r.startLoad !== r.load && what === 'Stage' ? `${r.startLoad}→${r.load}` : r.load}
                    </td>
                    <td className="num">{fmtNum(r.throughputRps)}</td>
                    <td className="num">{fmtMs(r.p50Ms)}</td>
                    <td className="num">{fmtMs(r.p95Ms)}</td>
                    <td className="num">{fmtMs(r.p99Ms)}</td>
                    <td className="num">{(r.errorRate * 100).toFixed(2)} %</td>
                    {cpu ? (
                      <td className="num">{r.targetCpuPercent === null ? '—' : `${r.targetCpuPercent} %`}</td>
                    ) : null}
                    {rss ? (
                      <td className="num">{r.targetRssMB === null ? '—' : fmtMB(r.targetRssMB)}</td>
                    ) : null}
                    {mem ? (
                      <td className="num">
                        {r.targetMemoryPercent === null ? '—' : `${r.targetMemoryPercent} %`}
                      </td>
                    ) : null}
                    <td>
                      {r.passed === null ? 'not run' : r.passed ? '✓ passed' : `✗ ${r.failures.join('; ')}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p data-testid="capacity-recommended">
              {plan.recommended === null ? (
                plan.detail
              ) : (
                <>
                  <strong>
                    Recommended: {plan.recommended}
                    {unit}
                  </strong>{' '}
                  — the highest passing {what.toLowerCase()} held {plan.highestPassingLoad}
                  {unit}; {Math.round(plan.headroom * 100)}% headroom
                </>
              )}
            </p>
          </div>
        );
      })}
    </section>
  );
}

function SummarySections({ s }: { s: Summary }) {
  const errors = Object.entries(s.errors).sort((a, b) => b[1] - a[1]);
  const g = s.generator;
  return (
    <>
      <section className="card">
        <h2>Endpoints</h2>
        <EndpointTable rows={s.endpoints} testId="endpoint-table" />
      </section>

      <AnalysisSection s={s} />

      <CapacityPlanSection s={s} />

      {s.correctedLatency ? (
        <section className="card" data-testid="corrected-latency">
          <h2>Service time and what users waited</h2>
          <p className="muted small">
            Open loop: iteration latency runs from when each arrival was due, so it includes waiting for a
            free VU and dispatch lag.{' '}
            {s.correctedLatency.differs
              ? 'Here the two differ: the service time hides queueing.'
              : 'Here they agree: no hidden queueing.'}
          </p>
          <table className="data compact">
            <thead>
              <tr>
                <th />
                <th className="num">p50</th>
                <th className="num">p95</th>
                <th className="num">p99</th>
                <th className="num">max</th>
              </tr>
            </thead>
            <tbody>
              {(
                [
                  [`${headlineMetrics(s).duration} (service time)`, s.correctedLatency.serviceTime],
                  ['iteration_latency (from the planned start)', s.correctedLatency.iterationLatency],
                ] as const
              ).map(([label, l]) => (
                <tr key={label}>
                  <td>{label}</td>
                  <td className="num">{fmtMs(l.p50)}</td>
                  <td className="num">{fmtMs(l.p95)}</td>
                  <td className="num">{fmtMs(l.p99)}</td>
                  <td className="num">{fmtMs(l.max)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}

      <div className="two-col">
        <section className="card">
          <h2>Thresholds</h2>
          <ThresholdTable rows={s.thresholds.results} testId="thresholds" final />
        </section>
        <section className="card">
          <h2>Checks</h2>
          {s.checks.length === 0 ? (
            <p className="muted" data-testid="checks-table">
              No checks in this test.
            </p>
          ) : (
            <table className="data" data-testid="checks-table">
              <thead>
                <tr>
                  <th>Check</th>
                  <th className="num">Passes</th>
                  <th className="num">Fails</th>
                  <th className="num">Pass rate</th>
                </tr>
              </thead>
              <tbody>
                {s.checks.map((c) => (
                  <tr key={`${c.scenario}\u0000${c.group}\u0000${c.name}`}>
                    <td>
                      {c.group ? <span className="muted">{c.group} › </span> : null}
                      {c.name}
                      {c.scenario ? <div className="muted small">{c.scenario}</div> : null}
                    </td>
                    <td className="num">{fmtInt(c.passes)}</td>
                    <td className={`num${c.fails ? ' bad-text' : ''}`}>{fmtInt(c.fails)}</td>
                    <td className="num">
                      {fmtPct(c.passes + c.fails ? c.passes / (c.passes + c.fails) : null)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>

      <div className="two-col">
        <section className="card">
          <h2>Errors</h2>
          {errors.length === 0 ? (
            <p className="muted" data-testid="errors-table">
              No transport errors (refused, timeout, reset, DNS, TLS). HTTP statuses are per endpoint above.
            </p>
          ) : (
            <table className="data" data-testid="errors-table">
              <thead>
                <tr>
                  <th>Error class</th>
                  <th className="num">Count</th>
                </tr>
              </thead>
              <tbody>
                {errors.map(([k, n]) => (
                  <tr key={k}>
                    <td className="mono">{k}</td>
                    <td className="num">{fmtInt(n)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {s.scriptErrors.length > 0 ? (
            <>
              <h3>Script exceptions</h3>
              {s.scriptErrors.map((e, i) => (
                <details key={i} className="script-error">
                  <summary>
                    <span className="bad-text">{fmtInt(e.count)}×</span> {e.message}{' '}
                    <span className="muted small">({e.scenario})</span>
                  </summary>
                  <pre className="mono">{e.stack || 'no stack'}</pre>
                </details>
              ))}
            </>
          ) : null}
          {s.workerErrors.length > 0 ? <ErrorBox error="Worker problems" details={s.workerErrors} /> : null}
        </section>
        <section className="card" data-testid="generator-summary">
          <h2>Generator</h2>
          <dl className="facts">
            <dt>Workers</dt>
            <dd>{g.workers}</dd>
            <dt>CPU (of one core)</dt>
            <dd>
              avg {fmtNum(g.cpuPercent.avg)} % · max {fmtNum(g.cpuPercent.max)} %
            </dd>
            <dt>RSS max</dt>
            <dd>{fmtMB(g.rssMB.max)}</dd>
            <dt>Saturated</dt>
            <dd className={g.saturated ? 'bad-text' : ''}>
              {g.saturated
                ? `yes, ${g.saturatedSeconds} of ${g.seconds} s (${g.reasons.join(', ')})`
                : `no (${g.seconds} s measured)`}
            </dd>
            {g.perWorker.map((w, i) => (
              <WorkerFact key={i} i={i} w={w} />
            ))}
          </dl>
        </section>
      </div>
    </>
  );
}

function WorkerFact({ i, w }: { i: number; w: Summary['generator']['perWorker'][number] }) {
  return (
    <>
      <dt>Worker {i + 1}</dt>
      <dd>
        ELU avg {fmtPct(w.elu.avg, 0)} · max {fmtPct(w.elu.max, 0)} · loop delay p99{' '}
        {fmtMs(w.loopDelayP99Ms.max)} · heap {fmtMB(w.heapUsedMB.max)}
      </dd>
    </>
  );
}

function ReportLink({ id }: { id: string }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <a
        className="button"
        href={summaryPath(id)}
        download
        data-testid="report-link"
        onClick={(e) => {
          // With a token the plain link would be refused (it cannot carry the header).
          if (!hasToken()) return;
          e.preventDefault();
          downloadSummary(id).catch((err: unknown) => setError(errorText(err)));
        }}
      >
        Summary JSON
      </a>
      {error ? <span className="bad-text small">{error}</span> : null}
    </>
  );
}

function RunAgain({ run }: { run: Detail }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button
        type="button"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          api<{ id: string }>('/api/runs', { method: 'POST', body: run.request })
            .then((r) => navigate(runHref(r.id)))
            .catch((err: unknown) => setError(errorText(err)))
            .finally(() => setBusy(false));
        }}
        data-testid="run-again"
      >
        Run again
      </button>
      {error ? <span className="bad-text small">{error}</span> : null}
    </>
  );
}

/** The resource monitor's metrics (`volley run --monitor-pid / --monitor-prometheus`). */
const isMonitored = (name: string): boolean => /^(target|prom)_/.test(name);

function monitorUnit(name: string): string {
  if (name.endsWith('_percent')) return '%';
  if (name.endsWith('_mb')) return 'MB';
  if (name.endsWith('_rate')) return '/s';
  return '';
}

const MONITOR_SERIES: ChartSeries[] = [
  { label: 'avg', color: '#4aa3ff', fill: true, spanGaps: true },
  { label: 'max', color: '#c08cff', dash: [4, 4], spanGaps: true },
];

/**
 * "Monitored": one chart per `target_*` / `prom_*` metric of the run, from the store (per second,
 * summed over tags). `pollMs` > 0 refreshes while the run is live; nothing shows when the run
 * was not monitored.
 */
export function MonitoredCharts({ runId, pollMs }: { runId: string; pollMs: number }) {
  const names = usePoll<{ metrics: string[] }>(`/api/runs/${encodeURIComponent(runId)}/metrics`, pollMs);
  const monitored = (names.data?.metrics ?? []).filter(isMonitored);
  if (monitored.length === 0) return null;
  return (
    <section className="card" data-testid="monitored">
      <h2>Monitored</h2>
      <p className="muted small">
        Readings of the target taken beside the load: a process by pid (target_*) and scraped Prometheus
        series (prom_*). Gaps are seconds without a new reading.
      </p>
      <div className="charts">
        {monitored.map((m) => (
          <MonitoredChart key={m} runId={runId} metric={m} pollMs={pollMs} />
        ))}
      </div>
    </section>
  );
}

function MonitoredChart({ runId, metric, pollMs }: { runId: string; metric: string; pollMs: number }) {
  const res = usePoll<{ points: { second: number; values: Record<string, number> }[] }>(
    `/api/runs/${encodeURIComponent(runId)}/metrics/${encodeURIComponent(metric)}`,
    pollMs,
  );
  const axes = useMemo<ChartAxis[]>(
    () => [{ scale: 'y', unit: monitorUnit(metric), integer: /_(threads|fds|sockets)$/.test(metric) }],
    [metric],
  );
  const data = useMemo<uPlot.AlignedData>(() => {
    const pts = (res.data?.points ?? []).filter((p) => (p.values.count ?? 0) > 0);
    return [
      pts.map((p) => p.second),
      pts.map((p) => p.values.avg ?? null),
      pts.map((p) => p.values.max ?? null),
    ];
  }, [res.data]);
  return <Chart title={metric} testId={`chart-${metric}`} series={MONITOR_SERIES} axes={axes} data={data} />;
}
