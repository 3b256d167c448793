/** The agent's pure parts: weights under a capacity, the flush combiner, parts, the cgroup CPU limit, tag parsing. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { WorkerFlush } from '../../src/engine/protocol.js';
import { cgroupCpuLimit } from '../../src/generators/agent/agent-daemon.js';
import { agentWeights, matchesTags } from '../../src/generators/agent/agent-pool.js';
import { combineFlushes, FlushCombiner } from '../../src/generators/agent/flush-combiner.js';
import { splitParts } from '../../src/generators/agent/wire.js';
import type { AgentInfo } from '../../src/generators/agent/wire.js';
import { parseAgentCount, parseTagList } from '../../src/cli/agent-flags.js';

const flush = (second: number, reqs: number, elu = 0.5): WorkerFlush => ({
  second,
  points: [
    {
      metric: 'http_reqs',
      type: 'counter',
      contains: 'default',
      tags: {},
      sum: reqs,
      count: reqs,
      trues: 0,
      value: 0,
      min: 0,
      max: 0,
    },
  ],
  health: { elu, loopDelayP99Ms: elu * 10, loopDelayMaxMs: elu * 20, heapUsedMB: 10 },
  errors: [],
  started: { s: reqs },
  inflight: { requests: 1, oldestAgeMs: second },
});

const reqs = (f: WorkerFlush): number => f.points.reduce((a, p) => a + p.sum, 0);

describe('agentWeights', () => {
  it('keeps every thread when the test has room', () => {
    assert.deepEqual(agentWeights([2, 4, 1], 100), [2, 4, 1]);
  });
  it('scales down to the capacity, at least one each, largest remainder', () => {
    const w = agentWeights([8, 2], 5);
    assert.equal(
      w.reduce((a, x) => a + x, 0),
      5,
    );
    assert.deepEqual(w, [4, 1]);
  });
  it('leaves out agents beyond a capacity smaller than their number', () => {
    assert.deepEqual(agentWeights([2, 2, 2], 2), [1, 1, 0]);
  });
});

describe('FlushCombiner', () => {
  it('sends one report per second once every live thread has reported it, then one done', () => {
    const out: [string, WorkerFlush][] = [];
    const c = new FlushCombiner(2, (kind, f) => out.push([kind, f]));
    c.flush(0, flush(0, 10));
    assert.equal(out.length, 0, 'waits for the other thread');
    c.flush(1, flush(0, 5));
    assert.deepEqual(
      out.map(([k, f]) => [k, f.second, reqs(f)]),
      [['flush', 0, 15]],
    );
    c.flush(1, flush(1, 7));
    c.done(0, flush(1, 3));
    // Thread 0 ended: second 1 no longer waits for it.
    assert.deepEqual(
      out.map(([k, f]) => [k, f.second, reqs(f)]),
      [
        ['flush', 0, 15],
        ['flush', 1, 7],
      ],
    );
    c.done(1, flush(2, 1));
    const last = out[out.length - 1] as [string, WorkerFlush];
    assert.equal(last[0], 'done');
    assert.equal(reqs(last[1]), 4, "both threads' final reports");
  });
  it('a thread two seconds behind no longer holds the report back', () => {
    const out: WorkerFlush[] = [];
    const c = new FlushCombiner(2, (_k, f) => out.push(f));
    c.flush(0, flush(0, 1));
    c.flush(0, flush(1, 1));
    assert.equal(out.length, 0);
    c.flush(0, flush(2, 1));
    assert.deepEqual(
      out.map((f) => f.second),
      [0],
    );
  });
  it('a lost thread ends like a done one, without its final report', () => {
    const out: string[] = [];
    const c = new FlushCombiner(2, (k) => out.push(k));
    c.flush(0, flush(0, 1));
    c.lost(1);
    c.done(0, flush(0, 1));
    assert.deepEqual(out, ['flush', 'done']);
  });
  it('combines: points concatenated, counts summed, health at its worst', () => {
    const f = combineFlushes([flush(3, 2, 0.2), flush(4, 5, 0.9)]);
    assert.equal(f.second, 4);
    assert.equal(f.points.length, 2);
    assert.deepEqual(f.started, { s: 7 });
    assert.equal(f.health.elu, 0.9);
    assert.equal(f.health.heapUsedMB, 20);
    assert.deepEqual(f.inflight, { requests: 2, oldestAgeMs: 4 });
  });
});

describe('wire and flags', () => {
  it('splitParts cuts and joins back', () => {
    const text = 'x'.repeat(1000) + 'é'.repeat(10);
    const parts = splitParts(text, 300);
    assert.equal(parts.length, 4);
    assert.equal(parts.join(''), text);
    assert.deepEqual(splitParts(''), ['']);
  });
  it('cgroupCpuLimit reads cpu.max', () => {
    const dir = mkdtempSync(join(tmpdir(), 'volley-cgroup-'));
    try {
      const f = join(dir, 'cpu.max');
      writeFileSync(f, '250000 100000\n');
      assert.equal(cgroupCpuLimit(f), 3);
      writeFileSync(f, 'max 100000\n');
      assert.equal(cgroupCpuLimit(f), undefined);
      assert.equal(cgroupCpuLimit(join(dir, 'missing')), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('tags: parsed, matched, and a malformed pair named', () => {
    assert.deepEqual(parseTagList('zone=eu, size=large', '--tags'), { zone: 'eu', size: 'large' });
    assert.throws(() => parseTagList('zone', '--tags'), /--tags: 'zone' is not key=value/);
    const agent = { tags: { zone: 'eu', size: 'large' } } as unknown as AgentInfo;
    assert.equal(matchesTags(agent, { zone: 'eu' }), true);
    assert.equal(matchesTags(agent, { zone: 'us' }), false);
  });
  it('--agents: a count or all', () => {
    assert.equal(parseAgentCount(undefined), 'all');
    assert.equal(parseAgentCount('3'), 3);
    assert.throws(() => parseAgentCount('0'), /--agents must be an integer >= 1 or all/);
  });
});
