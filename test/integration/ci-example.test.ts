/**
 * examples/ci: the workflow's volley commands, run here as the workflow runs them, against the
 * demo target: the smoke test with its SLOs and outputs, the Markdown summary, the compare gate.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { Summary } from '../../src/summary/summary.js';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { runCli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'volley-ci-'));

describe('examples/ci', () => {
  let target: RunningTarget;
  before(async () => {
    target = await startTarget({ port: 0, host: '127.0.0.1', latency: '1-3ms' });
  });
  after(() => target.close());

  it('the workflow parses and runs volley run, report and compare', () => {
    const wf = parse(readFileSync(join(ROOT, 'examples/ci/perf.yml'), 'utf8')) as {
      jobs: { smoke: { steps: { run?: string }[] } };
    };
    const runs = wf.jobs.smoke.steps.map((s) => s.run ?? '').join('\n');
    assert.match(
      runs,
      /npx volley run examples\/ci\/smoke\.ts .*--out json=summary\.json --out html=report\.html --out junit=junit\.xml/s,
    );
    assert.match(runs, /npx volley report summary\.json --format md --output perf\/report\.md/);
    assert.match(runs, /npx volley compare baseline\/summary\.json summary\.json --tolerance 10%/);
  });

  it('the smoke test passes its SLOs against a healthy service, writes its outputs, and the gate passes on itself', async () => {
    const summary = join(dir, 'summary.json');
    const html = join(dir, 'report.html');
    const junit = join(dir, 'junit.xml');
    target.resetStats();
    const r = await runCli(
      [
        'run',
        join(ROOT, 'examples/ci/smoke.ts'),
        '-e',
        `BASE_URL=${target.url}`,
        '-e',
        'DURATION=3s',
        '--no-store',
        '--out',
        `json=${summary}`,
        '--out',
        `html=${html}`,
        '--out',
        `junit=${junit}`,
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(readFileSync(summary, 'utf8')) as Summary;
    assert.equal(doc.verdict, 'passed');
    assert.equal(doc.metrics.http_reqs?.values.count, target.stats().totalRequests);
    assert.equal(doc.metrics.http_reqs?.values.count, 300, '50 iterations/s × 3 s × 2 requests');
    assert.ok(readFileSync(html, 'utf8').includes('<svg'));
    assert.equal(
      readFileSync(junit, 'utf8').match(/<testcase /g)?.length,
      1 + 4 + 2,
      'the run, four thresholds and two checks',
    );

    const md = join(dir, 'perf', 'report.md');
    const rep = await runCli(['report', summary, '--format', 'md', '--output', md]);
    assert.equal(rep.code, 0, rep.stderr);
    assert.ok(existsSync(md));
    assert.match(readFileSync(md, 'utf8'), /p\(95\)<200/);

    const gate = await runCli(['compare', summary, summary, '--tolerance', '10%']);
    assert.equal(gate.code, 0, gate.stderr);
  });

  it('the smoke test fails the job (exit 99) when the service breaks its SLOs', async () => {
    const slow = await startTarget({ port: 0, host: '127.0.0.1', latency: '600ms' });
    try {
      const r = await runCli(
        [
          'run',
          join(ROOT, 'examples/ci/smoke.ts'),
          '-e',
          `BASE_URL=${slow.url}`,
          '-e',
          'DURATION=2s',
          '-e',
          'RATE=10',
          '--no-store',
          '-q',
        ],
        { timeoutMs: 60_000 },
      );
      assert.equal(r.code, 99, r.stderr);
    } finally {
      await slow.close();
    }
  });
});
