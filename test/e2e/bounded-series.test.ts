/**
 * The dashboard's bounded chart series (web/src/series.ts): an hour at one point per second stays
 * under 900 points, counts are conserved, and percentiles are merged as a max, never averaged.
 * The browser module is compiled here with esbuild (the root tsconfig does not build web/).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { SeriesPoint } from '../../src/server/wire.js';

const SOURCE = fileURLToPath(new URL('../../../web/src/series.ts', import.meta.url));

interface Columns {
  x: number[];
  rps: number[];
  failuresPerSecond: number[];
  errorPct: number[];
  vus: number[];
  p50: number[];
  p99: number[];
  max: number[];
}
interface Bounded {
  add(p: SeriesPoint): boolean;
  readonly length: number;
  readonly bucketSeconds: number;
  columns(): Columns;
}
interface SeriesModule {
  MAX_POINTS: number;
  BoundedSeries: new (maxPoints?: number) => Bounded;
}

function point(second: number, over: Partial<SeriesPoint> = {}, p99 = 10): SeriesPoint {
  return {
    second,
    time: new Date(second * 1000).toISOString(),
    requests: 100,
    failures: 1,
    iterations: 100,
    dropped: 0,
    vus: 5,
    latency: { count: 100, avg: 4, min: 1, p50: 3, p90: 8, p95: 9, p99, max: p99 + 5 },
    cpuPercent: 20,
    rssMB: 100,
    saturated: false,
    ...over,
  };
}

describe('dashboard bounded series', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-series-'));
  let mod: SeriesModule;

  before(async () => {
    const outfile = join(dir, 'series.mjs');
    await build({
      entryPoints: [SOURCE],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      logLevel: 'error',
    });
    mod = (await import(pathToFileURL(outfile).href)) as SeriesModule;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps one point per second under the limit', () => {
    const s = new mod.BoundedSeries();
    for (let i = 0; i < 60; i++) s.add(point(i, { requests: i }));
    const c = s.columns();
    assert.equal(s.length, 60);
    assert.equal(s.bucketSeconds, 1);
    assert.deepEqual(c.x.slice(0, 3), [0, 1, 2]);
    assert.deepEqual(c.rps.slice(0, 3), [0, 1, 2]);
  });

  it('an hour at one update per second stays at most 900 points, with every request counted', () => {
    assert.equal(mod.MAX_POINTS, 900);
    const s = new mod.BoundedSeries();
    let total = 0;
    for (let i = 0; i < 3600; i++) {
      const requests = 50 + (i % 7);
      total += requests;
      s.add(point(i, { requests, failures: i % 3 === 0 ? 1 : 0 }));
      assert.ok(s.length <= 900, `at second ${i}: ${s.length} points`);
    }
    assert.equal(s.bucketSeconds, 4);
    const c = s.columns();
    assert.equal(c.x.length, 900);
    // Evenly spaced buckets; rates times the bucket width give back every request.
    assert.ok(c.x.every((x, i) => x === i * 4));
    const counted = c.rps.reduce((a, r) => a + r * 4, 0);
    assert.equal(Math.round(counted), total);
  });

  it('merges percentiles as the max of the pair (an upper bound), never an average', () => {
    const s = new mod.BoundedSeries(4);
    s.add(point(0, {}, 10));
    s.add(point(1, {}, 500)); // one slow second
    s.add(point(2, {}, 10));
    s.add(point(3, {}, 10));
    s.add(point(4, {}, 10)); // fifth bucket: pairs merge
    const c = s.columns();
    assert.equal(s.bucketSeconds, 2);
    assert.deepEqual(c.x, [0, 2, 4]);
    assert.deepEqual(c.p99, [500, 10, 10]);
    assert.deepEqual(c.max, [505, 15, 15]);
    // Counts add up: 200 requests and 2 failures over 2 s.
    assert.deepEqual(c.rps, [100, 100, 100]);
    assert.deepEqual(c.failuresPerSecond, [1, 1, 1]);
    assert.deepEqual(c.errorPct, [1, 1, 1]);
  });

  it('a new second joins the last bucket until it is as wide as the others; replays are ignored', () => {
    const s = new mod.BoundedSeries(4);
    for (let i = 0; i < 5; i++) s.add(point(i));
    assert.equal(s.add(point(3)), false, 'a second already seen');
    s.add(point(5, { requests: 300, vus: 9 }));
    const c = s.columns();
    assert.deepEqual(c.x, [0, 2, 4]);
    // Seconds 4 and 5: (100 + 300) / 2 s, VUs the max of the two.
    assert.equal(c.rps[2], 200);
    assert.equal(c.vus[2], 9);
    // A partial bucket shows a rate over the seconds it holds, not over its full width.
    s.add(point(6, { requests: 40 }));
    assert.equal(s.columns().rps[3], 40);
  });
});
