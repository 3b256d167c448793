/**
 * The Markdown performance report, for a pull-request comment: GitHub-flavoured tables, ✓/✗, and
 * the charts as SVG files the caller writes beside the .md: each `file` is the path relative to the
 * .md (`chartsDir/<id>.svg`, default chartsDir `charts`), the same path the Markdown links. Same
 * content as the HTML report; long tables are capped so a long run stays well under 60 KB.
 */
import { summaryProtocols } from '../summary/headline.js';
import type { Summary } from '../summary/summary.js';
import { formatDelta, formatDeltaPct, formatValue } from '../analysis/compare.js';
import { baselineComparison, plainResult, reportCharts, type ReportSummary } from './html-report.js';
import {
  endpointName,
  formatMetricValue,
  parseThresholdExpr,
  rankBottlenecks,
  recommendations,
} from './recommendations.js';
import { count, kneeLine, ms, pct } from '../summary/format.js';
import { capacityCells } from '../summary/capacity.js';
import { phaseTableRows, phaseVerdictLines } from '../summary/phases.js';
import { loadProfile, runWindow } from './load-profile.js';

/** Rows kept per table; the rest are counted in a note. */
const MAX_ROWS = 50;

/** Escapes text for a table cell or inline Markdown: no HTML, no pipes, no line breaks. */
export function mdEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

const code = (s: string): string =>
  `\`${s.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``;
const tick = (ok: boolean): string => (ok ? '✓' : '✗');

function table(head: string[], rows: string[][], rightFrom = 1): string {
  const kept = rows.slice(0, MAX_ROWS);
  const lines = [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i >= rightFrom ? '---:' : '---')).join(' | ')} |`,
    ...kept.map((r) => `| ${r.join(' | ')} |`),
  ];
  if (rows.length > kept.length) lines.push('', `_${rows.length - kept.length} more rows not shown._`);
  return lines.join('\n');
}

export function renderMarkdownReport(
  summary: Summary,
  opts: { baseline?: Summary; chartsDir?: string } = {},
): { markdown: string; charts: { file: string; svg: string }[] } {
  const s = summary as ReportSummary;
  const dir = (opts.chartsDir ?? 'charts').replace(/\/+$/, '');
  const md: string[] = [];
  const badge =
    s.verdict === 'passed'
      ? '✅ **PASSED**'
      : s.verdict === 'failed'
        ? '❌ **FAILED**'
        : s.verdict === 'error'
          ? '🛑 **RUN ERROR**'
          : '⚠️ **ABORTED**';
  const target = s.config.request
    ? `${s.config.request.method} ${s.config.request.url}`
    : (s.config.script ?? '');

  md.push(`## volley report: ${badge}`, '');
  md.push(`Run ${code(s.runId)}${target ? ` against ${code(target)}` : ''}: ${mdEscape(runWindow(s))}.`, '');
  if (s.verdict === 'error') {
    const why = (s.runErrors ?? []).length > 0 ? (s.runErrors ?? []) : ['the run did not do what it planned'];
    md.push('> [!CAUTION]', '> **Run error: this run did not do what it planned, and cannot pass.**');
    for (const w of why) md.push(`> - ${mdEscape(w)}`);
    md.push('');
  }
  md.push(
    '**Load applied**',
    '',
    table(
      ['scenario', 'executor', 'load', 'duration', 'max VUs', 'planned', 'started', 'completed', 'dropped'],
      loadProfile(s).map((r) => [
        mdEscape(r.scenario),
        code(r.executor),
        mdEscape(r.load),
        r.duration,
        r.vus,
        r.planned,
        r.started,
        r.completed,
        r.dropped,
      ]),
      3,
    ),
    '',
  );
  md.push(mdEscape(plainResult(s)), '');
  if (s.thresholds.results.length) {
    md.push(
      table(
        ['', 'metric', 'SLO', 'actual', 'limit'],
        s.thresholds.results.map((t) => {
          const p = parseThresholdExpr(t.threshold);
          return [
            tick(t.ok),
            code(t.metric),
            code(t.threshold),
            formatMetricValue(s, t.metric, t.actual),
            p ? mdEscape(`${p.op} ${formatMetricValue(s, t.metric, p.limit)}`) : '—',
          ];
        }),
        3,
      ),
      '',
    );
  }

  // Regression first when there is a baseline: it is what a PR reviewer looks for.
  if (opts.baseline) {
    const c = baselineComparison(s, opts.baseline);
    md.push(
      `### Regression against the baseline: ${c.verdict === 'regressed' ? '❌ regressed' : '✅ no regression'}`,
      '',
    );
    md.push(
      `Baseline ${code(c.base.id)} → this run ${code(c.new.id)}, tolerance ${(c.tolerance * 100).toFixed(0)}%.`,
      '',
    );
    for (const r of c.regressions) md.push(`- ✗ ${mdEscape(r.message)}`);
    for (const w of c.warnings) md.push(`- ⚠️ ${mdEscape(w)}`);
    if (c.regressions.length || c.warnings.length) md.push('');
    md.push(
      table(
        ['', 'metric', 'stat', 'baseline', 'this run', 'Δ', 'Δ%'],
        c.metrics.map((r) => [
          r.status === 'regressed' ? '✗ **regressed**' : r.status === 'improved' ? '✓ improved' : r.status,
          code(r.metric),
          mdEscape(r.stat),
          r.base === null ? '—' : formatValue(r.base, r.unit),
          r.new === null ? '—' : formatValue(r.new, r.unit),
          formatDelta(r),
          formatDeltaPct(r.deltaRatio, r.delta),
        ]),
        3,
      ),
      '',
    );
  }

  // Charts.
  const charts = reportCharts(s, opts.baseline).map((c) => ({
    file: `${dir}/${c.id}.svg`,
    title: c.title,
    svg: c.svg,
  }));
  md.push('### Charts', '');
  md.push(charts.map((c) => `![${mdEscape(c.title)}](${encodeURI(c.file)})`).join('\n'), '');

  // Protocols, when the run spoke more than one; then the endpoints (with their protocol then).
  const protocols = summaryProtocols(s);
  const several = protocols.length > 1;
  if (several) {
    md.push('### Protocols', '');
    md.push(
      table(
        ['protocol', 'requests', 'req/s', 'failed', 'p50', 'p95', 'p99', 'duration metric'],
        protocols.map((p) => [
          mdEscape(p.name),
          count(p.requests),
          p.rps.toFixed(1),
          `${p.failures} (${pct(p.errorRate)})`,
          ms(p.latency.p50),
          ms(p.latency.p95),
          ms(p.latency.p99),
          `\`${p.metrics.duration}\``,
        ]),
        1,
      ),
      '',
    );
  }
  md.push('### Endpoints', '');
  md.push(
    table(
      [
        ...(several ? ['protocol'] : []),
        'endpoint',
        'requests',
        'req/s',
        'failed',
        'p50',
        'p95',
        'p99',
        'statuses',
      ],
      s.endpoints.map((e) => [
        ...(several ? [mdEscape(e.protocol)] : []),
        mdEscape(endpointName(e)) + (e.scenario !== 'default' ? ` (${mdEscape(e.scenario)})` : ''),
        count(e.requests),
        e.rps.toFixed(1),
        `${e.failures} (${pct(e.failures / Math.max(1, e.requests))})`,
        ms(e.latency.p50),
        ms(e.latency.p95),
        ms(e.latency.p99),
        mdEscape(
          Object.entries(e.statuses)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', '),
        ),
      ]),
      several ? 2 : 1,
    ),
    '',
  );

  const errs = Object.entries(s.errors).sort((a, b) => b[1] - a[1]);
  if (errs.length) {
    md.push(
      '### Error classes',
      '',
      table(
        ['class', 'requests'],
        errs.map(([k, v]) => [code(k), count(v)]),
      ),
      '',
    );
  }
  if (s.checks.length) {
    md.push(
      '### Checks',
      '',
      table(
        ['', 'check', 'passes', 'fails'],
        s.checks.map((c) => [
          tick(c.fails === 0),
          mdEscape([c.group, c.name].filter(Boolean).join(' › ')),
          count(c.passes),
          count(c.fails),
        ]),
        2,
      ),
      '',
    );
  }

  const bn = rankBottlenecks(s);
  md.push('### Bottlenecks', '', mdEscape(s.analysis.bottlenecks.summary), '');
  if (bn.length)
    md.push(
      table(
        ['#', 'where', 'what', 'requests affected', 'impact'],
        bn.map((b, i) => [
          String(i + 1),
          code(b.where),
          mdEscape(b.what),
          count(b.requestsAffected),
          count(Math.round(b.impact)),
        ]),
        3,
      ),
      '',
      '_Ranked by impact = requests affected × severity._',
      '',
    );

  md.push('### Recommendations', '');
  recommendations(s).forEach((r, i) => {
    md.push(
      `${i + 1}. **${mdEscape(r.title)}**  `,
      `   ${mdEscape(r.action)}  `,
      `   ${Object.entries(r.evidence)
        .map(([k, v]) => `${mdEscape(k)}: ${code(v)}`)
        .join(' · ')}`,
    );
  });
  md.push('');

  const mdTable = (cells: string[][]): string[] => {
    const [head, ...rows] = cells;
    if (!head) return [];
    return [
      `| ${head.map(mdEscape).join(' | ')} |`,
      `| ${head.map(() => '---').join(' | ')} |`,
      ...rows.map((r) => `| ${r.map(mdEscape).join(' | ')} |`),
    ];
  };
  const plans = [
    ...(s.capacityPlan ?? []).map((p) => ({ p, what: 'stage' as const })),
    ...(s.stress?.capacityPlan ? [{ p: s.stress.capacityPlan, what: 'probe' as const }] : []),
  ];
  for (const { p, what } of plans) {
    md.push(
      `### Capacity plan: ${mdEscape(p.scenario)}`,
      '',
      `SLOs: ${mdEscape(p.slos.join(', '))}`,
      '',
      ...mdTable(capacityCells(p, what)),
      '',
      `**${mdEscape(p.detail)}**`,
      '',
    );
  }

  const k = s.analysis.knee;
  md.push('### Capacity knee', '');
  md.push(
    k ? `${k.detected ? '✗' : '✓'} ${mdEscape(kneeLine(k))}` : 'No ramping scenario: no knee to read.',
    '',
  );

  if (s.phases && s.phases.phases.length > 0) {
    const [head, ...rows] = phaseTableRows(s.phases);
    md.push(
      '### Phases',
      '',
      `Scenario ${mdEscape(s.phases.scenario)}; the charts mark where each phase begins.`,
      '',
    );
    md.push(
      table(
        head ?? [],
        rows.map((r) => r.map(mdEscape)),
      ),
      '',
    );
    for (const v of phaseVerdictLines(s.phases))
      md.push(`${v.includes('did not recover') || v.includes('growing:') ? '✗' : '✓'} ${mdEscape(v)}`, '');
  }

  if (s.stress) {
    const st = s.stress;
    md.push(
      '### Stress probes',
      '',
      `Max sustainable rate **${st.maxSustainableRate ?? '—'}/s**, breakdown at ${st.breakdownRate ?? '—'}/s, ceiling: ${mdEscape(st.ceiling)}. ${mdEscape(st.detail)}`,
      '',
      table(
        ['', 'rate', 'achieved', 'p95', 'p99', 'errors', 'why'],
        st.probes.map((p) => [
          tick(p.passed),
          `${p.rate}/s`,
          `${p.achievedRate.toFixed(1)}/s`,
          ms(p.p95),
          ms(p.p99),
          pct(p.errorRate),
          mdEscape(p.failures.join('; ')),
        ]),
      ),
      '',
    );
  }

  const g = s.generator;
  md.push('### Generator health', '');
  md.push(
    `${tick(!g.saturated)} ${g.saturated ? `Saturated in ${g.saturatedSeconds} of ${g.seconds} s (${mdEscape(g.reasons.join('; '))})` : `Kept up for all ${g.seconds} s`}; ${g.workers} worker thread${g.workers === 1 ? '' : 's'}, CPU avg ${g.cpuPercent.avg.toFixed(0)}% / max ${g.cpuPercent.max.toFixed(0)}% of a core.`,
  );
  for (const w of g.warnings) md.push(`- ⚠️ ${mdEscape(w)}`);
  if (s.correctedLatency) {
    const c = s.correctedLatency;
    md.push(
      '',
      `Service p99 ${ms(c.serviceTime.p99)}, corrected (what users wait, queueing included) p99 ${ms(c.iterationLatency.p99)}${c.differs ? ' — **they differ**: requests queued before being sent' : ''}.`,
    );
  }
  md.push('');
  return { markdown: md.join('\n'), charts: charts.map((c) => ({ file: c.file, svg: c.svg })) };
}
