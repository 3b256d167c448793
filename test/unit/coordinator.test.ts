/**
 * The coordinator, the metrics engine and generator health, driven through TestRun with fake
 * generators: in-process objects that implement the Generator interface and report what a script
 * tells them to, when it tells them to — no threads. Timings are shortened so a test takes
 * seconds; the ones about silence need real run seconds (a second closes by the run's clock).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prepareTest } from '../../src/loader/prepare.js';
import type { ScenarioConfig, TestConfig, ThresholdSpec } from '../../src/config/types.js';
import { now } from '../../src/engine/clock.js';
import type { CoordinatorTimings } from '../../src/engine/coordinator.js';
import { GeneratorEmitter, type Generator, type GeneratorFatal } from '../../src/engine/generator.js';
import type { GeneratorControl, GeneratorSpec, WorkerFlush } from '../../src/engine/protocol.js';
import { TestRun, type RunResult } from '../../src/engine/run.js';
import type { Snapshot } from '../../src/engine/snapshot.js';
import type { SeriesPoint } from '../../src/metrics/wire.js';

/** What a fake does once started. Times are ms after the run's start instant. */
interface Behaviour {
  weight?: number;
  /** `hang`: init never settles; an Error: init rejects with it. */
  init?: 'ok' | 'hang' | Error;
  /** Seconds it reports (0..seconds-1); the last report is its `done`. */
  seconds?: number;
  /** Iterations it counts in each second. */
  perSecond?: number;
  /** When the report of second `s` is sent (default: 100 ms per second, so a run takes a fraction of real time). */
  reportAt?: (second: number) => number;
  /** After reporting this second, it fails (a terminal fatal) and says nothing more. */
  failAfter?: { second: number; fatal: GeneratorFatal };
  /** After reporting this second, it says nothing more: no done, no fatal (a hung generator). */
  silentAfter?: number;
  /** After reporting this second, its engine fails (a fatal that is not terminal); it goes on reporting. */
  engineFailsAfter?: number;
}

const iterationPoint = (n: number): SeriesPoint => ({
  metric: 'iterations',
  type: 'counter',
  contains: 'default',
  tags: { scenario: 'main' },
  sum: n,
  count: n,
  trues: 0,
  value: 0,
  min: 0,
  max: 0,
});

const report = (second: number, iterations: number): WorkerFlush => ({
  second,
  points: iterations > 0 ? [iterationPoint(iterations)] : [],
  health: { elu: 0.1, loopDelayP99Ms: 1, loopDelayMaxMs: 2, heapUsedMB: 10 },
  errors: [],
  started: { main: iterations },
  inflight: { requests: 0, oldestAgeMs: 0 },
});

/** Everything that happened, in order, across the fakes and the listeners. */
type Log = string[];

class FakeGenerator extends GeneratorEmitter implements Generator {
  readonly label: string;
  readonly weight: number;
  spec: GeneratorSpec | undefined;
  startAt: number | undefined;
  readonly stops: number[] = [];
  readonly controls: { scenario: string; change: GeneratorControl; at: number }[] = [];
  terminated = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private over = false;
  private nextSecond = 0;

  constructor(
    readonly index: number,
    private readonly b: Behaviour,
    private readonly log: Log,
  ) {
    super();
    this.label = `worker ${index}`;
    this.weight = b.weight ?? 1;
  }

  init(spec: GeneratorSpec): Promise<void> {
    this.spec = spec;
    if (this.b.init === 'hang') return new Promise<void>(() => {});
    if (this.b.init instanceof Error) return Promise.reject(this.b.init);
    return Promise.resolve();
  }

  start(runStartAtMs: number): void {
    this.startAt = runStartAtMs;
    const seconds = this.b.seconds ?? 3;
    const at = this.b.reportAt ?? ((s: number) => 100 * (s + 1));
    for (let s = 0; s < seconds; s++) {
      const wait = runStartAtMs + at(s) - now();
      this.timers.push(setTimeout(() => this.send(s, s === seconds - 1), Math.max(0, wait)));
    }
  }

  private send(second: number, last: boolean): void {
    if (this.over) return;
    this.nextSecond = second + 1;
    const r = report(second, this.b.perSecond ?? 10);
    this.log.push(`${this.label} reports ${second}`);
    if (last) this.finish(r);
    else this.emit('flush', r);
    if (this.b.failAfter?.second === second) {
      this.halt();
      this.emit('fatal', this.b.failAfter.fatal);
    }
    if (this.b.silentAfter === second) this.halt();
    if (this.b.engineFailsAfter === second)
      this.emit('fatal', {
        code: 'engine-failed',
        message: 'TypeError: plan is undefined',
        detail: 'TypeError: plan is undefined\n    at runScenario (worker.js:1:1)',
      });
  }

  private finish(r: WorkerFlush): void {
    this.halt();
    this.emit('done', r);
  }

  private halt(): void {
    this.over = true;
    for (const t of this.timers) clearTimeout(t);
  }

  control(scenario: string, change: GeneratorControl): void {
    this.controls.push({ scenario, change, at: now() });
  }

  stop(graceMs: number): void {
    this.stops.push(graceMs);
    // Like a thread: what is in flight ends within the grace, then the final report.
    if (!this.over && this.startAt !== undefined)
      this.timers.push(setTimeout(() => !this.over && this.finish(report(this.nextSecond, 0)), 20));
  }

  terminate(): Promise<void> {
    this.terminated = true;
    this.halt();
    return Promise.resolve();
  }
}

const FAST: Partial<CoordinatorTimings> = {
  watchdogGraceMs: 300,
  initTimeoutMs: 500,
  watchdogTickMs: 50,
};

interface Setup {
  generators: Behaviour[];
  scenario?: ScenarioConfig;
  thresholds?: Record<string, ThresholdSpec[]>;
  timings?: Partial<CoordinatorTimings>;
  /** Called once the run started (the fakes got their start). */
  during?: (run: TestRun) => void;
}

function config(s: Setup): TestConfig {
  return {
    scenarios: {
      main: s.scenario ?? { executor: 'constant-vus', vus: 10, duration: '1s', gracefulStop: '0s' },
    },
    thresholds: s.thresholds ?? {},
    request: { method: 'GET', url: 'http://127.0.0.1:9/', headers: {}, timeoutMs: 1000, maxRedirects: 0 },
    workers: s.generators.length,
    http: { fastPath: true, insecureSkipTLSVerify: false, http2: false },
    stopGraceMs: 1000,
    tags: {},
    windowSeconds: 10,
    preciseSchedule: false,
  };
}

async function runFakes(s: Setup): Promise<{
  result: RunResult;
  fakes: FakeGenerator[];
  snapshots: Snapshot[];
  log: Log;
  run: TestRun;
}> {
  const log: Log = [];
  const snapshots: Snapshot[] = [];
  const fakes: FakeGenerator[] = [];
  // The listener reaches the run it belongs to once it has started.
  const ref: { run?: TestRun } = {};
  const run = new TestRun(
    prepareTest(config(s)),
    [
      {
        onStart: () => setImmediate(() => s.during?.(ref.run as TestRun)),
        onSnapshot: (snap) => {
          snapshots.push(snap);
          log.push(`snapshot ${snap.second}`);
        },
      },
    ],
    'run-1',
    {
      generators: (count) => {
        assert.equal(count, s.generators.length, 'the run asks for the generators the test wants');
        for (const [i, b] of s.generators.entries()) fakes.push(new FakeGenerator(i, b, log));
        return fakes;
      },
      timings: { ...FAST, ...s.timings },
    },
  );
  ref.run = run;
  const result = await run.run();
  return { result, fakes, snapshots, log, run };
}

const iterations = (r: RunResult): number => r.aggregator.total('iterations')?.sum ?? 0;

describe('coordinator with fake generators', () => {
  it('runs every generator to its done: one start instant, exact totals, seconds in order', async () => {
    const { result, fakes, snapshots } = await runFakes({
      generators: [
        { seconds: 3, perSecond: 10 },
        { seconds: 3, perSecond: 7 },
      ],
    });
    assert.deepEqual(result.runErrors, []);
    assert.deepEqual(result.workerErrors, []);
    assert.equal(iterations(result), 3 * 10 + 3 * 7);
    assert.deepEqual(result.started, { main: 51 });
    const [a, b] = fakes as [FakeGenerator, FakeGenerator];
    assert.equal(a.startAt, b.startAt, 'one agreed start instant');
    assert.deepEqual(
      snapshots.map((x) => x.second),
      [0, 1, 2],
    );
    assert.deepEqual(
      snapshots.map((x) => x.iterations),
      [17, 17, 17],
    );
    assert.equal(result.generator.workers, 2);
    // Equal weights: today's equal segments, and each spec names its own.
    assert.deepEqual(a.spec?.segmentBoundaries, [
      { num: 0, den: 1 },
      { num: 1, den: 2 },
      { num: 1, den: 1 },
    ]);
    assert.equal(b.spec?.segmentIndex, 1);
  });

  it('a generator that fails mid-run: the run ends, the others keep their numbers, runErrors names the segment and second', async () => {
    const { result } = await runFakes({
      generators: [
        { seconds: 3, perSecond: 10 },
        {
          seconds: 3,
          perSecond: 5,
          failAfter: {
            second: 0,
            fatal: {
              code: 'crashed',
              message: 'Error: boom',
              detail: 'Error: boom\n    at iteration (script.ts:3:9)',
            },
          },
        },
      ],
    });
    assert.equal(
      iterations(result),
      3 * 10 + 5,
      'all of worker 0, and what worker 1 reported before it failed',
    );
    assert.equal(result.runErrors.length, 1);
    assert.match(
      result.runErrors[0] as string,
      /^worker 1 \(segment 1\/2-1, 50% of the load\) crashed at second \d+ \(Error: boom\): what it measured after second 1 is lost, and its share of the load was not sent after that$/,
    );
    assert.deepEqual(result.workerErrors, ['worker 1: Error: boom\n    at iteration (script.ts:3:9)']);
  });

  it('a generator that exits before its final report, and one whose engine failed but still reports', async () => {
    const { result } = await runFakes({
      generators: [
        {
          seconds: 3,
          perSecond: 4,
          failAfter: {
            second: 1,
            fatal: {
              code: 'exited',
              message: 'exited with code 0',
              detail: 'worker 0 exited with code 0',
              exitCode: 0,
            },
          },
        },
        { seconds: 2, perSecond: 3, engineFailsAfter: 0 },
      ],
    });
    assert.equal(iterations(result), 2 * 4 + 2 * 3, 'the engine failure lost nothing it reported');
    assert.equal(result.runErrors.length, 2);
    assert.match(
      result.runErrors.find((e) => e.startsWith('worker 0')) ?? '',
      /^worker 0 \(segment 0-1\/2, 50% of the load\) ended before its final report at second \d+: what it measured after second 2 is lost/,
    );
    assert.ok(
      result.runErrors.includes(
        'worker 1 (segment 1/2-1, 50% of the load) failed: TypeError: plan is undefined',
      ),
      result.runErrors.join('\n'),
    );
    // A clean exit is no worker error of its own; the engine failure is, with its stack.
    assert.deepEqual(result.workerErrors, [
      'worker 1: TypeError: plan is undefined\n    at runScenario (worker.js:1:1)',
    ]);
  });

  it('a generator that disappears (silent, no done) is terminated after its hard stop; the rest is kept', async () => {
    const t0 = now();
    const { result, fakes, snapshots } = await runFakes({
      generators: [
        { seconds: 2, perSecond: 10 },
        { seconds: 3, perSecond: 6, silentAfter: 0 },
      ],
      scenario: { executor: 'constant-vus', vus: 10, duration: '1s', gracefulStop: '0s' },
    });
    const tookMs = now() - t0;
    assert.ok(tookMs < 1000 + 300 + 1000, `terminated near the hard stop plus grace, took ${tookMs} ms`);
    assert.equal(fakes[1]?.terminated, true);
    assert.equal(fakes[0]?.terminated, false);
    assert.equal(iterations(result), 2 * 10 + 6);
    assert.deepEqual(result.workerErrors, ['worker 1 did not stop in time and was terminated']);
    assert.match(
      result.runErrors[0] as string,
      /^worker 1 \(segment 1\/2-1, 50% of the load\) was terminated at second \d+ \(still running 0.3s after its hard stop\): what it measured after second 1 is lost/,
    );
    // Second 1 waited for worker 1 until it was given up on, then closed with worker 0's numbers.
    assert.deepEqual(
      snapshots.map((s) => [s.second, s.iterations]),
      [
        [0, 16],
        [1, 10],
      ],
    );
  });

  it('a late report within the silence limit holds its second: the snapshot waits and carries it', async () => {
    const { result, snapshots, log } = await runFakes({
      generators: [
        { seconds: 3, perSecond: 10 },
        // Second 0's report comes 600 ms after worker 0's, the others on time.
        { seconds: 3, perSecond: 1, reportAt: (s) => (s === 0 ? 700 : 100 * (s + 1) + 700) },
      ],
    });
    assert.deepEqual(result.runErrors, []);
    const lateAt = log.indexOf('worker 1 reports 0');
    assert.ok(lateAt > log.indexOf('worker 0 reports 2'), 'the report was late indeed');
    assert.ok(log.indexOf('snapshot 0') > lateAt, `snapshot 0 came after the late report: ${log.join(', ')}`);
    assert.deepEqual(
      snapshots.map((s) => [s.second, s.iterations]),
      [
        [0, 11],
        [1, 11],
        [2, 11],
      ],
    );
  });

  it('a report later than the silence limit: the seconds close without it, in order, and it lands in the next open second', async () => {
    const { result, snapshots, log } = await runFakes({
      generators: [
        { seconds: 2, perSecond: 10, reportAt: (s) => 1000 * (s + 1) },
        { seconds: 2, perSecond: 3, reportAt: (s) => (s === 0 ? 4200 : 4300) },
      ],
      scenario: { executor: 'constant-vus', vus: 10, duration: '5s', gracefulStop: '0s' },
      timings: { silentMs: 1000 },
    });
    const lateAt = log.indexOf('worker 1 reports 0');
    const closed0 = log.indexOf('snapshot 0');
    assert.ok(closed0 >= 0 && closed0 < lateAt, `second 0 closed before the late report: ${log.join(', ')}`);
    const s0 = snapshots.find((s) => s.second === 0) as Snapshot;
    assert.equal(s0.iterations, 10, 'second 0 without the silent generator');
    assert.deepEqual(
      s0.generator.unresponsive.map((u) => u.worker),
      [1],
      'and it says which generator was not responding',
    );
    const seconds = snapshots.map((s) => s.second);
    assert.deepEqual(
      seconds,
      [...seconds].sort((a, b) => a - b),
      'seconds closed in order',
    );
    assert.equal(new Set(seconds).size, seconds.length, 'each second once');
    // Nothing dropped: the late numbers are filed under a later second.
    assert.equal(iterations(result), 2 * 10 + 2 * 3);
    assert.equal(
      snapshots.reduce((a, s) => a + s.iterations, 0),
      26,
    );
    assert.deepEqual(result.runErrors, []);
  });

  it('a generator that never starts (init hangs): the run fails within the init timeout and terminates the others', async () => {
    const log: Log = [];
    const fakes: FakeGenerator[] = [];
    const run = new TestRun(prepareTest(config({ generators: [{}, {}] })), [], 'run-2', {
      generators: () => {
        fakes.push(new FakeGenerator(0, {}, log), new FakeGenerator(1, { init: 'hang' }, log));
        return fakes;
      },
      timings: FAST,
    });
    const t0 = now();
    await assert.rejects(run.run(), (err: Error) => {
      assert.match(err.message, /^a worker failed to start: worker 1 did not become ready within 0.5s/);
      return true;
    });
    const tookMs = now() - t0;
    assert.ok(tookMs >= 450 && tookMs < 1500, `bounded by the init timeout: ${tookMs} ms`);
    assert.deepEqual(
      fakes.map((f) => f.terminated),
      [true, true],
    );
    assert.equal(fakes[0]?.startAt, undefined, 'nobody was started');
  });

  it('a generator whose init rejects: the run fails with its reason at once', async () => {
    const fakes: FakeGenerator[] = [];
    const run = new TestRun(prepareTest(config({ generators: [{}, {}] })), [], 'run-3', {
      generators: () => {
        fakes.push(
          new FakeGenerator(0, { init: 'hang' }, []),
          new FakeGenerator(1, { init: new Error('script.ts: the script threw while loading: nope') }, []),
        );
        return fakes;
      },
      timings: { ...FAST, initTimeoutMs: 10_000 },
    });
    const t0 = now();
    await assert.rejects(run.run(), (err: Error) => {
      assert.equal(err.message, 'a worker failed to start: script.ts: the script threw while loading: nope');
      return true;
    });
    assert.ok(now() - t0 < 1000, 'did not wait for the init timeout');
    assert.deepEqual(
      fakes.map((f) => f.terminated),
      [true, true],
    );
  });

  it('weights cut the segments: 8 and 2 give 4/5 and 1/5', async () => {
    const { result, fakes } = await runFakes({
      generators: [
        {
          weight: 8,
          seconds: 2,
          failAfter: {
            second: 0,
            fatal: { code: 'disconnected', message: 'connection reset', detail: 'agent a: connection reset' },
          },
        },
        { weight: 2, seconds: 2 },
      ],
    });
    // Unit segments (one per unit of weight): the first generator owns units 0-7 of 10.
    assert.equal(fakes[0]?.spec?.segmentBoundaries.length, 11);
    assert.equal(fakes[0]?.spec?.segmentIndex, 0);
    assert.equal(fakes[0]?.spec?.segmentCount, 8);
    assert.equal(fakes[1]?.spec?.segmentIndex, 8);
    assert.equal(fakes[1]?.spec?.segmentCount, 2);
    assert.deepEqual(
      result.generators.map((g) => [g.segment, g.state, g.weight]),
      [
        ['0-4/5', 'lost', 8],
        ['4/5-1', 'finished', 2],
      ],
    );
    assert.match(
      result.runErrors[0] as string,
      /^worker 0 \(segment 0-4\/5, 80% of the load\) was lost at second \d+ \(connection reset\)/,
    );
  });

  it('stop and control reach every generator; control is timed in ms since the run start', async () => {
    let controlledAt = 0;
    const { result, fakes } = await runFakes({
      generators: [{ seconds: 30 }, { seconds: 30 }],
      scenario: { executor: 'externally-controlled', vus: 2, maxVUs: 10, duration: '10s' },
      during: (run) => {
        setTimeout(() => {
          controlledAt = now();
          run.control('main', { vus: 6 });
          assert.throws(() => run.control('nope', { vus: 1 }), /'nope' is not externally-controlled/);
          setTimeout(() => run.stop('api', 'stopped by the test', 200), 50);
        }, 150);
      },
    });
    assert.deepEqual(result.aborted, { reason: 'api', detail: 'stopped by the test' });
    for (const f of fakes) {
      assert.equal(f.controls.length, 1);
      const c = f.controls[0] as FakeGenerator['controls'][number];
      assert.equal(c.scenario, 'main');
      assert.equal(c.change.vus, 6);
      const expected = controlledAt + 50 - (f.startAt as number);
      assert.ok(
        Math.abs(c.change.atRunMs - expected) < 5,
        `atRunMs ${c.change.atRunMs}, expected ~${expected}`,
      );
      assert.deepEqual(f.stops, [200]);
    }
    assert.equal(fakes[0]?.controls[0]?.change.atRunMs, fakes[1]?.controls[0]?.change.atRunMs);
  });

  it('a stop asked before the run starts reaches every generator right after the start', async () => {
    const fakes: FakeGenerator[] = [];
    const run = new TestRun(
      prepareTest(
        config({
          generators: [{}, {}],
          scenario: { executor: 'constant-vus', vus: 4, duration: '30s', gracefulStop: '0s' },
        }),
      ),
      [],
      'run-4',
      {
        generators: (count) => {
          for (let i = 0; i < count; i++) fakes.push(new FakeGenerator(i, { seconds: 300 }, []));
          return fakes;
        },
        timings: FAST,
      },
    );
    run.stop('api', 'stopped before it began', 300);
    run.stop('signal', 'a second stop keeps the first reason and the shorter grace', 100);
    const t0 = now();
    const result = await run.run();
    assert.ok(now() - t0 < 2000, 'not the planned 30 s');
    assert.deepEqual(result.aborted, { reason: 'api', detail: 'stopped before it began' });
    for (const f of fakes) {
      assert.ok(f.startAt !== undefined, 'started, then stopped');
      assert.deepEqual(f.stops, [100]);
    }
    assert.deepEqual(result.runErrors, []);
  });

  it('an abortOnFail threshold stops every generator (the metrics engine decides, the coordinator broadcasts)', async () => {
    const { result, fakes } = await runFakes({
      generators: [
        { seconds: 30, perSecond: 10 },
        { seconds: 30, perSecond: 10 },
      ],
      scenario: { executor: 'constant-vus', vus: 10, duration: '10s', gracefulStop: '0s' },
      thresholds: { iterations: [{ threshold: 'count<30', abortOnFail: true }] },
    });
    assert.equal(result.aborted?.reason, 'threshold');
    assert.match(result.aborted?.detail ?? '', /threshold 'iterations: count<30' failed with abortOnFail/);
    for (const f of fakes) assert.deepEqual(f.stops, [1000]);
    assert.ok(iterations(result) < 30 * 20, 'stopped long before the end');
    assert.equal(result.thresholds[0]?.ok, false);
  });
});
