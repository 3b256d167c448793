/**
 * The HTML performance report: one self-contained file (inline CSS, static SVG charts, no script,
 * nothing from the network) from a summary, with a regression section when a baseline is given.
 * Pure: the caller writes the string. Every user string (URLs, names, messages) is escaped.
 */
import type { Summary } from '../summary/summary.js';
import type { StressResult } from '../analysis/stress.js';
import {
  compareSummaries,
  formatDelta,
  formatDeltaPct,
  formatValue,
  type Comparison,
} from '../analysis/compare.js';
import { escapeXml, phaseMarks, renderSvgChart, type ChartSeries } from './svg-chart.js';
import {
  endpointName,
  formatMetricValue,
  rankBottlenecks,
  recommendations,
  parseThresholdExpr,
} from './recommendations.js';
import { kneeLine, ms, pct, count } from '../summary/format.js';
import { capacityCells } from '../summary/capacity.js';
import { atSecondText } from '../summary/sustained.js';
import { loadProfile, readableTime, runWindow } from './load-profile.js';
import { kneeSignal } from '../summary/knee.js';
import { phaseTableRows, phaseVerdictLines } from '../summary/phases.js';
import { headlineValues, summaryProtocols } from '../summary/headline.js';

export const esc = escapeXml;

/** A summary may carry the result of `volley stress`. */
export type ReportSummary = Summary & { stress?: StressResult };

export interface ReportChart {
  /** File-name-safe id: throughput, latency, errors, vus, monitored-<name>. */
  id: string;
  title: string;
  svg: string;
}

/** The charts both reports draw: throughput, latency, errors %, VUs, then every monitored series. */
export function reportCharts(s: Summary, baseline?: Summary): ReportChart[] {
  const pts = s.series;
  const bpts = baseline?.series ?? [];
  const out: ReportChart[] = [];
  const chart = (id: string, title: string, unit: string, series: ChartSeries[]): void => {
    out.push({ id, title, svg: renderSvgChart({ title, unit, series, marks: phaseMarks(s.phases) }) });
  };
  const base = (
    name: string,
    values: (number | null)[],
    merge: NonNullable<ChartSeries['merge']>,
  ): ChartSeries[] =>
    baseline && bpts.length > 0
      ? [{ name: `${name} (baseline)`, values, merge, dashed: true, color: '#9ca3af' }]
      : [];
  const has = (p: Summary['series'][number]): boolean => p.requests > 0;
  chart('throughput', 'Throughput', 'req/s', [
    { name: 'requests/s', values: pts.map((p) => p.requests), merge: 'sum', area: true },
    { name: 'failures/s', values: pts.map((p) => p.failures), merge: 'sum', color: '#dc2626' },
    ...base(
      'requests/s',
      bpts.map((p) => p.requests),
      'sum',
    ),
  ]);
  chart('latency', 'Latency', 'ms', [
    { name: 'p50', values: pts.map((p) => (has(p) ? p.latency.p50 : null)), merge: 'max', color: '#16a34a' },
    { name: 'p95', values: pts.map((p) => (has(p) ? p.latency.p95 : null)), merge: 'max', color: '#d97706' },
    { name: 'p99', values: pts.map((p) => (has(p) ? p.latency.p99 : null)), merge: 'max', color: '#dc2626' },
    ...base(
      'p99',
      bpts.map((p) => (has(p) ? p.latency.p99 : null)),
      'max',
    ),
  ]);
  chart('errors', 'Errors', '%', [
    {
      name: 'failed requests %',
      values: pts.map((p) => (p.requests > 0 ? (p.failures / p.requests) * 100 : null)),
      merge: 'max',
      color: '#dc2626',
      area: true,
    },
  ]);
  chart('vus', 'Virtual users', 'VUs', [
    { name: 'VUs', values: pts.map((p) => p.vus), merge: 'max', color: '#7c3aed', area: true },
  ]);
  // A run that spoke more than one protocol: requests/s and p99 per protocol.
  const protocols = [...new Set(pts.flatMap((p) => (p.protocols ?? []).map((x) => x.protocol)))];
  if (protocols.length > 1) {
    const colors = ['#2563eb', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#dc2626'];
    const of = (p: Summary['series'][number], name: string) => p.protocols?.find((x) => x.protocol === name);
    chart(
      'protocol-throughput',
      'Requests/s by protocol',
      'req/s',
      protocols.map((name, i) => ({
        name,
        values: pts.map((p) => of(p, name)?.requests ?? 0),
        merge: 'sum',
        color: colors[i % colors.length] as string,
      })),
    );
    chart(
      'protocol-p99',
      'p99 by protocol',
      'ms',
      protocols.map((name, i) => ({
        name,
        values: pts.map((p) => {
          const x = of(p, name);
          return x && x.requests > 0 ? x.latency.p99 : null;
        }),
        merge: 'max',
        color: colors[i % colors.length] as string,
      })),
    );
  }
  for (const [name, values] of Object.entries(s.monitored)) {
    const unit = /percent/.test(name) ? '%' : /_bytes|_mb\b/i.test(name) ? name.replace(/^.*_/, '') : '';
    chart(`monitored-${name.replace(/[^\w-]+/g, '_')}`, name, unit || 'value', [
      { name, values, merge: 'mean', color: '#0891b2' },
    ]);
  }
  return out;
}

/** The verdict in plain words, one paragraph. */
export function plainResult(s: Summary): string {
  const head = headlineValues(s);
  const reqs = { count: head.requests, rate: head.rps };
  const dur = head.duration;
  const failed = head.errorRate;
  const protocols = summaryProtocols(s);
  const secs = s.state.testRunDurationMs / 1000;
  const slo = s.thresholds.results;
  const sloText =
    slo.length === 0
      ? 'No SLO (threshold) was set.'
      : `${slo.filter((t) => t.ok).length} of ${slo.length} SLOs held${
          slo.some((t) => !t.ok)
            ? `; failed: ${slo
                .filter((t) => !t.ok)
                .map((t) => `${t.metric} ${t.threshold}`)
                .join(', ')}`
            : ''
        }.`;
  const how =
    s.verdict === 'passed'
      ? 'passed'
      : s.verdict === 'failed'
        ? 'failed'
        : s.verdict === 'error'
          ? 'did not do what it planned (run error), so none of its numbers can pass it'
          : 'was aborted';
  return (
    `The run ${how}: ` +
    `${count(reqs.count)} ${protocols.length > 1 ? `${head.headline.protocol} ` : ''}requests in ${secs.toFixed(1)} s (${reqs.rate.toFixed(1)} req/s achieved), ` +
    `p95 ${ms(dur?.['p(95)'] ?? 0)}, p99 ${ms(dur?.['p(99)'] ?? 0)}, error rate ${pct(failed)}. ` +
    protocols
      .slice(1)
      .map(
        (p) =>
          `Also ${count(p.requests)} ${p.name} requests (${p.rps.toFixed(1)}/s), p99 ${ms(p.latency.p99)}, error rate ${pct(p.errorRate)}. `,
      )
      .join('') +
    sloText +
    (s.generator.saturated ? ' The load generator saturated: the numbers may understate the target.' : '') +
    (s.state.aborted ? ` Aborted: ${s.state.abortReason ?? ''} ${s.state.abortDetail ?? ''}.` : '')
  );
}

export function baselineComparison(s: Summary, baseline: Summary): Comparison {
  return compareSummaries(baseline, s, {
    base: { id: baseline.runId, source: 'baseline' },
    new: { id: s.runId, source: 'this run' },
  });
}

const CSS = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#f9fafb;margin:0}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
.meta{color:#6b7280;font-size:12px}
.badge{display:inline-block;padding:4px 12px;border-radius:999px;font-weight:700;font-size:14px;letter-spacing:.04em;text-transform:uppercase;color:#fff}
.badge.passed{background:#16a34a}.badge.failed{background:#dc2626}.badge.aborted{background:#d97706}.badge.error{background:#7f1d1d}.badge.regressed{background:#dc2626}
table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0;font-size:13px}
th,td{border:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#15803d;font-weight:700}.bad{color:#b91c1c;font-weight:700}
tr.regressed td{background:#fef2f2}tr.improved td{background:#f0fdf4}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:12px}
.chart{margin:0;background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:4px}
.chart svg{width:100%;height:auto;display:block}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:12px 16px;margin:8px 0}
ol.recs li{margin:0 0 10px}.evidence{color:#4b5563;font-size:12px}
.warn{background:#fffbeb;border-color:#fcd34d}.run-error{background:#fef2f2;border-color:#b91c1c;color:#7f1d1d}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
`;

const tick = (ok: boolean): string => (ok ? '<span class="ok">✓</span>' : '<span class="bad">✗</span>');
const td = (v: string, num = false): string => `<td${num ? ' class="n"' : ''}>${v}</td>`;
const th = (cols: string[]): string => `<tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;

function table(head: string[], rows: string[], cls = ''): string {
  return `<table${cls ? ` class="${cls}"` : ''}><thead>${th(head)}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function sloRows(s: Summary): string[] {
  return s.thresholds.results.map((t) => {
    const p = parseThresholdExpr(t.threshold);
    return `<tr class="${t.ok ? 'ok-row' : 'fail-row'}">${td(tick(t.ok))}${td(`<code>${esc(t.metric)}</code>`)}${td(`<code>${esc(t.threshold)}</code>`)}${td(esc(formatMetricValue(s, t.metric, t.actual)), true)}${td(p ? esc(`${p.op} ${formatMetricValue(s, t.metric, p.limit)}`) : '—', true)}</tr>`;
  });
}

function regressionSection(s: Summary, baseline: Summary): string {
  const c = baselineComparison(s, baseline);
  const rows = c.metrics.map(
    (r) =>
      `<tr class="${r.status === 'ok' ? 'same' : r.status}">${td(r.status === 'regressed' ? '<span class="bad">✗ regressed</span>' : r.status === 'improved' ? '<span class="ok">improved</span>' : esc(r.status))}${td(`<code>${esc(r.metric)}</code>`)}${td(esc(r.stat))}${td(r.base === null ? '—' : esc(formatValue(r.base, r.unit)), true)}${td(r.new === null ? '—' : esc(formatValue(r.new, r.unit)), true)}${td(esc(formatDelta(r)), true)}${td(esc(formatDeltaPct(r.deltaRatio, r.delta)), true)}</tr>`,
  );
  const epRows = c.endpoints.flatMap((e) =>
    e.rows
      .filter((r) => r.status === 'regressed' || r.status === 'improved' || r.stat === 'p(95)')
      .map(
        (r) =>
          `<tr class="${r.status === 'ok' ? 'same' : r.status}">${td(esc(r.status))}${td(esc(endpointName(e)))}${td(`<code>${esc(`${r.metric} ${r.stat}`)}</code>`)}${td(r.base === null ? '—' : esc(formatValue(r.base, r.unit)), true)}${td(r.new === null ? '—' : esc(formatValue(r.new, r.unit)), true)}${td(esc(formatDeltaPct(r.deltaRatio, r.delta)), true)}</tr>`,
      ),
  );
  return `<section id="regression"><h2>Regression against the baseline</h2>
<p><span class="badge ${c.verdict}">${esc(c.verdict)}</span> baseline <code>${esc(c.base.id)}</code> → this run <code>${esc(c.new.id)}</code>, tolerance ${(c.tolerance * 100).toFixed(0)}% (floors ${c.floors.minDeltaMs} ms, ${(c.floors.minDeltaRate * 100).toFixed(2)}pp).</p>
${c.regressions.length ? `<div class="card warn"><strong>${c.regressions.length} regression${c.regressions.length > 1 ? 's' : ''}:</strong><ul>${c.regressions.map((r) => `<li>${esc(r.message)}</li>`).join('')}</ul></div>` : '<p class="ok">No regression beyond the tolerance.</p>'}
${c.warnings.length ? `<div class="card warn"><ul>${c.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></div>` : ''}
${table(['status', 'metric', 'stat', 'baseline', 'this run', 'Δ', 'Δ%'], rows, 'compare')}
${epRows.length ? `<h3>Endpoints</h3>${table(['status', 'endpoint', 'metric', 'baseline', 'this run', 'Δ%'], epRows)}` : ''}
</section>`;
}

/** Verdict `error`: a red card at the top naming why (runErrors); nothing otherwise. */
function runErrorCard(s: Summary): string {
  if (s.verdict !== 'error') return '';
  const why = (s.runErrors ?? []).length > 0 ? (s.runErrors ?? []) : ['the run did not do what it planned'];
  return `<div class="card run-error" id="run-error" role="alert"><strong>⚠ Run error: this run did not do what it planned, and cannot pass.</strong><ul>${why.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></div>\n`;
}

export function renderHtmlReport(
  summary: Summary,
  opts: { baseline?: Summary; title?: string; generatedAt?: Date } = {},
): string {
  const s = summary as ReportSummary;
  const title =
    opts.title ??
    `volley report — ${s.config.request ? `${s.config.request.method} ${s.config.request.url}` : (s.config.script ?? s.runId)}`;
  const generatedAt = (opts.generatedAt ?? new Date()).toISOString();
  const parts: string[] = [];

  // Executive summary: the verdict, why a run errored, the load applied, then the result.
  const profile = loadProfile(s);
  parts.push(`<header><h1>${esc(title)}</h1>
<p class="meta">run <code>${esc(s.runId)}</code> · <time datetime="${esc(s.startedAt)}">${esc(readableTime(s.startedAt))}</time> → <time datetime="${esc(s.endedAt)}">${esc(readableTime(s.endedAt))}</time> · generated <time datetime="${esc(generatedAt)}">${esc(readableTime(generatedAt))}</time> · schema ${esc(s.schema)}</p></header>
<section id="summary"><h2>Executive summary</h2>
<p><span class="badge ${esc(s.verdict)}" id="verdict" data-verdict="${esc(s.verdict)}">${esc(s.verdict)}</span></p>
${runErrorCard(s)}<div id="load-profile"><h3>Load applied</h3><p class="meta">${esc(runWindow(s))}</p>${table(
    ['scenario', 'executor', 'load', 'duration', 'max VUs', 'planned', 'started', 'completed', 'dropped'],
    profile.map(
      (r) =>
        `<tr>${td(esc(r.scenario))}${td(`<code>${esc(r.executor)}</code>`)}${td(esc(r.load))}${td(esc(r.duration), true)}${td(esc(r.vus), true)}${td(esc(r.planned), true)}${td(esc(r.started), true)}${td(esc(r.completed), true)}${td(esc(r.dropped), true)}</tr>`,
    ),
    'load',
  )}</div>
<p class="result">${esc(plainResult(s))}</p>
${s.thresholds.results.length ? table(['', 'metric', 'SLO', 'actual', 'limit'], sloRows(s), 'slo') : '<p>No thresholds were set.</p>'}
</section>`);

  // Charts.
  parts.push(
    `<section id="charts"><h2>Charts</h2><div class="charts">${reportCharts(s, opts.baseline)
      .map((c) => `<figure class="chart" id="chart-${esc(c.id)}">${c.svg}</figure>`)
      .join('')}</div></section>`,
  );

  // Protocols, when the run spoke more than one; then the endpoints (with their protocol then).
  const protocols = summaryProtocols(s);
  const several = protocols.length > 1;
  if (several)
    parts.push(
      `<section id="protocols"><h2>Protocols</h2>${table(
        ['protocol', 'requests', 'req/s', 'failed', 'p50', 'p95', 'p99', 'max', 'metrics'],
        protocols.map(
          (p) =>
            `<tr data-protocol="${esc(p.name)}">${td(esc(p.name))}${td(count(p.requests), true)}${td(p.rps.toFixed(1), true)}${td(`${p.failures} (${pct(p.errorRate)})`, true)}${td(ms(p.latency.p50), true)}${td(ms(p.latency.p95), true)}${td(ms(p.latency.p99), true)}${td(ms(p.latency.max), true)}${td(`<code>${esc(`${p.metrics.count}, ${p.metrics.failures}, ${p.metrics.duration}`)}</code>`)}</tr>`,
        ),
      )}</section>`,
    );
  parts.push(
    `<section id="endpoints"><h2>Endpoints</h2>${table(
      [
        ...(several ? ['protocol'] : []),
        'scenario',
        'endpoint',
        'requests',
        'req/s',
        'failed',
        'p50',
        'p95',
        'p99',
        'max',
        'statuses',
      ],
      s.endpoints.map(
        (e) =>
          `<tr>${several ? td(esc(e.protocol)) : ''}${td(esc(e.scenario))}${td(esc(endpointName(e)))}${td(count(e.requests), true)}${td(e.rps.toFixed(1), true)}${td(`${e.failures} (${pct(e.failures / Math.max(1, e.requests))})`, true)}${td(ms(e.latency.p50), true)}${td(ms(e.latency.p95), true)}${td(ms(e.latency.p99), true)}${td(ms(e.latency.max), true)}${td(
            esc(
              Object.entries(e.statuses)
                .map(([k, v]) => `${k}: ${v}`)
                .join(', '),
            ),
          )}</tr>`,
      ),
    )}</section>`,
  );

  // Errors.
  const errs = Object.entries(s.errors).sort((a, b) => b[1] - a[1]);
  parts.push(
    `<section id="errors"><h2>Error classes</h2>${
      errs.length
        ? table(
            ['class', 'requests'],
            errs.map(([k, v]) => `<tr>${td(esc(k))}${td(count(v), true)}</tr>`),
          )
        : '<p>No transport errors.</p>'
    }${
      s.checks.length
        ? `<h3>Checks</h3>${table(
            ['', 'scenario', 'group', 'check', 'passes', 'fails'],
            s.checks.map(
              (c) =>
                `<tr>${td(tick(c.fails === 0))}${td(esc(c.scenario))}${td(esc(c.group))}${td(esc(c.name))}${td(count(c.passes), true)}${td(count(c.fails), true)}</tr>`,
            ),
          )}`
        : ''
    }${
      s.scriptErrors.length
        ? `<h3>Script errors</h3>${table(
            ['scenario', 'message', 'count'],
            s.scriptErrors.map(
              (e) =>
                `<tr>${td(esc(e.scenario))}${td(`<code>${esc(e.message)}</code>`)}${td(count(e.count), true)}</tr>`,
            ),
          )}`
        : ''
    }</section>`,
  );

  // Bottlenecks.
  const bn = rankBottlenecks(s);
  parts.push(
    `<section id="bottlenecks"><h2>Bottlenecks</h2><p>${esc(s.analysis.bottlenecks.summary)}</p>${
      bn.length
        ? table(
            ['#', 'where', 'what', 'requests affected', 'impact'],
            bn.map(
              (b, i) =>
                `<tr>${td(String(i + 1), true)}${td(`<code>${esc(b.where)}</code>`)}${td(esc(b.what))}${td(count(b.requestsAffected), true)}${td(count(Math.round(b.impact)), true)}</tr>`,
            ),
          ) + '<p class="meta">Ranked by impact = requests affected × severity.</p>'
        : ''
    }</section>`,
  );

  // Recommendations.
  const recs = recommendations(s);
  parts.push(
    `<section id="recommendations"><h2>Recommendations</h2><ol class="recs">${recs
      .map(
        (r) =>
          `<li data-kind="${r.kind}"><strong>${esc(r.title)}</strong><br>${esc(r.action)}<div class="evidence">${Object.entries(
            r.evidence,
          )
            .map(([k, v]) => `${esc(k)}: <code>${esc(v)}</code>`)
            .join(' · ')}</div></li>`,
      )
      .join('')}</ol></section>`,
  );

  // Capacity plans: one per ramping scenario, and the stress search's probes.
  const plans = [
    ...(s.capacityPlan ?? []).map((p) => ({ p, what: 'stage' as const })),
    ...(s.stress?.capacityPlan ? [{ p: s.stress.capacityPlan, what: 'probe' as const }] : []),
  ];
  for (const { p, what } of plans) {
    const [head, ...rows] = capacityCells(p, what);
    parts.push(
      `<section class="capacity-plan"><h2>Capacity plan: ${esc(p.scenario)}</h2><p>SLOs: ${esc(p.slos.join(', '))}</p>${table(
        (head ?? []).map(esc),
        rows.map((r) => `<tr>${r.map((c, i) => td(esc(c), i > 0 && i < r.length - 1)).join('')}</tr>`),
      )}<p><strong>${esc(p.detail)}</strong></p></section>`,
    );
  }

  // Knee.
  const k = s.analysis.knee;
  parts.push(
    `<section id="knee"><h2>Capacity knee</h2>${
      !k
        ? '<p>No ramping scenario: there is no knee to read (use a ramp or <code>volley stress</code>).</p>'
        : `<p>${k.detected ? tick(false) : tick(true)} ${esc(kneeLine(k))}</p>${table(
            [
              'detected',
              'signal',
              'reason',
              'at second (from 0)',
              'VUs',
              'arrivals/s',
              'req/s',
              'p99',
              'baseline p99',
              'load model',
            ],
            [
              `<tr>${td(String(k.detected))}${td(esc(kneeSignal(k) ?? '—'))}${td(esc(k.reason ?? '—'))}${td(k.atSecond === null ? '—' : atSecondText(k.atSecond), true)}${td(k.load ? String(k.load.vus) : '—', true)}${td(k.load ? k.load.iterationsPerSec.toFixed(1) : '—', true)}${td(k.throughputRps === null ? '—' : k.throughputRps.toFixed(1), true)}${td(k.p99Ms === null ? '—' : ms(k.p99Ms), true)}${td(ms(k.baselineP99Ms), true)}${td(k.loadModel)}</tr>`,
            ],
          )}`
    }</section>`,
  );

  // Phases.
  if (s.phases && s.phases.phases.length > 0) {
    const [head, ...rows] = phaseTableRows(s.phases);
    parts.push(
      `<section id="phases"><h2>Phases</h2><p>Scenario ${esc(s.phases.scenario)}; percentiles per phase are each second's weighted by its requests.</p>${table(
        head ?? [],
        rows.map((r) => `<tr>${r.map((c, i) => td(esc(c), i > 0 && i !== 2)).join('')}</tr>`),
      )}${phaseVerdictLines(s.phases)
        .map(
          (v) =>
            `<p>${v.includes('did not recover') || v.includes('growing:') ? tick(false) : tick(true)} ${esc(v)}</p>`,
        )
        .join('')}</section>`,
    );
  }

  // Stress probes.
  if (s.stress) {
    const st = s.stress;
    parts.push(
      `<section id="stress"><h2>Stress probes</h2><p>Max sustainable rate <strong>${st.maxSustainableRate ?? '—'}/s</strong>, breakdown at ${st.breakdownRate ?? '—'}/s, ceiling: ${esc(st.ceiling)}. ${esc(st.detail)}</p>${table(
        ['', 'rate', 'achieved', 'p50', 'p95', 'p99', 'errors', 'dropped', 'generator saturated', 'why'],
        st.probes.map(
          (p) =>
            `<tr>${td(tick(p.passed))}${td(`${p.rate}/s`, true)}${td(`${p.achievedRate.toFixed(1)}/s`, true)}${td(ms(p.p50), true)}${td(ms(p.p95), true)}${td(ms(p.p99), true)}${td(pct(p.errorRate), true)}${td(String(p.dropped), true)}${td(p.generatorSaturated ? 'yes' : 'no')}${td(esc(p.failures.join('; ')))}</tr>`,
        ),
      )}</section>`,
    );
  }

  // Generator health.
  const g = s.generator;
  parts.push(
    `<section id="generator"><h2>Generator health</h2><div class="card${g.saturated ? ' warn' : ''}"><p>${g.saturated ? tick(false) : tick(true)} ${g.saturated ? `Saturated in ${g.saturatedSeconds} of ${g.seconds} seconds (${esc(g.reasons.join('; '))}).` : `Kept up for all ${g.seconds} seconds.`} ${g.workers} worker thread${g.workers === 1 ? '' : 's'}, CPU avg ${g.cpuPercent.avg.toFixed(0)}% / max ${g.cpuPercent.max.toFixed(0)}% of a core, RSS max ${g.rssMB.max.toFixed(0)} MB.</p>${
      g.warnings.length ? `<ul>${g.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''
    }</div>${
      s.correctedLatency
        ? table(
            ['latency', 'p50', 'p95', 'p99', 'max'],
            [
              [`service time (${headlineValues(s).headline.duration})`, s.correctedLatency.serviceTime],
              ['corrected (iteration_latency)', s.correctedLatency.iterationLatency],
            ].map(
              ([n, l]) =>
                `<tr>${td(esc(n as string))}${td(ms((l as typeof s.correctedLatency.serviceTime).p50), true)}${td(ms((l as typeof s.correctedLatency.serviceTime).p95), true)}${td(ms((l as typeof s.correctedLatency.serviceTime).p99), true)}${td(ms((l as typeof s.correctedLatency.serviceTime).max), true)}</tr>`,
            ),
          )
        : ''
    }${s.workerErrors.length ? `<ul>${s.workerErrors.map((w) => `<li class="bad">${esc(w)}</li>`).join('')}</ul>` : ''}</section>`,
  );

  if (opts.baseline) parts.push(regressionSection(s, opts.baseline));

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${parts.join('\n')}
<footer class="meta"><p>Generated by volley. Self-contained: no script, nothing loaded from the network.</p></footer>
</main>
</body>
</html>
`;
}
