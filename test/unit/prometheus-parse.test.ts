/** The Prometheus text format 0.0.4 parser, series selectors and the names recorded for them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCumulative, parsePrometheusText, parsePromFloat } from '../../src/monitor/prometheus-parse.js';
import { parseSeriesSelectors, recordedName } from '../../src/monitor/prometheus-monitor.js';
import { monitorMetric, parseThresholds } from '../../src/thresholds/parse.js';

describe('Prometheus text parser', () => {
  it('reads comments, TYPE lines, labels, values and timestamps', () => {
    const text = [
      '# HELP http_requests_total The total number of HTTP requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total{method="post",code="400"}    3 1395066363000',
      '',
      '# A normal comment.',
      'metric_without_timestamp_and_labels 12.47',
      '# TYPE queue_depth gauge',
      'queue_depth{queue="a b",} 750',
      'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
      'something_weird{problem="division by zero"} +Inf -3982045',
      'not_a_number NaN',
      'negative_inf -Inf',
      '\tspaced_out\t{ a = "1" , b="2" }\t 5 ',
      'windows_line 7\r',
    ].join('\n');
    const exp = parsePrometheusText(text);
    assert.deepEqual(exp.errors, []);
    assert.equal(exp.types.get('http_requests_total'), 'counter');
    assert.equal(exp.types.get('queue_depth'), 'gauge');
    assert.equal(exp.samples.length, 10);
    assert.deepEqual(exp.samples[0], {
      name: 'http_requests_total',
      labels: { method: 'post', code: '200' },
      value: 1027,
      timestampMs: 1395066363000,
    });
    assert.equal(exp.samples[1]?.value, 3);
    assert.deepEqual(exp.samples[2], {
      name: 'metric_without_timestamp_and_labels',
      labels: {},
      value: 12.47,
    });
    assert.deepEqual(exp.samples[3]?.labels, { queue: 'a b' });
    assert.deepEqual(exp.samples[4]?.labels, {
      path: 'C:\\DIR\\FILE.TXT',
      error: 'Cannot find file:\n"FILE.TXT"',
    });
    assert.equal(exp.samples[4]?.value, 1.458255915e9);
    assert.equal(exp.samples[5]?.value, Infinity);
    assert.equal(exp.samples[5]?.timestampMs, -3982045);
    assert.ok(Number.isNaN(exp.samples[6]?.value));
    assert.equal(exp.samples[7]?.value, -Infinity);
    assert.deepEqual(exp.samples[8], { name: 'spaced_out', labels: { a: '1', b: '2' }, value: 5 });
    assert.equal(exp.samples[9]?.value, 7);
  });

  it('reports malformed lines with their number and keeps the rest', () => {
    const exp = parsePrometheusText(
      [
        'ok 1',
        'bad{a="1" 2',
        'bad{a=1} 2',
        'bad{a="unterminated} 2',
        'bad{a="1",a="2"} 2',
        'novalue',
        'bad_value abc',
        'bad_ts 1 12.5',
        'too many 1 2 3',
        '9starts_with_digit 1',
        '# TYPE x sometype',
        'also_ok{le="0.5"} 0.25',
      ].join('\n'),
    );
    assert.deepEqual(
      exp.samples.map((s) => s.name),
      ['ok', 'also_ok'],
    );
    assert.equal(exp.errors.length, 10);
    assert.match(exp.errors[0] as string, /^line 2: /);
    assert.match(exp.errors.join('\n'), /line 7: bad value 'abc'/);
    assert.match(exp.errors.join('\n'), /line 11: unknown type 'sometype'/);
  });

  it('reads floats as Go does', () => {
    assert.equal(parsePromFloat('+Inf'), Infinity);
    assert.equal(parsePromFloat('inf'), Infinity);
    assert.equal(parsePromFloat('-Inf'), -Infinity);
    assert.equal(parsePromFloat('1e-3'), 0.001);
    assert.equal(parsePromFloat('+5'), 5);
    assert.equal(parsePromFloat('.5'), 0.5);
    assert.equal(parsePromFloat('0x10'), 16);
    assert.equal(parsePromFloat(''), undefined);
    assert.equal(parsePromFloat('1,5'), undefined);
  });

  it('tells cumulative series (rates) from levels', () => {
    const t = parsePrometheusText(
      [
        '# TYPE a_total counter',
        '# TYPE b counter',
        '# TYPE lat histogram',
        '# TYPE q summary',
        '# TYPE g gauge',
        '# TYPE g_total gauge',
      ].join('\n'),
    ).types;
    assert.equal(isCumulative('a_total', t), true);
    assert.equal(isCumulative('b_total', t), true, 'OpenMetrics family spelling');
    assert.equal(isCumulative('untyped_total', t), true);
    assert.equal(isCumulative('lat_bucket', t), true);
    assert.equal(isCumulative('lat_count', t), true);
    assert.equal(isCumulative('q_sum', t), true);
    assert.equal(isCumulative('q', t), false, 'a quantile is a level');
    assert.equal(isCumulative('g', t), false);
    assert.equal(isCumulative('g_total', t), false, 'TYPE gauge wins over the suffix');
    assert.equal(isCumulative('free_count', t), false, '_count without a histogram family');
  });
});

describe('--monitor-series selectors', () => {
  it('splits comma lists outside braces and quotes, with every matcher kind', () => {
    const errors: string[] = [];
    const sel = parseSeriesSelectors(
      ['queue_depth, db_pool_wait{pool="a,b",env!="dev"}', 'x{job=~"api|web"},y{code!~"5.."}'],
      errors,
    );
    assert.deepEqual(errors, []);
    assert.deepEqual(
      sel.map((s) => s.name),
      ['queue_depth', 'db_pool_wait', 'x', 'y'],
    );
    assert.deepEqual(
      sel[1]?.matchers.map((m) => [m.label, m.op, m.value]),
      [
        ['pool', '=', 'a,b'],
        ['env', '!=', 'dev'],
      ],
    );
    assert.equal(sel[2]?.matchers[0]?.re?.test('api'), true);
    assert.equal(sel[2]?.matchers[0]?.re?.test('apix'), false, 'anchored as in PromQL');
  });

  it('lists every bad selector', () => {
    const errors: string[] = [];
    parseSeriesSelectors(['9bad,ok,x{a=1},y{b=~"("}'], errors);
    assert.equal(errors.length, 3);
    assert.match(errors[0] as string, /'9bad'/);
    assert.match(errors[1] as string, /bad label matcher/);
    assert.match(errors[2] as string, /bad regular expression/);
  });

  it('names what it records: prom_, _rate for counters, _bytes as _mb', () => {
    assert.deepEqual(recordedName('queue_depth', false), { metric: 'prom_queue_depth', scale: 1 });
    assert.deepEqual(recordedName('jobs_done_total', true), {
      metric: 'prom_jobs_done_total_rate',
      scale: 1,
    });
    assert.deepEqual(recordedName('ns:sub:metric', false), { metric: 'prom_ns_sub_metric', scale: 1 });
    assert.deepEqual(recordedName('process_resident_memory_bytes', false), {
      metric: 'prom_process_resident_memory_mb',
      scale: 1e-6,
    });
    assert.deepEqual(recordedName('net_sent_bytes_total', true), {
      metric: 'prom_net_sent_mb_total_rate',
      scale: 1e-6,
    });
  });

  it('thresholds accept monitor metrics as trends', () => {
    assert.equal(monitorMetric('prom_queue_depth')?.type, 'trend');
    assert.equal(monitorMetric('target_cpu_percent')?.type, 'trend');
    assert.equal(monitorMetric('other'), undefined);
    const { thresholds, problems } = parseThresholds(
      {
        prom_queue_depth: ['max<500', 'p(95)<400'],
        'target_cpu_percent{pid:1}': ['avg<70'],
        prom_x: ['rate<1'],
      },
      () => undefined,
    );
    assert.equal(thresholds.length, 3);
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message as string, /'rate' does not apply to trend/);
  });
});
