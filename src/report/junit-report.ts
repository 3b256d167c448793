/**
 * `volley report --format junit` and `--out junit=FILE`: the run's verdict as JUnit XML, for CI
 * systems that show test results. One suite for thresholds (a testcase per threshold), one for
 * checks (a testcase per check, named with its scenario and group).
 */
import type { Summary } from './summary.js';

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

function fmtActual(v: number | null): string {
  if (v === null) return 'no data';
  return Number.isInteger(v) ? String(v) : String(+v.toFixed(4));
}

/** The check's name as CI shows it: scenario › group › sub-group › check. */
export function checkCaseName(c: Summary['checks'][number]): string {
  const groups = c.group ? c.group.replace(/^::/, '').split('::') : [];
  return [c.scenario, ...groups, c.name].filter((p) => p !== '').join(' › ');
}

interface Case {
  classname: string;
  name: string;
  failure?: { message: string; type: string; body: string } | undefined;
}

function suite(name: string, cases: Case[], timeS: string, timestamp: string): string {
  const failures = cases.filter((c) => c.failure).length;
  const lines = [
    `  <testsuite${attrs({ name, tests: cases.length, failures, errors: 0, skipped: 0, time: timeS, timestamp })}>`,
  ];
  for (const c of cases) {
    const open = `    <testcase${attrs({ classname: c.classname, name: c.name, time: timeS })}`;
    if (!c.failure) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    lines.push(
      `      <failure${attrs({ message: c.failure.message, type: c.failure.type })}>${xmlEscape(c.failure.body)}</failure>`,
    );
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>');
  return lines.join('\n');
}

export function renderJunitReport(summary: Summary): string {
  const timeS = seconds(summary.state.testRunDurationMs);
  const timestamp = summary.startedAt.replace(/\.\d+Z$/, 'Z');
  const thresholds: Case[] = summary.thresholds.results.map((t) => ({
    classname: `volley.thresholds.${t.metric}`,
    name: `${t.metric}: ${t.threshold}`,
    failure: t.ok
      ? undefined
      : {
          type: 'threshold',
          message: `${t.metric} ${t.threshold} failed: actual ${fmtActual(t.actual)}`,
          body: `threshold ${t.threshold} on ${t.metric} crossed: actual ${fmtActual(t.actual)}${t.abortOnFail ? ' (abortOnFail)' : ''}`,
        },
  }));
  const checks: Case[] = summary.checks.map((c) => {
    const total = c.passes + c.fails;
    return {
      classname: `volley.checks${c.scenario ? `.${c.scenario}` : ''}`,
      name: checkCaseName(c),
      failure:
        c.fails > 0
          ? {
              type: 'check',
              message: `${c.fails} of ${total} failed`,
              body: `check '${c.name}': ${c.fails} of ${total} failed (${c.passes} passed)`,
            }
          : undefined,
    };
  });
  const all = [...thresholds, ...checks];
  const failures = all.filter((c) => c.failure).length;
  const head = `<testsuites${attrs({ name: `volley run ${summary.runId}`, tests: all.length, failures, errors: 0, time: timeS })}>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    head,
    suite('thresholds', thresholds, timeS, timestamp),
    suite('checks', checks, timeS, timestamp),
    '</testsuites>',
    '',
  ].join('\n');
}
