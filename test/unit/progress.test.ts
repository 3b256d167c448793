/**
 * The plain (non-TTY) progress line, fed snapshots directly: its req/s is every request since the
 * previous line over the seconds it covers, so a think time equal to the print interval cannot
 * make it sample the same quiet second over and over.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunStartInfo } from '../../src/engine/run.js';
import type { Snapshot } from '../../src/engine/snapshot.js';
import { Progress } from '../../src/report/progress.js';

const LAT = { p50: 1, p90: 1, p95: 1, p99: 1, avg: 1, min: 1, max: 1, count: 1 };

function snapshot(second: number, requests: number, iterations = requests): Snapshot {
  return {
    second,
    elapsedMs: (second + 1) * 1000,
    requests,
    iterations,
    failures: 0,
    dropped: 0,
    vus: 10,
    vusMax: 10,
    current: { windowSeconds: 10, latency: LAT, iterationLatency: undefined, rps: requests },
    cumulative: { requests: 0, failures: 0, latency: LAT, iterationLatency: undefined, endpoints: [] },
    generator: { workers: [], cpuPercent: 0, rssMB: 0, saturated: false, reasons: [], unresponsive: [] },
    inflight: { requests: 0, oldestAgeMs: 0 },
  } as unknown as Snapshot;
}

function start(progress: Progress, plannedIterations?: number): void {
  const plan =
    plannedIterations === undefined
      ? { openLoop: false, maxVUs: 10 }
      : { openLoop: false, maxVUs: 10, plannedIterations };
  progress.onStart({
    runId: 'r1',
    workers: 1,
    plannedDurationMs: 30_000,
    plans: [{ scenario: { name: 'default', executor: 'constant-vus' }, plan }],
  } as unknown as RunStartInfo);
}

function plainLines(feed: (p: Progress) => void, plannedIterations?: number): string[] {
  const out: string[] = [];
  const progress = new Progress({ write: (t) => out.push(t), tty: false, plainEverySeconds: 5 });
  start(progress, plannedIterations);
  feed(progress);
  return out.slice(1); // the start line
}

const rateOf = (line: string): number => Number(/ (\d[\d,]*) req\/s/.exec(line)?.[1]?.replace(/,/g, ''));

describe('plain progress line', () => {
  it('prints the mean rate over each interval, not the rate of the second it prints on', () => {
    // Every VU thinks 5 s: a burst of 5,000 in one second of five, then quiet (mean 1,000/s).
    const lines = plainLines((p) => {
      for (let s = 0; s < 20; s++) p.onSnapshot(snapshot(s, s % 5 === 0 ? 5000 : 0));
    });
    assert.equal(lines.length, 4, lines.join(''));
    // Second 0 alone, then 1-5, 6-10, 11-15: 5,000 in each.
    assert.deepEqual(lines.map(rateOf), [5000, 1000, 1000, 1000]);
    assert.match(lines[1] as string, /^\[ {3}6s\]/);
  });

  it('a print that lands on the quiet seconds still shows the interval mean', () => {
    const lines = plainLines((p) => {
      for (let s = 0; s < 16; s++) p.onSnapshot(snapshot(s, s % 5 === 2 ? 5000 : 0));
    });
    // Old code printed the second itself: 0, 0, 0, 0 req/s.
    assert.deepEqual(lines.map(rateOf), [0, 1000, 1000, 1000]);
  });

  it('counts iterations of the seconds it does not print', () => {
    const lines = plainLines((p) => {
      for (let s = 0; s < 11; s++) p.onSnapshot(snapshot(s, 10));
    }, 1000);
    assert.match(lines.at(-1) as string, /110\/1,000 iterations/);
  });
});
