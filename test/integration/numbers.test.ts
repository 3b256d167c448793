/**
 * The numbers a run reports are the numbers that happened (issue 11 items 3, 4, 6): an exact
 * failure ratio kept to full precision and shown with one rounding everywhere, malformed
 * percentiles refused as config errors on every path, and a JUnit file that reads red exactly
 * when the run did not pass. Real servers on 127.0.0.1, real CLI processes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { pct } from '../../src/summary/format.js';
import type { Summary } from '../../src/summary/summary.js';
import { runCli } from '../helpers/cli.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-numbers-'));
const f = (name: string): string => join(dir, name);

describe('rates keep full precision; reports round once, the same way', () => {
  let server: CountingServer;
  before(async () => {
    // Exactly every 7th request the server receives fails.
    server = await startCountingServer({ status: (n) => (n % 7 === 0 ? 500 : 200) });
  });
  after(() => server.close());

  it('http_req_failed equals fails/total to 1e-6 in the summary; terminal, HTML and Markdown show the same percentage', async () => {
    // 53/s for 3 s = 159 requests, 22 failing: 0.138364…, which three decimals would turn into 0.138.
    const r = await runCli([
      'run',
      '--url',
      server.url,
      '--rate',
      '53',
      '-d',
      '3s',
      '--threshold',
      'http_req_failed:rate<0.5',
      '--out',
      `json=${f('seventh.json')}`,
      '--out',
      `html=${f('seventh.html')}`,
      '--out',
      `csv=${f('seventh.csv')}`,
      '--out',
      `ndjson=${f('seventh.ndjson')}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const total = server.count();
    const fails = Math.floor(total / 7);
    const s = JSON.parse(readFileSync(f('seventh.json'), 'utf8')) as Summary;
    const v = s.metrics.http_req_failed?.values ?? {};
    assert.equal((v.passes ?? 0) + (v.fails ?? 0), total, 'every request the server received was counted');
    assert.equal(v.passes, fails);
    assert.ok(Math.abs((v.rate ?? 0) - fails / total) < 1e-6, `rate ${v.rate} vs ${fails}/${total}`);
    const threshold = s.thresholds.results[0];
    assert.ok(Math.abs((threshold?.actual ?? 0) - fails / total) < 1e-6);

    // Per second too: the CSV's error_rate and the NDJSON snapshots' rate are the exact ratio.
    const lines = readFileSync(f('seventh.csv'), 'utf8').split('\r\n').filter(Boolean);
    const head = (lines[0] ?? '').split(',');
    const col = (name: string): number => head.indexOf(name);
    let csvFailures = 0;
    for (const line of lines.slice(1)) {
      const cells = line.split(',');
      const reqs = Number(cells[col('requests')]);
      const failed = Number(cells[col('failures')]);
      csvFailures += failed;
      if (reqs > 0) assert.equal(Number(cells[col('error_rate')]), failed / reqs, line);
    }
    assert.equal(csvFailures, fails);
    let checked = 0;
    for (const line of readFileSync(f('seventh.ndjson'), 'utf8').split('\n').filter(Boolean)) {
      const snap = JSON.parse(line) as {
        requests?: number;
        failures?: number;
        metrics?: Record<string, Record<string, number>>;
      };
      const rate = snap.metrics?.http_req_failed?.rate;
      if (rate === undefined || !snap.requests) continue;
      assert.equal(rate, (snap.failures ?? 0) / snap.requests);
      checked++;
    }
    assert.ok(checked >= 2, 'NDJSON snapshots carry the per-second rate');

    const shown = pct(fails / total);
    assert.match(shown, /^\d+\.\d\d%$/);
    assert.equal(shown, `${((fails / total) * 100).toFixed(2)}%`);
    const terminal = r.stdout + r.stderr;
    assert.match(
      terminal,
      new RegExp(`http_req_failed\\s+${shown.replace('.', '\\.')}\\s+${fails} of ${total}`),
    );
    assert.match(terminal, new RegExp(`rate<0\\.5\\s+\\(actual ${shown.replace('.', '\\.')}\\)`));

    const html = readFileSync(f('seventh.html'), 'utf8');
    assert.ok(html.includes(`error rate ${shown}`), 'executive summary');
    assert.ok(html.includes(`<td class="n">${shown}</td>`), 'SLO table');
    const md = await runCli(['report', f('seventh.json'), '--format', 'md', '--output', f('seventh.md')]);
    assert.equal(md.code, 0, md.stderr);
    const text = readFileSync(f('seventh.md'), 'utf8');
    assert.ok(text.includes(`error rate ${shown}`));
    assert.ok(text.includes(`| ${shown} |`));
  });
});

describe('a percentile outside 0..100 is invalid config (exit 2) on every path', () => {
  const bad = ['p(101)<5', 'p(-1)<5', 'p(abc)<5'];

  it('--threshold', async () => {
    const r = await runCli([
      'run',
      '--url',
      'http://127.0.0.1:1/',
      ...bad.flatMap((b) => ['--threshold', `http_req_duration:${b}`]),
    ]);
    assert.equal(r.code, 2, r.stderr);
    for (const b of ['p(101)', 'p(-1)', 'p(abc)'])
      assert.ok(r.stderr.includes(`the percentile in '${b}' must be a number from 0 to 100`), r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('a YAML file and a script', async () => {
    const yaml = f('bad-percentile.yaml');
    writeFileSync(
      yaml,
      `scenarios:\n  a:\n    executor: constant-vus\n    vus: 1\n    duration: 1s\n    user: u\nusers:\n  u:\n    tasks:\n      - flow:\n          - get: http://127.0.0.1:1/\nthresholds:\n  http_req_duration: ['p(101)<5']\n`,
    );
    const y = await runCli(['run', yaml]);
    assert.equal(y.code, 2, y.stderr);
    assert.match(y.stderr, /the percentile in 'p\(101\)' must be a number from 0 to 100/);

    const script = f('bad-percentile.ts');
    writeFileSync(
      script,
      `import { defineTest } from 'volley';\nexport default defineTest({\n  scenarios: { a: { executor: 'constant-vus', vus: 1, duration: '1s', exec: async () => {} } },\n  thresholds: { http_req_duration: ['p(101)<5'] },\n});\n`,
    );
    const s = await runCli(['run', script]);
    assert.equal(s.code, 2, s.stderr);
    assert.match(s.stderr, /the percentile in 'p\(101\)' must be a number from 0 to 100/);
  });
});

describe('JUnit agrees with the exit code', () => {
  let server: CountingServer;
  before(async () => {
    server = await startCountingServer();
  });
  after(() => server.close());

  it('a SIGINT-aborted run writes an error case and its real duration', async () => {
    const xml = f('aborted.xml');
    const r = await runCli(
      [
        'run',
        '--url',
        server.url,
        '--rate',
        '20',
        '-d',
        '30s',
        '--out',
        `junit=${xml}`,
        '--out',
        `json=${f('aborted.json')}`,
      ],
      {
        onSpawn: (c) => {
          // Signal once traffic flows, never after a fixed delay from spawn.
          const timer = setInterval(() => {
            if (server.count() >= 20) {
              clearInterval(timer);
              c.kill('SIGINT');
            }
          }, 50);
          c.on('close', () => clearInterval(timer));
        },
      },
    );
    assert.equal(r.code, 130, r.stderr);
    const s = JSON.parse(readFileSync(f('aborted.json'), 'utf8')) as Summary;
    const doc = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(xml, 'utf8')) as {
      testsuites: Record<string, string>;
    };
    assert.equal(doc.testsuites['@_errors'], '1');
    assert.ok(Number(doc.testsuites['@_tests']) >= 1);
    assert.equal(doc.testsuites['@_time'], (s.state.testRunDurationMs / 1000).toFixed(3));
    assert.ok(s.state.testRunDurationMs >= 900, `ran ${s.state.testRunDurationMs} ms`);
    assert.match(readFileSync(xml, 'utf8'), /<error message="run aborted: stopped by SIGINT"/);
  });
});
