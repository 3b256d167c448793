/**
 * The HTML and Markdown reports rendered from real summaries: two real runs against a real target
 * (2 ms, then 150 ms per response) with an SLO that cannot hold, so the report has a failing SLO
 * row, recommendations with the numbers, and a regression against the faster baseline.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { realSummary } from '../helpers/real-summary.js';
import type { Summary } from '../../src/summary/summary.js';
import { renderHtmlReport } from '../../src/report/html-report.js';
import { renderMarkdownReport } from '../../src/report/markdown-report.js';
import { renderSummary } from '../../src/report/terminal.js';
import { downsample, niceStep, renderSvgChart } from '../../src/report/svg-chart.js';
import { rankBottlenecks, recommendations } from '../../src/report/recommendations.js';
import { stressSearch, type ProbeResult } from '../../src/analysis/stress.js';

const THRESHOLD = 'http_req_duration:p(99)<0.001';

describe('HTML and Markdown reports from real runs', () => {
  let dir: string;
  let fast: Summary;
  let slow: Summary;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'volley-report-'));
    fast = await realSummary(dir, { delayMs: 2, name: 'fast', thresholds: [THRESHOLD] });
    // 150 ms, not 30: on a loaded 2-core box the fast run's own p95/p99 reach tens of ms, and the
    // regression this file checks must not depend on the load (as in compare-cli.test.ts).
    slow = await realSummary(dir, { delayMs: 150, name: 'slow', thresholds: [THRESHOLD] });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a capacity plan is in the HTML and Markdown reports and the terminal summary', () => {
    const plan = {
      scenario: 'ramp',
      unit: 'arrivals/s' as const,
      slos: ['http_req_failed: rate<0.01'],
      notEvaluated: [],
      headroom: 0.3,
      rows: [100, 200].map((load, i) => ({
        index: i,
        fromSecond: i * 2,
        toSecond: i * 2 + 2,
        load,
        startLoad: load,
        throughputRps: load,
        p50Ms: 2,
        p95Ms: 4,
        p99Ms: 9,
        errorRate: i === 0 ? 0 : 0.2,
        targetCpuPercent: 40 + i * 40,
        targetRssMB: null,
        targetMemoryPercent: null,
        passed: i === 0,
        failures: i === 0 ? [] : ['http_req_failed: rate<0.01 (stage: 0.2)'],
      })),
      highestPassingLoad: 100,
      recommended: 70,
      detail:
        'recommended: 70/s (the highest passing stage held 100/s, the lowest failing held 200/s; 30% headroom)',
    };
    const s = { ...fast, capacityPlan: [plan] };
    const html = renderHtmlReport(s, { generatedAt: new Date('2026-01-01T00:00:00Z') });
    assert.match(html, /<section class="capacity-plan"><h2>Capacity plan: ramp<\/h2>/);
    assert.match(html, /<strong>recommended: 70\/s \(the highest passing stage held 100\/s/);
    assert.match(html, /target CPU/);
    const md = renderMarkdownReport(s).markdown;
    assert.match(md, /### Capacity plan: ramp/);
    assert.match(md, /\| stage \| arrivals\/s \| req\/s \|/);
    assert.match(md, /\*\*recommended: 70\/s/);
    const text = renderSummary(s, { color: false });
    assert.match(text, /Capacity plan \(ramp; SLOs: http_req_failed: rate<0\.01\)/);
    assert.match(text, /recommended: 70\/s/);
    assert.match(text, /80%\s+✗ http_req_failed/);
  });

  it('the HTML report has every section, the failing SLO row and a failed verdict', () => {
    assert.equal(fast.verdict, 'failed');
    const html = renderHtmlReport(fast, { generatedAt: new Date('2026-01-01T00:00:00Z') });
    assert.match(html, /^<!DOCTYPE html>/);
    assert.doesNotMatch(html, /<script/i, 'no script at all');
    assert.doesNotMatch(
      html,
      /https?:\/\/(?!127\.0\.0\.1|www\.w3\.org\/2000\/svg)/,
      'no network URL but the target and the SVG namespace',
    );
    for (const id of [
      'summary',
      'charts',
      'endpoints',
      'errors',
      'bottlenecks',
      'recommendations',
      'knee',
      'generator',
    ])
      assert.match(html, new RegExp(`<section id="${id}"`), id);
    assert.doesNotMatch(html, /id="regression"/, 'no baseline, no regression section');
    assert.match(html, /class="badge failed"/);
    const row = /<tr class="fail-row">(.*?)<\/tr>/.exec(html)?.[1] ?? '';
    assert.match(row, /✗/);
    assert.match(row, /http_req_duration/);
    assert.match(row, /p\(99\)&lt;0\.001/);
    assert.match(row, /&lt; 1µs/, 'the limit, formatted as a time');
    const charts = html.match(/<svg [^>]*role="img"/g) ?? [];
    assert.ok(charts.length >= 4, `throughput, latency, errors, VUs: ${charts.length}`);
    assert.match(html, /<title>Latency \(ms\)<\/title>/);
    assert.match(html, /2026-01-01T00:00:00\.000Z/);
  });

  it('both reports state the load applied at the top, with readable times; an errored run shows its runErrors there', () => {
    // realSummary: --rate 50 -d 3s, quick mode (constant-arrival-rate).
    const html = renderHtmlReport(fast, { generatedAt: new Date('2026-01-01T00:00:00Z') });
    const top = html.slice(html.indexOf('<section id="summary"'), html.indexOf('<p class="result">'));
    assert.match(top, /<h3>Load applied<\/h3>/);
    assert.match(
      top,
      /<code>constant-arrival-rate<\/code><\/td><td>50 arrivals\/s<\/td><td class="n">3 s<\/td>/,
    );
    assert.match(top, /<td class="n">150<\/td>/, 'planned arrivals');
    assert.match(
      top,
      /3 s planned, \d+ workers?; measured 3\.\d s; started \w{3} \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d, ended \d\d:\d\d:\d\d UTC/,
    );
    assert.match(
      html,
      /generated <time datetime="2026-01-01T00:00:00.000Z">Thu 1 Jan 2026 00:00:00 UTC<\/time>/,
    );
    assert.doesNotMatch(html, /id="run-error"/);

    const md = renderMarkdownReport(fast).markdown;
    const mdTop = md.slice(0, md.indexOf('### Charts'));
    assert.match(mdTop, /\*\*Load applied\*\*/);
    assert.match(mdTop, /\| default \| `constant-arrival-rate` \| 50 arrivals\/s \| 3 s \| \d+ \| 150 \|/);
    assert.match(mdTop, /UTC/);

    const errored = {
      ...fast,
      verdict: 'error',
      runErrors: ['worker 0 did not stop in time and was terminated'],
    } as Summary;
    const eh = renderHtmlReport(errored);
    const card = eh.indexOf('id="run-error"');
    assert.ok(
      card > 0 && card < eh.indexOf('<h3>Load applied</h3>'),
      'the run error is above the load profile',
    );
    assert.match(eh, /class="badge error"/);
    assert.match(eh, /<li>worker 0 did not stop in time and was terminated<\/li>/);
    assert.match(eh, /The run did not do what it planned/);
    const em = renderMarkdownReport(errored).markdown;
    assert.match(em, /^## volley report: 🛑 \*\*RUN ERROR\*\*/);
    assert.ok(em.indexOf('> - worker 0 did not stop in time') < em.indexOf('**Load applied**'));
    // Older summaries have neither runErrors nor execution.
    const { runErrors: _r, execution: _e, ...old } = errored;
    assert.match(renderHtmlReport(old as Summary), /the run did not do what it planned<\/li>/);
    assert.match(renderMarkdownReport(old as Summary).markdown, /\| 150 \| — \| — \| — \|/);
  });

  it('recommendations name the failed threshold with its numbers, ranked first', () => {
    const recs = recommendations(fast);
    const first = recs[0];
    assert.ok(first, 'at least one recommendation');
    assert.equal(first.kind, 'threshold');
    const p99 = fast.metrics.http_req_duration?.values['p(99)'] as number;
    assert.match(first.title, /http_req_duration p\(99\)<0\.001/);
    assert.match(first.title, /above the limit 1µs/);
    assert.ok(first.evidence.actual && first.evidence.actual !== '—', 'actual value in the evidence');
    assert.ok(p99 > 0.001);
    for (let i = 1; i < recs.length; i++)
      assert.ok((recs[i - 1]?.impact ?? 0) >= (recs[i]?.impact ?? 0), 'ranked by impact');
    assert.ok(Array.isArray(rankBottlenecks(fast)));
  });

  it('escapes user strings: <script> in an endpoint name stays text in both formats', () => {
    const evil = structuredClone(fast);
    const ep = evil.endpoints[0];
    assert.ok(ep);
    ep.name = '<script>alert("x")</script>|`*';
    const html = renderHtmlReport(evil, { title: '<img src=x onerror=alert(1)>' });
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
    const { markdown } = renderMarkdownReport(evil);
    assert.doesNotMatch(markdown, /<script/i);
    assert.match(markdown, /&lt;script&gt;/);
    assert.match(markdown, /\\\|\\`\\\*/, 'pipes, backticks and stars escaped in the table cell');
  });

  it('a baseline that was faster shows as a regression in both formats', () => {
    const html = renderHtmlReport(slow, { baseline: fast });
    assert.match(html, /<section id="regression"/);
    assert.match(html, /class="badge regressed"/);
    assert.match(html, /<tr class="regressed">.*?http_req_duration/);
    assert.match(html, /stroke-dasharray="5 4"/, 'baseline overlay drawn dashed');
    const { markdown, charts } = renderMarkdownReport(slow, { baseline: fast, chartsDir: 'report-charts' });
    assert.match(markdown, /### Regression against the baseline: ❌ regressed/);
    assert.match(markdown, /\| ✗ \*\*regressed\*\* \| `http_req_duration` \|/);
    assert.match(markdown, /!\[Latency\]\(report-charts\/latency\.svg\)/);
    assert.ok(charts.some((c) => c.file === 'report-charts/latency.svg' && c.svg.startsWith('<svg')));
    assert.match(markdown, /✗ \| `http_req_duration` \| `p\(99\)<0\.001`/, 'failing SLO row');
  });

  it('Markdown for a long run stays under 60 KB, charts downsampled to ≤ 600 points', () => {
    const long = structuredClone(fast);
    const p = long.series[0];
    assert.ok(p);
    long.series = Array.from({ length: 4 * 3600 }, (_, i) => ({ ...p, second: i, requests: 50 + (i % 7) }));
    long.endpoints = Array.from({ length: 500 }, (_, i) => ({
      ...(fast.endpoints[0] as Summary['endpoints'][number]),
      name: `/e/${i}`,
    }));
    const { markdown, charts } = renderMarkdownReport(long);
    assert.ok(Buffer.byteLength(markdown) < 60_000, `${Buffer.byteLength(markdown)} bytes`);
    const tp = charts.find((c) => c.file.endsWith('throughput.svg'))?.svg ?? '';
    const pts = (/<polyline points="([^"]*)"/.exec(tp)?.[1] ?? '').split(' ').length;
    assert.ok(pts <= 600 && pts >= 300, `${pts} points`);
  });

  it('svg chart: nice ticks, downsampling rules, escaped title', () => {
    assert.equal(niceStep(97, 5), 20);
    assert.equal(niceStep(1, 5), 0.2);
    const d = downsample([1, 2, 3, 4, 5, 6], 'max', 3);
    assert.deepEqual(d, { step: 2, values: [2, 4, 6] });
    assert.deepEqual(downsample([1, 3, 5, 7], 'sum', 2).values, [2, 6], 'per-second counts stay per second');
    const svg = renderSvgChart({ title: 'a<b', unit: 'ms', series: [{ name: '"x"', values: [1, null, 3] }] });
    assert.match(svg, /role="img"/);
    assert.match(svg, /<title>a&lt;b \(ms\)<\/title>/);
    assert.match(svg, /&quot;x&quot;/);
  });

  it('a summary carrying a stress result gets the stress probes table', async () => {
    // The search is real; its probe is a model target that absorbs up to 120 arrivals/s.
    const probe = async (rate: number): Promise<ProbeResult> => {
      const passed = rate <= 120;
      return {
        rate,
        achievedRate: passed ? rate : 120,
        p50: 2,
        p95: passed ? 4 : 80,
        p99: passed ? 6 : 200,
        errorRate: 0,
        dropped: passed ? 0 : rate - 120,
        passed,
        failures: passed ? [] : [`<b>rate</b> not absorbed: ${120}/s of ${rate}/s`],
        failureKinds: passed ? [] : ['rate'],
        generatorSaturated: false,
        durationMs: 1000,
      };
    };
    const stress = await stressSearch(
      {
        startRate: 20,
        maxRate: 1000,
        probeDurationMs: 1000,
        cooldownMs: 0,
        errorThreshold: 0.01,
        resolution: 0.1,
        maxProbes: 20,
      },
      probe,
      async () => {},
    );
    const html = renderHtmlReport({ ...fast, stress } as Summary);
    assert.match(html, /<section id="stress"/);
    assert.match(html, new RegExp(`Max sustainable rate <strong>${stress.maxSustainableRate}/s</strong>`));
    assert.equal(
      (html.match(/<tr><td><span class="(ok|bad)">[✓✗]<\/span><\/td><td class="n">\d+\/s/g) ?? []).length,
      stress.probes.length,
    );
    assert.match(html, /&lt;b&gt;rate&lt;\/b&gt; not absorbed/);
    const { markdown } = renderMarkdownReport({ ...fast, stress } as Summary);
    assert.match(markdown, /### Stress probes/);
    assert.doesNotMatch(renderHtmlReport(fast), /id="stress"/);
  });
});
