/** The end-of-test terminal summary: metrics, thresholds ✓/✗, endpoints, error classes, warnings. */
import { BUILTIN_BY_NAME } from '../metrics/definitions.js';
import { DEFAULT_DISPLAY_TREND_STATS } from '../metrics/summary-values.js';
// The protocol modules register their metrics (the trend order reads them) when the registry loads.
import '../protocols/registry.js';
import type { Summary } from '../summary/summary.js';
import { bytes, count, kneeLine, metricValue, ms, pct, table } from '../summary/format.js';
import { capacityCells } from '../summary/capacity.js';
import { phaseTableRows, phaseVerdictLines } from '../summary/phases.js';
import { summaryProtocols } from '../summary/headline.js';

/** The engine's own trends: every other registered time trend is some protocol's. */
const ENGINE_TRENDS = new Set(['iteration_latency', 'iteration_duration', 'schedule_lag', 'group_duration']);

/**
 * The metric table's first rows: the main protocol's headline duration, the corrected latency,
 * the other protocols' headline durations, then every protocol's other time trends (in the
 * order the modules declare them), then the iterations' own; the rest follows by name.
 */
function trendOrder(s: Summary): string[] {
  const heads = summaryProtocols(s).map((p) => p.metrics.duration);
  const protocolTrends = [...BUILTIN_BY_NAME.values()]
    .filter((d) => d.type === 'trend' && d.contains === 'time' && !ENGINE_TRENDS.has(d.name))
    .map((d) => d.name)
    .filter((n) => !heads.includes(n));
  return [
    ...heads.slice(0, 1),
    'iteration_latency',
    ...heads.slice(1),
    ...protocolTrends,
    'iteration_duration',
    'schedule_lag',
  ];
}

/** A unit for trends whose name says it (the resource monitor's `target_cpu_percent`, `*_mb`). */
function unitOf(name: string): string {
  const base = name.replace(/\{.*$/s, '');
  if (base.endsWith('_percent')) return '%';
  if (base.endsWith('_mb')) return ' MB';
  return '';
}

function values(
  m: Summary['metrics'][string],
  name = '',
  trendStats: readonly string[] = DEFAULT_DISPLAY_TREND_STATS,
): string {
  const v = m.values;
  if (m.type === 'trend') {
    const unit = unitOf(name);
    const f = m.contains === 'time' ? ms : (x: number): string => `${count(x)}${unit}`;
    // count is a number of samples, never a duration.
    return trendStats.map((k) => `${k}=${k === 'count' ? count(v[k] ?? 0) : f(v[k] ?? 0)}`).join(' ');
  }
  if (m.type === 'counter') {
    const f = m.contains === 'data' ? bytes : count;
    return `${f(v.count ?? 0)}  ${m.contains === 'data' ? bytes(v.rate ?? 0) : count(Math.round((v.rate ?? 0) * 10) / 10)}/s`;
  }
  if (m.type === 'rate')
    return `${pct(v.rate ?? 0)}  ${count(v.passes ?? 0)} of ${count((v.passes ?? 0) + (v.fails ?? 0))}`;
  return `${count(v.value ?? 0)}  min=${count(v.min ?? 0)} max=${count(v.max ?? 0)}`;
}

export function renderSummary(s: Summary, opts: { color: boolean }): string {
  const c = (code: string, t: string): string => (opts.color ? `\x1b[${code}m${t}\x1b[0m` : t);
  const ok = c('32', '✓');
  const bad = c('31', '✗');
  const out: string[] = [];
  out.push('');
  const head =
    s.verdict === 'passed'
      ? c('32', 'PASSED')
      : s.verdict === 'failed'
        ? c('31', 'FAILED')
        : s.verdict === 'error'
          ? c('31', 'ERROR')
          : c('33', 'ABORTED');
  out.push(`  volley summary — run ${s.runId}  ${head}  (${(s.state.testRunDurationMs / 1000).toFixed(1)}s)`);
  if (s.state.aborted) out.push(`  stopped early: ${s.state.abortDetail ?? s.state.abortReason}`);
  if (s.runErrors.length > 0) {
    out.push(c('31', `  ${bad} RUN ERROR: the run did not do what it planned; its numbers are incomplete`));
    for (const e of s.runErrors) out.push(c('31', `    ${bad} ${e}`));
  }
  const short = s.execution.filter((e) => e.planned !== null || e.interrupted > 0 || e.started > e.completed);
  if (s.runErrors.length > 0 || short.some((e) => e.interrupted > 0)) {
    for (const e of short)
      out.push(
        `    ${e.scenario}: ${e.planned === null ? '' : `${count(e.planned)} planned, `}${count(e.started)} started, ${count(e.completed)} completed, ${count(e.interrupted)} interrupted, ${count(e.dropped)} dropped`,
      );
  }
  out.push('');

  if (s.distributed) {
    const d = s.distributed;
    out.push(
      d.degraded
        ? c('33', `  Agents: ${d.agents.length}, DEGRADED — ${d.lost.length} lost`)
        : `  Agents: ${d.agents.length}, all finished`,
    );
    for (const a of d.agents) {
      const facts = ['version', 'host', 'clockOffsetMs']
        .filter((k) => a.details[k] !== undefined)
        .map(
          (k) =>
            `${k === 'clockOffsetMs' ? 'clock offset' : k} ${a.details[k]}${k === 'clockOffsetMs' ? ' ms' : ''}`,
        );
      const state =
        a.state === 'lost'
          ? `${bad} lost at second ${a.lostAtSecond} (missing from second ${a.missingFromSecond})`
          : `${ok} finished`;
      if (a.health) facts.push(`busiest thread ${Math.round(a.health.elu.max * 100)}% busy`);
      out.push(
        `    ${a.name}  segment ${a.segment} (${Math.round(a.share * 1000) / 10}%, ${a.threads} thread${a.threads === 1 ? '' : 's'})  ${count(a.requests)} requests  ${state}${facts.length ? `  ${facts.join(', ')}` : ''}`,
      );
    }
    for (const l of d.lost) out.push(c('33', `    ${l}`));
    out.push('');
  }

  if (s.correctedLatency?.differs) {
    const sv = s.correctedLatency.serviceTime;
    const it = s.correctedLatency.iterationLatency;
    out.push(c('33', "  Latency as your users waited (open loop, from each arrival's intended start):"));
    out.push(
      `    iteration_latency  p50=${ms(it.p50)} p95=${ms(it.p95)} p99=${ms(it.p99)} max=${ms(it.max)}   vs service time p50=${ms(sv.p50)} p95=${ms(sv.p95)} p99=${ms(sv.p99)}`,
    );
    const lag = s.metrics.schedule_lag?.values;
    out.push(
      `    The service time leaves out the wait for a free VU/connection (coordinated omission) and the generator's own dispatch lag${lag ? ` (schedule_lag p50=${ms(lag.med ?? 0)} p99=${ms(lag['p(99)'] ?? 0)})` : ''}.`,
    );
    out.push('');
  }

  const rows: string[][] = [['metric', 'values']];
  const names = Object.keys(s.metrics).filter((n) => !n.includes('{'));
  const order = trendOrder(s);
  const ordered = [
    ...order.filter((n) => names.includes(n)),
    ...names.filter((n) => !order.includes(n)).sort(),
  ];
  for (const n of ordered) {
    const m = s.metrics[n];
    if (!m) continue;
    if (m.type === 'trend' && (m.values.count ?? 0) === 0) continue;
    rows.push([n, values(m, n, s.config.summaryTrendStats)]);
  }
  for (const n of Object.keys(s.metrics).filter((k) => k.includes('{')))
    rows.push([n, values(s.metrics[n] as Summary['metrics'][string], n, s.config.summaryTrendStats)]);
  out.push(table(rows).replace(/^/gm, '  '));
  out.push('');

  if (s.thresholds.results.length > 0) {
    out.push('  Thresholds');
    for (const t of s.thresholds.results) {
      if (t.skipped) {
        out.push(`    - ${t.metric}: ${t.threshold}  (skipped: --no-thresholds)`);
        continue;
      }
      const actual = t.actual === null ? (t.reason ?? 'no data') : metricValue(s.metrics[t.metric], t.actual);
      out.push(
        `    ${t.ok ? ok : bad} ${t.metric}: ${t.threshold}  (actual ${actual})${t.abortOnFail ? '  [abortOnFail]' : ''}`,
      );
    }
    out.push('');
  }

  // A run that speaks more than one protocol: each protocol's headline numbers, and the endpoint
  // table says which protocol each endpoint is.
  const protocols = summaryProtocols(s);
  const several = protocols.length > 1;
  if (several) {
    const pr: string[][] = [
      ['protocol', 'reqs', 'fails', 'error rate', 'rps', 'avg', 'p50', 'p95', 'p99', 'max', 'metric'],
    ];
    for (const p of protocols) {
      const l = p.latency;
      pr.push([
        p.name,
        count(p.requests),
        count(p.failures),
        pct(p.errorRate),
        count(p.rps),
        ms(l.avg),
        ms(l.p50),
        ms(l.p95),
        ms(l.p99),
        ms(l.max),
        p.metrics.duration,
      ]);
    }
    out.push('  Protocols');
    out.push(table(pr).replace(/^/gm, '    '));
    out.push('');
  }

  if (s.endpoints.length > 0) {
    const er: string[][] = [
      [
        ...(several ? ['protocol'] : []),
        'endpoint',
        'scenario',
        'reqs',
        'fails',
        'rps',
        'avg',
        'min',
        'p50',
        'p95',
        'p99',
        'max',
      ],
    ];
    for (const e of s.endpoints.slice(0, 30)) {
      const l = e.latency;
      er.push([
        ...(several ? [e.protocol] : []),
        e.name,
        e.scenario,
        count(e.requests),
        count(e.failures),
        count(e.rps),
        ms(l.avg),
        ms(l.min),
        ms(l.p50),
        ms(l.p95),
        ms(l.p99),
        ms(l.max),
      ]);
    }
    out.push('  Endpoints');
    out.push(table(er).replace(/^/gm, '    '));
    if (s.endpoints.length > 30) out.push(`    … ${s.endpoints.length - 30} more in the JSON summary`);
    out.push('');
  }

  if (s.checks.length > 0) {
    out.push('  Checks');
    const byGroup = new Map<string, Summary['checks']>();
    for (const ch of s.checks) {
      const k = `${ch.scenario}${ch.group}`;
      byGroup.set(k, [...(byGroup.get(k) ?? []), ch]);
    }
    for (const list of byGroup.values()) {
      const first = list[0] as Summary['checks'][number];
      out.push(
        `    ${first.scenario}${first.group ? ` › ${first.group.slice(2).split('::').join(' › ')}` : ''}`,
      );
      for (const ch of list) {
        const total = ch.passes + ch.fails;
        out.push(
          `      ${ch.fails === 0 ? ok : bad} ${ch.name}  ${pct(total ? ch.passes / total : 0)}  ✓ ${count(ch.passes)} ✗ ${count(ch.fails)}`,
        );
      }
    }
    out.push('');
  }

  if (s.scriptErrors.length > 0) {
    out.push(c('31', '  Script errors (the iteration was counted in iteration_errors; the run went on)'));
    for (const e of s.scriptErrors.slice(0, 10)) {
      out.push(`    ${count(e.count)}× [${e.scenario}] ${e.message}`);
      for (const l of e.stack.split('\n').filter(Boolean).slice(0, 3)) out.push(`        ${l.trim()}`);
    }
    if (s.scriptErrors.length > 10) out.push(`    … ${s.scriptErrors.length - 10} more in the JSON summary`);
    out.push('');
  }

  const errs = Object.entries(s.errors);
  if (errs.length > 0) {
    out.push('  Errors by class');
    for (const [k, v] of errs.sort((a, b) => b[1] - a[1])) out.push(`    ${k.padEnd(10)} ${count(v)}`);
    out.push('');
  }

  for (const plan of s.capacityPlan ?? []) {
    out.push(`  Capacity plan (${plan.scenario}; SLOs: ${plan.slos.join(', ')})`);
    for (const line of table(capacityCells(plan)).split('\n')) out.push(`    ${line}`);
    out.push(c(plan.recommended === null ? '31' : '32', `    ${plan.detail}`));
    if (plan.notEvaluated.length) out.push(`    not judged per stage: ${plan.notEvaluated.join(', ')}`);
    out.push('');
  }

  const { knee, bottlenecks } = s.analysis;
  if (knee || bottlenecks.signals.length > 0) {
    out.push('  Analysis');
    if (knee) out.push(knee.detected ? c('33', `    ${kneeLine(knee)}`) : `    ${knee.detail}`);
    if (bottlenecks.signals.length > 0) out.push(`    ${bottlenecks.summary}`);
    out.push('');
  }

  if (s.phases && s.phases.phases.length > 0) {
    out.push(`  Phases (scenario ${s.phases.scenario})`);
    for (const line of table(phaseTableRows(s.phases)).split('\n')) out.push(`    ${line}`);
    for (const v of phaseVerdictLines(s.phases)) {
      const bad =
        (s.phases.recovery && !s.phases.recovery.recovered && v.startsWith('Recovery')) ||
        v.includes('growing:');
      out.push(bad ? c('33', `    ${v}`) : `    ${v}`);
    }
    out.push('');
  }

  const g = s.generator;
  const delayP99 = Math.max(0, ...g.perWorker.map((w) => w.loopDelayP99Ms.max)).toFixed(1);
  if (s.distributed)
    // The CPU and memory sampled here are the controller's; the agents' strain is their event loops.
    out.push(
      `  Controller: CPU avg ${g.cpuPercent.avg}% max ${g.cpuPercent.max}% (100% = one core), RSS max ${g.rssMB.max} MB; agents' event-loop delay p99 max ${delayP99} ms, busiest thread ${Math.round(Math.max(0, ...g.perWorker.map((w) => w.elu.max)) * 100)}% busy`,
    );
  else
    out.push(
      `  Generator: ${g.workers} worker${g.workers === 1 ? '' : 's'}, CPU avg ${g.cpuPercent.avg}% max ${g.cpuPercent.max}% (100% = one core), RSS max ${g.rssMB.max} MB, event-loop delay p99 max ${delayP99} ms`,
    );
  // Run errors are listed at the top, with the verdict.
  for (const w of g.warnings) if (!w.startsWith('run error: ')) out.push(c('33', `  ⚠ ${w}`));
  for (const e of s.workerErrors) out.push(c('31', `  ✗ ${e.split('\n')[0]}`));
  out.push('');
  return out.join('\n');
}
