import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_BY_NAME } from '../../src/metrics/definitions.js';
// Registers the protocol modules' metrics (http_*) with the metrics layer.
import '../../src/protocols/registry.js';
import { Aggregator } from '../../src/metrics/aggregator.js';
import { abortingThresholds, evaluateThreshold } from '../../src/thresholds/evaluate.js';
import { parseCliThreshold, parseThresholds } from '../../src/thresholds/parse.js';
import { tryParseDurationMs } from '../../src/config/duration.js';

const lookup = (n: string) => BUILTIN_BY_NAME.get(n);

describe('threshold parsing', () => {
  it('parses every statistic and tag filters', () => {
    const { thresholds, problems: errors } = parseThresholds(
      {
        http_req_duration: ['p(99)<100', 'avg<50', 'med<=20', 'max < 2000', 'p(99.9)<500'],
        'http_req_duration{name:GET /api/teams,status:200}': [
          { threshold: 'p(95)<80', abortOnFail: true, delayAbortEval: '10s' },
        ],
        http_req_failed: ['rate<0.001'],
        http_reqs: ['count>10'],
        vus: ['value>=1'],
      },
      lookup,
    );
    assert.deepEqual(errors, []);
    assert.equal(thresholds.length, 9);
    const tagged = thresholds.find((t) => t.filter);
    assert.deepEqual(tagged?.filter, { name: 'GET /api/teams', status: '200' });
    assert.equal(tagged?.abortOnFail, true);
    assert.equal(tagged?.delayAbortEvalMs, 10_000);
  });

  it('reports every problem at once, each at its path with a code, unknown metrics included', () => {
    const { problems } = parseThresholds(
      { nope: ['p(99)<1'], http_req_failed: ['p(99)<1'], http_req_duration: ['avg<1', 'fast please'] },
      lookup,
      BUILTIN_BY_NAME.keys(),
    );
    assert.deepEqual(
      problems.map((p) => [p.path, p.code]),
      [
        ['thresholds.nope', 'unknown-name'],
        ['thresholds.http_req_failed[0]', 'wrong-type'],
        ['thresholds.http_req_duration[1]', 'invalid-syntax'],
      ],
    );
    assert.match(problems[0]?.message as string, /unknown metric 'nope'/);
    assert.match(problems[1]?.message as string, /'p\(99\)' does not apply to rate metric/);
    assert.match(problems[2]?.message as string, /not an expression/);
    // A key with a tag filter is quoted in the path.
    const tagged = parseThresholds({ 'http_req_duration{name:a b}': ['p(99)<<1'] }, lookup).problems;
    assert.deepEqual(
      tagged.map((p) => p.path),
      ['thresholds["http_req_duration{name:a b}"][0]'],
    );
  });

  it('a percentile must be a number from 0 to 100: p(101), p(-1), p(abc) and p() are errors', () => {
    const { thresholds, problems } = parseThresholds(
      {
        http_req_duration: ['p(101)<5', 'p(-1)<5', 'p(abc)<5', 'p()<5', 'p(100)<5', 'p(0)<5', 'p( 99.9 )<5'],
      },
      lookup,
    );
    const errors = problems.map((p) => p.message);
    assert.equal(errors.length, 4, errors.join('\n'));
    for (const [i, p] of ['p(101)', 'p(-1)', 'p(abc)', 'p()'].entries())
      assert.match(
        errors[i] as string,
        new RegExp(`'${p.replace(/[()]/g, '\\$&')}' must be a number from 0 to 100`),
      );
    assert.deepEqual(
      thresholds.map((t) => t.stat),
      ['p(100)', 'p(0)', 'p(99.9)'],
    );
  });

  it('CLI form with tag filter and abortOnFail', () => {
    assert.deepEqual(parseCliThreshold('http_req_duration{name:GET /a}:p(99)<80'), {
      key: 'http_req_duration{name:GET /a}',
      spec: 'p(99)<80',
    });
    assert.deepEqual(parseCliThreshold('http_req_failed:rate<0.01:abortOnFail=5s'), {
      key: 'http_req_failed',
      spec: { threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '5s' },
    });
    assert.equal(typeof parseCliThreshold('nocolon'), 'string');
  });
});

describe('durations', () => {
  it('parses units and compounds, rejects junk', () => {
    assert.equal(tryParseDurationMs('30s'), 30_000);
    assert.equal(tryParseDurationMs('1m30s'), 90_000);
    assert.equal(tryParseDurationMs('250ms'), 250);
    assert.equal(tryParseDurationMs('1.5s'), 1500);
    assert.equal(tryParseDurationMs('2h'), 7_200_000);
    assert.equal(tryParseDurationMs('10'), 10_000);
    assert.equal(tryParseDurationMs('10parsecs'), undefined);
    assert.equal(tryParseDurationMs('-1s'), undefined);
    assert.equal(tryParseDurationMs(''), undefined);
  });
});

describe('thresholds on monitor metrics', () => {
  it('fail with a reason when the monitor recorded nothing, and never abort early for it', () => {
    const byName = (n: string) => BUILTIN_BY_NAME.get(n);
    const parsed = parseThresholds({ target_cpu_percent: ['avg<50'] }, byName);
    assert.deepEqual(parsed.problems, []);
    const t = parsed.thresholds[0];
    assert.ok(t);
    const r = evaluateThreshold(t, new Aggregator(1), 5);
    assert.equal(r.ok, false);
    assert.equal(r.actual, undefined);
    assert.match(r.reason ?? '', /no samples of target_cpu_percent: no process was monitored/);
    const aborting = abortingThresholds([{ ...t, abortOnFail: true, delayAbortEvalMs: 0 }], [r], 10_000);
    assert.deepEqual(aborting, []);
    // A built-in trend without samples still passes with no data, as before.
    const d = parseThresholds({ http_req_duration: ['p(99)<100'] }, byName).thresholds[0];
    assert.ok(d);
    assert.equal(evaluateThreshold(d, new Aggregator(1), 5).ok, true);
  });
});
