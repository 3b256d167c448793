/**
 * `volley report` and the `--out` kinds end to end: real runs against real servers, then every
 * format read back (JUnit through a real XML parser, CSV against what the server counted).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { parseOutSpec } from '../../src/outputs/registry.js';
import { renderJunitReport } from '../../src/report/junit-report.js';
import { csvField } from '../../src/report/csv-report.js';
import type { Summary } from '../../src/summary/summary.js';
import { runCli } from '../helpers/cli.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-report-'));
const db = join(dir, 'runs.db');
const f = (name: string): string => join(dir, name);

const FAILING = 'p(99)<1';
const PASSING = 'rate<0.5';

interface JunitCase {
  '@_name': string;
  '@_classname': string;
  '@_time': string;
  failure?: { '@_message': string };
  error?: { '@_message': string; '#text'?: string };
  properties?: { property: { '@_name': string; '@_value': string }[] };
  'system-out'?: string;
}
interface JunitSuite {
  '@_name': string;
  '@_tests': string;
  '@_failures': string;
  '@_errors': string;
  testcase?: JunitCase[];
}
interface JunitDoc {
  '@_tests': string;
  '@_failures': string;
  '@_errors': string;
  '@_time': string;
  testsuite: JunitSuite[];
}

function parseJunitDoc(xml: string): JunitDoc {
  const doc = new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => name === 'testsuite' || name === 'testcase' || name === 'property',
  }).parse(xml) as { testsuites: JunitDoc };
  return doc.testsuites;
}

const parseJunit = (xml: string): JunitSuite[] => parseJunitDoc(xml).testsuite;

/** RFC 4180 with no quoted fields in these rows (numbers, ISO times, booleans). */
function csvRows(text: string): Record<string, string>[] {
  const lines = text.split('\r\n').filter((l) => l !== '');
  const header = (lines[0] ?? '').split(',');
  return lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])));
}

describe('volley report and --out kinds', () => {
  let slow: CountingServer;
  let fast: CountingServer;
  let slowSummary: Summary;

  before(async () => {
    slow = await startCountingServer({ delayMs: 30 });
    fast = await startCountingServer({ delayMs: 2 });
    const run = (url: string, extra: string[]) =>
      runCli(['run', '--url', `${url}/api/items`, '--rate', '50', '-d', '2s', '-q', '--db', db, ...extra]);
    // One after the other: two runs at once would share the cores.
    const s = await run(slow.url, [
      '--threshold',
      `http_req_duration:${FAILING}`,
      '--threshold',
      `http_req_failed:${PASSING}`,
      '--out',
      `json=${f('slow.json')}`,
      '--out',
      `ndjson=${f('slow.ndjson')}`,
      '--out',
      `csv=${f('live.csv')}`,
      '--out',
      `html=${f('live.html')}`,
      '--out',
      `junit=${f('live.xml')}`,
    ]);
    assert.equal(s.code, 99, s.stderr);
    const b = await run(fast.url, ['--out', `json=${f('fast.json')}`]);
    assert.equal(b.code, 0, b.stderr);
    slowSummary = JSON.parse(readFileSync(f('slow.json'), 'utf8')) as Summary;
  });
  after(async () => {
    await slow.close();
    await fast.close();
  });

  it('--format junit: one testcase per threshold, a failure for the failing one', async () => {
    const r = await runCli(['report', f('slow.json'), '--format', 'junit']);
    assert.equal(r.code, 0, r.stderr);
    const suites = parseJunit(r.stdout);
    const th = suites.find((x) => x['@_name'] === 'thresholds');
    assert.ok(th);
    const cases = th.testcase ?? [];
    assert.equal(cases.length, 2);
    assert.equal(th['@_tests'], '2');
    assert.equal(th['@_failures'], '1');
    const failing = cases.find((c) => c['@_name'] === `http_req_duration: ${FAILING}`);
    const passing = cases.find((c) => c['@_name'] === `http_req_failed: ${PASSING}`);
    assert.ok(failing?.failure, JSON.stringify(cases));
    assert.match(failing.failure['@_message'], /^http_req_duration p\(99\)<1 failed: actual \d/);
    assert.equal(passing?.failure, undefined);
    assert.ok(Number(failing['@_time']) >= 1.9);
    // The same document was written live by --out junit=FILE.
    assert.equal(readFileSync(f('live.xml'), 'utf8'), r.stdout);
  });

  it('junit: checks get group-qualified cases, pass (a check fails CI only through a threshold) with N of M failed in their output, text XML-escaped', () => {
    const s: Summary = {
      ...slowSummary,
      checks: [
        {
          scenario: 'default',
          group: '::login::<form>',
          name: 'status is "200" & fast',
          passes: 7,
          fails: 3,
        },
        { scenario: 'default', group: '', name: 'body ok', passes: 10, fails: 0 },
      ],
    };
    const suites = parseJunit(renderJunitReport(s));
    const checks = suites.find((x) => x['@_name'] === 'checks')?.testcase ?? [];
    assert.equal(checks.length, 2);
    assert.equal(checks[0]?.['@_name'], 'default › login › <form> › status is "200" & fast');
    // The run passed (exit 0): JUnit must not read red for a check nobody set a threshold on.
    assert.equal(checks[0]?.failure, undefined);
    assert.match(checks[0]?.['system-out'] ?? '', /3 of 10 failed \(30\.00%\), 7 passed/);
    const props = Object.fromEntries(
      (checks[0]?.properties?.property ?? []).map((p) => [p['@_name'], p['@_value']]),
    );
    assert.deepEqual(props, { passes: '7', fails: '3', failRatio: '0.3' });
    assert.equal(checks[1]?.failure, undefined);
  });

  it('junit: an aborted run and an errored run read red (an error case naming why); time is the run duration', () => {
    const passedRun: Summary = { ...slowSummary, verdict: 'passed', thresholds: { ok: true, results: [] } };
    const ok = parseJunitDoc(renderJunitReport(passedRun));
    assert.equal(ok['@_failures'], '0');
    assert.equal(ok['@_errors'], '0');
    assert.equal(
      ok['@_tests'],
      '1',
      'the run itself is a test case, so a run with no thresholds is not empty',
    );

    const aborted: Summary = {
      ...passedRun,
      verdict: 'aborted',
      state: {
        testRunDurationMs: 8123,
        aborted: true,
        abortReason: 'signal',
        abortDetail: 'stopped by SIGINT',
      },
    };
    const a = parseJunitDoc(renderJunitReport(aborted));
    assert.equal(a['@_errors'], '1');
    assert.equal(a['@_time'], '8.123');
    const runCase = a.testsuite.find((x) => x['@_name'] === 'run')?.testcase?.[0];
    assert.match(runCase?.error?.['@_message'] ?? '', /^run aborted: stopped by SIGINT/);

    const errored = {
      ...passedRun,
      verdict: 'error',
      runErrors: ['worker 0 exited with code 1', 'planned 2650 arrivals, started 1919'],
    } as Summary;
    const e = parseJunitDoc(renderJunitReport(errored));
    assert.equal(e['@_errors'], '1');
    const errCase = e.testsuite.find((x) => x['@_name'] === 'run')?.testcase?.[0];
    assert.match(errCase?.error?.['@_message'] ?? '', /^run error: worker 0 exited with code 1 \(\+1 more\)/);
    assert.match(errCase?.error?.['#text'] ?? '', /planned 2650 arrivals, started 1919/);

    // A summary written before runErrors existed still renders.
    const { runErrors: _drop, ...old } = errored;
    assert.match(renderJunitReport(old as Summary), /the run did not do what it planned/);
  });

  it('--format csv: one row per second, requests sum to what the server counted; --out csv=FILE has the same rows', async () => {
    const r = await runCli(['report', f('slow.json'), '--format', 'csv']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      r.stdout.startsWith(
        'second,time,requests,failures,error_rate,iterations,dropped,vus,p50_ms,p90_ms,p95_ms,p99_ms,max_ms,avg_ms,generator_cpu_percent,generator_saturated',
      ),
    );
    const rows = csvRows(r.stdout);
    assert.equal(rows.length, slowSummary.series.length);
    assert.ok(rows.length >= 2);
    assert.deepEqual(
      rows.map((x) => Number(x.second)),
      rows.map((_, i) => i),
    );
    const sum = rows.reduce((a, x) => a + Number(x.requests), 0);
    assert.equal(sum, slow.count());
    assert.equal(readFileSync(f('live.csv'), 'utf8'), r.stdout);
  });

  it('csv fields are RFC 4180 quoted', () => {
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('x\ny'), '"x\ny"');
    assert.equal(csvField(1.23456), '1.235');
    assert.equal(csvField(null), '');
  });

  it('--out ndjson: one line per snapshot plus the summary line', () => {
    const lines = readFileSync(f('slow.ndjson'), 'utf8').trim().split('\n');
    const docs = lines.map((l) => JSON.parse(l) as { schema: string });
    assert.equal(docs.length, slowSummary.series.length + 1);
    assert.ok(docs.slice(0, -1).every((d) => d.schema === 'volley.snapshot/1'));
    assert.equal(docs.at(-1)?.schema, 'volley.summary-line/1');
  });

  it('--out html=FILE writes the report with the verdict', () => {
    const html = readFileSync(f('live.html'), 'utf8');
    assert.match(html, /data-verdict="failed"/);
    assert.match(html, /The run failed/);
  });

  it('a stored run id renders to --output; --baseline shows the regression', async () => {
    const out = f('from-store.html');
    const r = await runCli([
      'report',
      slowSummary.runId.slice(0, 8),
      '--format',
      'html',
      '--output',
      out,
      '--baseline',
      f('fast.json'),
      '--db',
      db,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const html = readFileSync(out, 'utf8');
    assert.match(html, /data-verdict="failed"/);
    assert.match(html, /Regression against the baseline/);
    assert.match(html, /class="badge regressed"/);
  });

  it('--format md --output writes the Markdown and its charts beside it', async () => {
    const out = f('report.md');
    const r = await runCli(['report', f('slow.ndjson'), '--format', 'md', '--output', out]);
    assert.equal(r.code, 0, r.stderr);
    const md = readFileSync(out, 'utf8');
    assert.ok(md.length > 0);
    const charts = existsSync(f('report-charts')) ? readdirSync(f('report-charts')) : [];
    assert.ok(charts.length > 0, 'charts written beside the report');
    for (const c of charts) assert.match(md, new RegExp(c.replace(/\./g, '\\.')));
  });

  it('bad input exits 2 with a specific message', async () => {
    const [missing, format, baseline, outKind, twoStdout, badOtlp] = await Promise.all([
      runCli(['report', f('nope.json'), '--format', 'html']),
      runCli(['report', f('slow.json'), '--format', 'pdf']),
      runCli(['report', f('slow.json'), '--format', 'csv', '--baseline', f('fast.json')]),
      runCli(['run', '--url', `${fast.url}/`, '-d', '1s', '--out', 'xml=a.xml', '--no-store']),
      runCli(['run', '--url', `${fast.url}/`, '-d', '1s', '--out', 'json=-', '--out', 'csv=-', '--no-store']),
      runCli(['run', '--url', `${fast.url}/`, '-d', '1s', '--out', 'otlp=ftp://x', '--no-store']),
    ]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /RUN '.*nope\.json': no such file/);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--format 'pdf': must be one of html, md, junit, csv/);
    assert.equal(baseline.code, 2);
    assert.match(baseline.stderr, /--baseline applies to --format html and md, not csv/);
    assert.equal(outKind.code, 2);
    assert.match(outKind.stderr, /--out 'xml=a\.xml': unknown kind 'xml'/);
    assert.equal(twoStdout.code, 2);
    assert.match(twoStdout.stderr, /only one --out may write to stdout \(-\): got json=-, csv=-/);
    assert.equal(badOtlp.code, 2);
    assert.match(badOtlp.stderr, /--out otlp='ftp:\/\/x' must be an http\(s\) URL/);
    assert.throws(() => parseOutSpec('html=-'), /write html to a file/);
    // None of them sent anything.
    assert.equal(fast.count(), 100);
  });
});
