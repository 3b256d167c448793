/**
 * `volley report --format junit` and `--out junit=FILE`: the run's verdict as JUnit XML, for CI
 * systems that show test results. It reads red exactly when the exit code is not 0:
 * - suite `run`: one testcase for the run itself, an `<error>` when it was aborted or did not do
 *   what it planned (verdict `aborted` / `error`, with the reason);
 * - suite `thresholds`: a testcase per threshold, a `<failure>` when it failed;
 * - suite `checks`: a testcase per check, always passed: as in k6, a check fails CI only through a
 *   threshold on it (`checks: rate>0.99`). Its pass/fail counts and ratio are in `<properties>`
 *   and `<system-out>`.
 * `time` is the run's own duration (state.testRunDurationMs), not the process's.
 */
import type { Summary } from '../summary/summary.js';
import { metricValue, pct } from '../summary/format.js';

/** Escapes text for an XML attribute or element (also drops characters XML 1.0 forbids). */
export function xmlEscape(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

const attrs = (o: Record<string, string | number>): string =>
  Object.entries(o)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

/** The check's name as CI shows it: scenario › group › sub-group › check. */
export function checkCaseName(c: Summary['checks'][number]): string {
  const groups = c.group ? c.group.replace(/^::/, '').split('::') : [];
  return [c.scenario, ...groups, c.name].filter((p) => p !== '').join(' › ');
}

interface Case {
  classname: string;
  name: string;
  /** `failure`: an assertion (threshold) failed; `error`: the run itself went wrong. */
  failure?: { kind: 'failure' | 'error'; message: string; type: string; body: string } | undefined;
  properties?: Record<string, string | number>;
  systemOut?: string;
}

function suite(name: string, cases: Case[], timeS: string, timestamp: string): string {
  const failures = cases.filter((c) => c.failure?.kind === 'failure').length;
  const errors = cases.filter((c) => c.failure?.kind === 'error').length;
  const lines = [
    `  <testsuite${attrs({ name, tests: cases.length, failures, errors, skipped: 0, time: timeS, timestamp })}>`,
  ];
  for (const c of cases) {
    const open = `    <testcase${attrs({ classname: c.classname, name: c.name, time: timeS })}`;
    if (!c.failure && !c.properties && c.systemOut === undefined) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    if (c.properties) {
      lines.push('      <properties>');
      for (const [k, v] of Object.entries(c.properties))
        lines.push(`        <property${attrs({ name: k, value: v })}/>`);
      lines.push('      </properties>');
    }
    if (c.failure)
      lines.push(
        `      <${c.failure.kind}${attrs({ message: c.failure.message, type: c.failure.type })}>${xmlEscape(c.failure.body)}</${c.failure.kind}>`,
      );
    if (c.systemOut !== undefined) lines.push(`      <system-out>${xmlEscape(c.systemOut)}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>');
  return lines.join('\n');
}

/** The run itself as a testcase: an error when it was aborted or did not do what it planned. */
function runCase(summary: Summary): Case {
  const runErrors = summary.runErrors ?? [];
  const base = { classname: 'volley.run', name: `run ${summary.runId}` };
  if (summary.verdict === 'error') {
    const why = runErrors.length > 0 ? runErrors : ['the run did not do what it planned'];
    return {
      ...base,
      failure: {
        kind: 'error',
        type: 'run-error',
        message: `run error: ${why[0] as string}${why.length > 1 ? ` (+${why.length - 1} more)` : ''}`,
        body: why.join('\n'),
      },
    };
  }
  if (summary.verdict === 'aborted') {
    const why = summary.state.abortDetail ?? summary.state.abortReason ?? 'stopped before its planned end';
    return {
      ...base,
      failure: {
        kind: 'error',
        type: 'aborted',
        message: `run aborted: ${why}`,
        body: `the run was aborted after ${(summary.state.testRunDurationMs / 1000).toFixed(1)} s: ${why}; its thresholds were not evaluated over the planned load`,
      },
    };
  }
  return { ...base, systemOut: `the run did what it planned; verdict ${summary.verdict}` };
}

export function renderJunitReport(summary: Summary): string {
  const timeS = seconds(summary.state.testRunDurationMs);
  const timestamp = summary.startedAt.replace(/\.\d+Z$/, 'Z');
  const actual = (metric: string, v: number | null): string =>
    v === null ? 'no data' : metricValue(summary.metrics[metric], v);
  const thresholds: Case[] = summary.thresholds.results.map((t) => ({
    classname: `volley.thresholds.${t.metric}`,
    name: `${t.metric}: ${t.threshold}`,
    failure: t.ok
      ? undefined
      : {
          kind: 'failure',
          type: 'threshold',
          message: `${t.metric} ${t.threshold} failed: actual ${actual(t.metric, t.actual)}`,
          body: `threshold ${t.threshold} on ${t.metric} crossed: actual ${actual(t.metric, t.actual)}${t.abortOnFail ? ' (abortOnFail)' : ''}`,
        },
  }));
  const checks: Case[] = summary.checks.map((c) => {
    const total = c.passes + c.fails;
    const failRatio = total > 0 ? c.fails / total : 0;
    return {
      classname: `volley.checks${c.scenario ? `.${c.scenario}` : ''}`,
      name: checkCaseName(c),
      properties: { passes: c.passes, fails: c.fails, failRatio },
      systemOut: `check '${c.name}': ${c.fails} of ${total} failed (${pct(failRatio)}), ${c.passes} passed. A check fails the run only through a threshold on it, e.g. checks: rate>0.99.`,
    };
  });
  const run = [runCase(summary)];
  const all = [...run, ...thresholds, ...checks];
  const failures = all.filter((c) => c.failure?.kind === 'failure').length;
  const errors = all.filter((c) => c.failure?.kind === 'error').length;
  const head = `<testsuites${attrs({ name: `volley run ${summary.runId}`, tests: all.length, failures, errors, time: timeS })}>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    head,
    suite('run', run, timeS, timestamp),
    suite('thresholds', thresholds, timeS, timestamp),
    suite('checks', checks, timeS, timestamp),
    '</testsuites>',
    '',
  ].join('\n');
}
