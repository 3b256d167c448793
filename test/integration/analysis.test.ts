/** Breakpoint search and knee detection against servers whose capacity is known. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { StressResult } from '../../src/analysis/stress.js';
import type { Summary } from '../../src/summary/summary.js';
import {
  startInflightLimitServer,
  startKneeServer,
  startTokenBucketServer,
} from '../helpers/capacity-servers.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-analysis-'));

describe('volley stress', () => {
  it('finds a token bucket of 500/s within ±20%, probes printed as they finish, the search in the JSON summary', async () => {
    const server = await startTokenBucketServer(500);
    try {
      const out = join(dir, 'stress.json');
      const r = await runCli(
        [
          'stress',
          '--url',
          `${server.url}/`,
          '--start-rate',
          '50',
          '--max-rate',
          '3000',
          '--probe-duration',
          '2s',
          '--cooldown',
          '300ms',
          '--error-threshold',
          '5%',
          '--resolution',
          '10%',
          '--slo',
          'p(99)<500',
          '--out',
          `json=${out}`,
        ],
        { timeoutMs: 90_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(readFileSync(out, 'utf8')) as Summary & { stress: StressResult };
      const s = doc.stress;
      assert.ok(s.maxSustainableRate !== null);
      assert.ok(
        s.maxSustainableRate >= 400 && s.maxSustainableRate <= 600,
        `max sustainable ${s.maxSustainableRate}/s for a 500/s bucket`,
      );
      assert.ok(s.breakdownRate !== null && s.breakdownRate > s.maxSustainableRate);
      assert.equal(s.ceiling, 'target');
      // Doubling from 50: 50, 100, 200, 400 pass (400 is 80% of the bucket); the first failure is 800.
      assert.deepEqual(
        s.probes.slice(0, 5).map((p) => [p.rate, p.passed]),
        [
          [50, true],
          [100, true],
          [200, true],
          [400, true],
          [800, false],
        ],
      );
      const failed = s.probes.find((p) => p.rate === 800);
      assert.ok(failed && failed.errorRate > 0.3, 'about 3/8 of 800/s is refused');
      assert.match(failed?.failures.join(' ') ?? '', /error rate .* > 5\.00%/);
      for (const p of s.probes)
        assert.ok(p.achievedRate > p.rate * 0.9, `probe at ${p.rate}/s ran its arrivals`);
      // Every probe line was printed, and the result block.
      assert.equal(r.stderr.match(/^probe +\d+ /gm)?.length, s.probes.length);
      assert.match(r.stdout, new RegExp(`max sustainable rate: ${s.maxSustainableRate}/s`));
      // The capacity plan: the probes by rate, and 70% of the highest passing rate, in the JSON and the terminal.
      const plan = s.capacityPlan;
      assert.deepEqual(
        plan?.rows.map((row) => row.load),
        s.probes.map((p) => p.rate).sort((a, b) => a - b),
      );
      assert.equal(plan?.highestPassingLoad, s.maxSustainableRate);
      assert.equal(plan?.recommended, Math.floor(s.maxSustainableRate * 0.7));
      assert.ok(
        Math.abs((plan?.recommended ?? 0) - 350) <= 0.2 * 350,
        `recommended ${plan?.recommended}/s for a 500/s bucket (70% is 350/s)`,
      );
      assert.match(r.stdout, /Capacity plan \(probes by rate\)/);
      assert.match(r.stdout, new RegExp(`recommended: ${plan?.recommended}/s`));
      // The summary is the best passing probe's, and the server saw what volley counted.
      assert.equal(doc.schema, 'volley.summary/1');
      const total = s.probes.reduce((n, p) => n + Math.round(p.achievedRate * 2), 0);
      const seen = server.counts().ok + server.counts().refused;
      assert.ok(Math.abs(seen - total) <= s.probes.length * 2, `server saw ${seen}, probes report ${total}`);
    } finally {
      await server.close();
    }
  });

  it('rejects bad input before any traffic: a bad SLO, max below start, a bad share, no target', async () => {
    const server = await startTokenBucketServer(100);
    try {
      const cases: [string[], RegExp][] = [
        [['--slo', 'p(99)<<3'], /p\(99\)<<3/],
        [
          ['--start-rate', '100', '--max-rate', '50'],
          /--max-rate \(50\) must be at least --start-rate \(100\)/,
        ],
        [['--error-threshold', '150%'], /--error-threshold must be a share like 5% or 0\.05/],
        [['--probe-duration', '200ms'], /--probe-duration must be a duration of at least 1s/],
      ];
      for (const [extra, pattern] of cases) {
        const r = await runCli(['stress', '--url', `${server.url}/`, ...extra]);
        assert.equal(r.code, 2, extra.join(' '));
        assert.match(r.stderr, pattern);
      }
      const none = await runCli(['stress']);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /give the target: --url URL, or a test file/);
      assert.deepEqual(server.counts(), { ok: 0, refused: 0 });
    } finally {
      await server.close();
    }
  });
});

describe('knee detection', () => {
  it('finds the knee of a ramp near the rate where the server starts to slow, and names latency as what degraded first', async () => {
    const server = await startKneeServer(150);
    try {
      const out = join(dir, 'knee.json');
      const r = await runCli(
        [
          'run',
          '--url',
          `${server.url}/`,
          '--rate',
          '20',
          '--stage',
          '14s:300',
          '--max-vus',
          '200',
          '--out',
          `json=${out}`,
        ],
        { timeoutMs: 60_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(readFileSync(out, 'utf8')) as Summary;
      const knee = doc.analysis.knee;
      assert.ok(knee?.detected, JSON.stringify(knee));
      assert.equal(knee.reason, 'p99-doubled');
      assert.equal(knee.loadModel, 'open');
      const rate = knee.load?.iterationsPerSec ?? 0;
      assert.ok(rate >= 120 && rate <= 220, `knee at ${rate} arrivals/s, the server slows past 150/s`);
      assert.ok((knee.p99Ms ?? 0) >= 2 * knee.baselineP99Ms);
      const hints = doc.analysis.bottlenecks;
      const latency = hints.signals.find((x) => x.signal === 'latency');
      assert.ok(latency, JSON.stringify(hints));
      assert.ok(
        Math.abs(latency.atSecond - (knee.atSecond ?? 0)) <= 2,
        'the latency signal starts at the knee',
      );
      // Latency is first unless this (shared, busy) machine saturated the generator earlier — then
      // the hints must say so rather than blame the target.
      const gen = hints.signals.find((x) => x.signal === 'generator');
      assert.equal(hints.first, gen && gen.atSecond < latency.atSecond ? 'generator' : 'latency');
      // The text names the signal and the same 0-based second as the JSON.
      assert.ok(
        r.stdout.includes(
          `knee (latency) at ${knee.atSecond} s at ${knee.load?.iterationsPerSec} arrivals/s: p99 reached`,
        ),
        r.stdout,
      );
    } finally {
      await server.close();
    }
  });

  it('finds the knee at the error onset of a concurrency-limited target that fails fast (503 beyond N in flight)', async () => {
    // 4 in flight × 20 ms: about 200 requests/s before it refuses; the ramp crosses that near 6 s.
    const server = await startInflightLimitServer(4, 20);
    try {
      const out = join(dir, 'inflight.json');
      const r = await runCli(
        [
          'run',
          '--url',
          `${server.url}/`,
          '--rate',
          '20',
          '--stage',
          '10s:320',
          '--max-vus',
          '100',
          '--out',
          `json=${out}`,
        ],
        { timeoutMs: 60_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(readFileSync(out, 'utf8')) as Summary;
      const knee = doc.analysis.knee;
      assert.ok(knee?.detected, JSON.stringify(knee));
      assert.ok(server.counts().refused > 20, JSON.stringify(server.counts()));
      // p99 of a fast 503 does not bend: the errors are the knee (latency could only come first if
      // this shared machine slowed the 200s, and then errors must follow within the same seconds).
      assert.equal(knee.signal, 'errors', JSON.stringify(knee));
      assert.equal(knee.reason, 'errors-rose');
      const onset = Math.floor(((server.first503Ms() ?? 0) - (server.firstMs() ?? 0)) / 1000);
      assert.ok(
        (knee.atSecond ?? -99) >= onset - 1 && (knee.atSecond ?? 99) <= onset + 3,
        `knee at second ${knee.atSecond}, the server first refused in second ${onset}`,
      );
      const rate = knee.load?.iterationsPerSec ?? 0;
      assert.ok(rate >= 100 && rate <= 300, `knee at ${rate} arrivals/s, the server refuses past ~200/s`);
      assert.ok((knee.errorRate ?? 0) > 0.01);
      assert.ok(
        r.stdout.includes(`knee (errors) at ${knee.atSecond} s at ${rate} arrivals/s: errors rose`),
        r.stdout,
      );
      const errors = doc.analysis.bottlenecks.signals.find((x) => x.signal === 'errors');
      assert.ok(errors, JSON.stringify(doc.analysis.bottlenecks));
    } finally {
      await server.close();
    }
  });

  it('reports no knee for a ramp the server absorbs, and none at all for a run that does not ramp', async () => {
    const server = await startKneeServer(100_000);
    try {
      const ramp = join(dir, 'flat.json');
      const r = await runCli([
        'run',
        '--url',
        `${server.url}/`,
        '--rate',
        '20',
        '--stage',
        '6s:120',
        '--out',
        `json=${ramp}`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(readFileSync(ramp, 'utf8')) as Summary;
      assert.equal(doc.analysis.knee?.detected, false);
      assert.match(doc.analysis.knee?.detail ?? '', /^no knee/);
      const constant = join(dir, 'constant.json');
      const c = await runCli([
        'run',
        '--url',
        `${server.url}/`,
        '--rate',
        '50',
        '-d',
        '2s',
        '--out',
        `json=${constant}`,
      ]);
      assert.equal(c.code, 0);
      assert.equal((JSON.parse(readFileSync(constant, 'utf8')) as Summary).analysis.knee, null);
    } finally {
      await server.close();
    }
  });
});
