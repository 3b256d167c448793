/** `volley compare` end to end: real runs against real servers, compared as files and as stored runs. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Comparison } from '../../src/analysis/compare.js';
import { compareCommand, type CompareFlags } from '../../src/cli/compare-command.js';
import { exitCodeForError } from '../../src/cli/exit-codes.js';
import type { CliIO } from '../../src/cli/io.js';
import { VolleyError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { storeFastAndSlowRuns } from '../helpers/stored-runs.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-compare-'));
const db = join(dir, 'runs.db');
const fastFile = join(dir, 'fast.json');
const slowFile = join(dir, 'slow.json');

/**
 * The same command in this process, for the many error cases: a CLI process costs ~1 s of startup
 * on a busy 2-core CI box. The real CLI covers one error case of each kind of input below.
 */
function compareInProcess(
  base: string,
  next: string,
  flags: CompareFlags,
): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    stderrIsTTY: false,
    stdoutIsTTY: false,
    ci: true,
    color: false,
    env: {},
    onSignals: () => () => undefined,
  };
  try {
    return { code: compareCommand(base, next, { db, ...flags }, io), stdout, stderr };
  } catch (err) {
    if (!(err instanceof VolleyError)) throw err;
    for (const d of err.details.length > 0 ? err.details : [err.message]) stderr += `error: ${d}\n`;
    if (err.hint) stderr += `hint: ${err.hint}\n`;
    return { code: exitCodeForError(err.code), stdout, stderr };
  }
}

describe('volley compare', () => {
  let fastId = '';
  let slowId = '';

  before(async () => {
    ({ fastId, slowId } = await storeFastAndSlowRuns(dir, db));
  });

  it('slow against fast regresses with exit 98 and names http_req_duration p(99)', async () => {
    const out = join(dir, 'cmp.json');
    const r = await runCli(['compare', fastFile, slowFile, '--out', `json=${out}`, '--db', db]);
    assert.equal(r.code, 98, r.stderr);
    assert.match(
      r.stdout,
      /^volley compare — BASE [0-9a-f]{8} \(.*fast\.json\) vs NEW [0-9a-f]{8} \(.*slow\.json\)$/m,
    );
    assert.match(
      r.stdout,
      /^http_req_duration p\(99\)\s+[\d.]+ms\s+[\d.]+ms\s+\+[\d.]+ms\s+\+[\d.]+%\s+regressed$/m,
    );
    assert.match(r.stdout, /^http_req_failed rate\s+0\.00%\s+0\.00%\s+±0\.00pp\s+±0\.0%\s+ok$/m);
    assert.match(
      r.stdout,
      /✗ REGRESSED: \d+ regression\(s\)\n {2}✗ http_req_duration p\(95\) .*\n {2}✗ http_req_duration p\(99\) /,
    );
    assert.match(
      r.stderr,
      /warning: different targets: BASE GET http:\/\/127\.0\.0\.1:\d+\/api\/items, NEW GET http:\/\/127\.0\.0\.1:\d+\/api\/items/,
    );

    const doc = JSON.parse(readFileSync(out, 'utf8')) as Comparison;
    assert.equal(doc.schema, 'volley.compare/1');
    assert.equal(doc.verdict, 'regressed');
    assert.deepEqual(doc.base, { id: fastId, source: fastFile });
    assert.equal(doc.tolerance, 0.1);
    const p99 = doc.metrics.find((m) => m.metric === 'http_req_duration' && m.stat === 'p(99)');
    // 150 ms of server delay: NEW's p99 is above 150 ms.
    assert.ok(p99 && p99.base !== null && p99.new !== null && p99.new >= 150, JSON.stringify(p99));
    assert.equal(p99.status, 'regressed');
    assert.ok(
      doc.regressions.some(
        (x) => x.scope === 'run' && x.metric === 'http_req_duration' && x.stat === 'p(99)',
      ),
    );
    const ep = doc.endpoints[0];
    assert.equal(doc.endpoints.length, 1);
    assert.equal(ep?.status, 'regressed');
    assert.deepEqual(ep?.requests, { base: 100, new: 100 });
    assert.equal(doc.metrics.find((m) => m.metric === 'http_reqs')?.status, 'ok', 'open loop: same 50/s');

    // Fast against slow is an improvement, not a failure.
    const back = await runCli(['compare', slowFile, fastFile, '-q', '--db', db]);
    assert.equal(back.code, 0, back.stderr);
    assert.equal(back.stdout, '');
  });

  it('the same file against itself passes with exit 0; --out json=- keeps stdout for the JSON', async () => {
    const r = await runCli(['compare', fastFile, fastFile, '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /✓ PASSED: no regression beyond the tolerance/);
    assert.doesNotMatch(r.stderr, /different|differs/, 'no shape warning for identical runs');
    const j = await runCli(['compare', fastFile, fastFile, '--out', 'json=-', '--db', db]);
    assert.equal(j.code, 0);
    assert.equal((JSON.parse(j.stdout) as Comparison).verdict, 'passed');
    assert.match(j.stderr, /✓ PASSED/);
  });

  it('compares stored runs by id prefix, and a stored run against a file', async () => {
    const r = await runCli([
      'compare',
      fastId.slice(0, 8),
      slowId.slice(0, 8),
      '--db',
      db,
      '--out',
      'json=-',
      '-q',
    ]);
    assert.equal(r.code, 98, r.stderr);
    const doc = JSON.parse(r.stdout) as Comparison;
    assert.deepEqual(doc.base, { id: fastId, source: `store:${db}` });
    assert.equal(doc.new.id, slowId);
    const mixed = await runCli(['compare', fastId, fastFile, '--db', db, '-q']);
    assert.equal(mixed.code, 0, mixed.stderr);
  });

  it('--metric picks what gates; --tolerance and --min-delta-ms move the gate', async () => {
    const errorsOnly = await runCli([
      'compare',
      fastFile,
      slowFile,
      '--metric',
      'http_req_failed:rate',
      '--db',
      db,
    ]);
    assert.equal(errorsOnly.code, 0, errorsOnly.stdout);
    assert.match(errorsOnly.stdout, /^http_req_failed rate\s+0\.00%\s+0\.00%\s+±0\.00pp\s+±0\.0%\s+ok$/m);
    assert.doesNotMatch(
      errorsOnly.stdout,
      /^http_req_duration p\(99\) /m,
      'only the chosen metric in the run table',
    );
    assert.equal(compareInProcess(fastFile, slowFile, { metric: ['http_req_duration:p(99)'] }).code, 98);
    assert.equal(compareInProcess(fastFile, slowFile, { tolerance: '100000%', quiet: true }).code, 0);
    assert.equal(compareInProcess(fastFile, slowFile, { minDeltaMs: '1000', quiet: true }).code, 0);
  });

  it('bad inputs exit 2 with a specific message', async () => {
    const notSummary = join(dir, 'other.json');
    writeFileSync(notSummary, JSON.stringify({ schema: 'volley.snapshot/1', second: 0 }));
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"schema": "volley.summary/1", ');
    // Through the real CLI: a missing file and an unknown run id.
    const [missing, unknown] = await Promise.all([
      runCli(['compare', join(dir, 'missing.json'), fastFile, '--db', db]),
      runCli(['compare', fastFile, 'feedbeef', '--db', db]),
    ]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: BASE '.*missing\.json': no such file$/m);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /^error: NEW 'feedbeef': no such file, and no run 'feedbeef' in .*runs\.db$/m,
    );
    assert.equal(missing.stdout + unknown.stdout, '');

    const cases: [string, string, CompareFlags, RegExp][] = [
      [fastFile, broken, {}, /^error: NEW '.*broken\.json' is not valid JSON: /m],
      [
        notSummary,
        fastFile,
        {},
        /^error: BASE '.*other\.json' is a 'volley\.snapshot\/1' document, not a volley\.summary\/1 summary$/m,
      ],
      [dir, fastFile, {}, /^error: BASE '.*' is a directory, not a summary file$/m],
      [
        fastFile,
        'feed',
        { db: join(dir, 'none.db') },
        /^error: NEW 'feed': no such file, and no run store at .*none\.db to look the id up in$/m,
      ],
      [
        fastFile,
        fastFile,
        { tolerance: '10' },
        /^error: --tolerance '10' is ambiguous: write 10% or a fraction <= 1$/m,
      ],
      [
        fastFile,
        fastFile,
        { tolerance: 'lots', minDeltaMs: '-1' },
        /^error: --tolerance 'lots' must be a percentage \(10%\) or a fraction \(0\.1\), >= 0\nerror: --min-delta-ms must be a number >= 0 \(got '-1'\)$/m,
      ],
      [fastFile, fastFile, { out: ['csv=x'] }, /^error: --out 'csv=x' must be json=FILE/m],
      [
        fastFile,
        fastFile,
        { metric: ['http_req_durationn:p(99)'] },
        /^error: --metric http_req_durationn:p\(99\): no metric 'http_req_durationn' in either run\nhint: metrics in the summaries: .*http_req_duration \(avg, min, med, max, p\(90\), p\(95\), p\(99\), count\)/m,
      ],
      [
        fastFile,
        fastFile,
        { metric: ['http_req_duration:p(99.9)'] },
        /^error: --metric http_req_duration:p\(99\.9\): BASE has no 'p\(99\.9\)' for http_req_duration/m,
      ],
      [
        fastFile,
        fastFile,
        { metric: ['http_req_duration'] },
        /^error: --metric 'http_req_duration' must be NAME:STAT/m,
      ],
    ];
    for (const [base, next, flags, re] of cases) {
      const r = compareInProcess(base, next, flags);
      assert.equal(r.code, 2, `${base} ${next} ${JSON.stringify(flags)}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stdout, '');
    }
  });
});
