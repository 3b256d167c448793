/**
 * A worker thread: runs its execution segment of every scenario and ships one flush of metric
 * points per second (plus a final one) to the main thread, which sees it as a ThreadGenerator
 * (thread-generator.ts). Never prints, never exits the process.
 */
import { dirname, resolve } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { now } from '../../engine/clock.js';
import { HealthSampler } from '../../engine/health.js';
import { GENERATOR_PROTOCOL_VERSION, type WorkerFlush, type WorkerInflight } from '../../engine/protocol.js';
import { ExecutionSegment, SegmentSequence } from '../../executors/segments.js';
import { ScenarioStop } from '../../engine/stop.js';
import { IterationCounter } from '../../executors/common.js';
import { executorFor } from '../../executors/registry.js';
import type {
  ControlChange,
  ExecutorContext,
  IterationInfo,
  NormalizedScenario,
  Vu,
} from '../../executors/types.js';
import { BUILTIN_BY_NAME, type MetricDefinition } from '../../metrics/definitions.js';
import { type CounterSeries, type GaugeSeries, MetricSink, type TrendSeries } from '../../metrics/sink.js';
import type { ProtocolClient } from '../../protocols/module.js';
import { VuInterruptedError } from '../../protocols/vu-interrupted.js';
import { VuClients, WorkerProtocols } from '../../protocols/worker-protocols.js';
import { dataRegistry } from '../../script/data-access.js';
import { ScriptErrorLog } from '../../script/error-log.js';
import { forbidProcessExit } from '../../script/exit-guard.js';
import { importTestModule } from '../../loader/import-test.js';
import { scriptPathOf, type TestModule } from '../../script/load.js';
import { threadState } from '../../script/thread-state.js';
import { ScriptScenario, type ScriptVu, type VuHost } from '../../script/vu-runtime.js';
import { localScriptRef } from '../../script/bundle.js';
import type { MainToWorker, ThreadInit, WorkerToMain } from './messages.js';

const init = workerData as ThreadInit;
const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
if (init.protocol !== GENERATOR_PROTOCOL_VERSION)
  throw new Error(`generator protocol ${init.protocol} is not ${GENERATOR_PROTOCOL_VERSION}`);

const send = (msg: WorkerToMain): void => port.postMessage(msg);
const def = (name: string): MetricDefinition => BUILTIN_BY_NAME.get(name) as MetricDefinition;

const sink = new MetricSink();
const health = new HealthSampler();
if (init.segmentCount !== 1)
  throw new Error(
    `a worker thread owns one unit segment, not ${init.segmentCount} (an agent deals its units to its threads)`,
  );
const sequence = new SegmentSequence(init.segmentBoundaries);
const segment: ExecutionSegment = sequence.segment(init.segmentIndex);
/** VU ids are striped like iteration numbers: unique across workers, from 1. */
const vuIndex = new IterationCounter(segment);

const errorLog = new ScriptErrorLog();

/** Iterations started since the last flush, per scenario: the summary's exact `started`. */
let startedSinceFlush: Record<string, number> = {};

/**
 * Requests sent and not answered yet: a target that stops answering shows as a growing in-flight
 * count and age, not as a quiet "0 req/s". Each request holds a slot (its start time in a typed
 * array, slots reused through a free list) until its promise settles; the oldest is found by a
 * scan once per flush. A Map keyed by a request counter, with a closure per settle path, cost
 * about 1 µs per request (4–5% of a worker at 40,000 requests/s); this costs about a quarter.
 */
class InflightRequests {
  /** Start time (ms, `now()`) per slot; NaN = free. */
  private starts = new Float64Array(64).fill(NaN);
  private readonly free: number[] = [];
  /** Slots ever used: the scan's end. */
  private used = 0;
  private count = 0;

  track<T>(p: Promise<T>): Promise<T> {
    const slot = this.free.length > 0 ? (this.free.pop() as number) : this.grow();
    this.starts[slot] = now();
    this.count++;
    return p.then(
      (v) => {
        this.release(slot);
        return v;
      },
      (err: unknown) => {
        this.release(slot);
        throw err;
      },
    );
  }

  private grow(): number {
    if (this.used === this.starts.length) {
      const bigger = new Float64Array(this.starts.length * 2).fill(NaN);
      bigger.set(this.starts);
      this.starts = bigger;
    }
    return this.used++;
  }

  private release(slot: number): void {
    this.starts[slot] = NaN;
    this.free.push(slot);
    this.count--;
  }

  sample(): WorkerInflight {
    let oldest = Infinity;
    const starts = this.starts;
    for (let i = 0; i < this.used; i++) {
      const t = starts[i] as number;
      if (t < oldest) oldest = t; // NaN (free) never compares below
    }
    const oldestAgeMs = oldest === Infinity ? 0 : Math.max(0, Math.round(now() - oldest));
    return { requests: this.count, oldestAgeMs };
  }
}
const inflight = new InflightRequests();

/** One flush's worth of everything the worker measured since the previous one. */
function drain(second: number): WorkerFlush {
  const started = startedSinceFlush;
  startedSinceFlush = {};
  return {
    second,
    points: sink.flush(),
    health: health.sample(),
    errors: errorLog.drain(),
    started,
    inflight: inflight.sample(),
  };
}

// A script calling process.exit would end this thread, and its share of the load with it, silently:
// the call throws instead (at load, a load error; in an iteration, an iteration error).
let exitRefused = false;
forbidProcessExit(process, 'test script', (code) => {
  if (!exitRefused) send({ type: 'exit-refused', code });
  exitRefused = true;
});

/** Script mode: the test module, imported in this thread before the worker reports ready. */
let testModule: TestModule | undefined;
/** Removes the bundle this thread wrote, if it had to write one (see localScriptRef). */
let disposeScript = (): void => {};
if (init.script) {
  // Stack traces of user errors point at the user's TypeScript, through the bundle's inline source map.
  process.setSourceMapsEnabled(true);
  // `-e KEY=VALUE`: this thread's process.env is the script's environment.
  // eslint-disable-next-line no-restricted-properties
  Object.assign(process.env, init.script.env);
  threadState.sink = sink;
  // The registry resolves paths against the script's folder: set it before seeding, so the data
  // the main thread loaded is found under the same keys and never read again.
  const local = localScriptRef(init.script);
  disposeScript = local.dispose;
  threadState.scriptDir = dirname(resolve(scriptPathOf(local.ref)));
  dataRegistry().seed(init.shared);
  // eslint-disable-next-line no-restricted-properties
  testModule = await importTestModule(local.ref, process.env);
}

/** The protocol modules, bound to this worker: every VU's clients come from them. */
const protocols = new WorkerProtocols(
  init.protocols,
  { sink, track: (p) => inflight.track(p), maxEndpoints: init.maxEndpoints },
  init.quick,
);

// What the protocols' clients need (libraries) loads before the run, not in a request's time.
protocols.prepare(init.script !== undefined);

/** A run VU's protocol clients. */
const vuClients = (): VuClients => new VuClients(protocols);

class WorkerVu implements Vu, VuHost {
  interrupted = false;
  /** The VU's protocol clients, each made on its first use. */
  readonly clients: VuClients;
  /** Script mode: the VU's script side (context, state, scope). */
  script: ScriptVu | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  /** A script's sleep (strict) is woken by rejecting: the interrupted VU's code unwinds. */
  private cut: ((err: VuInterruptedError) => void) | undefined;
  /** Set while an iteration runs: ends the wait for it when the VU is interrupted (a hung iteration). */
  abandon: (() => void) | undefined;
  /** `clients`: a rehearsing VU's lead to the stand-in target. */
  constructor(
    readonly id: number,
    clients: VuClients = vuClients(),
  ) {
    this.clients = clients;
  }

  client(slot: number): ProtocolClient {
    return this.clients.get(slot);
  }

  sleep(ms: number, strict = false): Promise<void> {
    if (this.interrupted) return strict ? Promise.reject(new VuInterruptedError()) : Promise.resolve();
    if (!(ms > 0)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.wake = resolve;
      this.cut = strict ? reject : undefined;
      this.sleepTimer = setTimeout(() => {
        if (this.wake === resolve) this.wake = this.cut = undefined;
        resolve();
      }, ms);
    });
  }

  interrupt(): void {
    this.interrupted = true;
    this.clients.close();
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    const wake = this.wake;
    const cut = this.cut;
    this.wake = this.cut = undefined;
    if (cut) cut(new VuInterruptedError());
    else wake?.();
    this.abandon?.();
  }
}

/**
 * The warm-up before the start instant (quick mode, open-loop scenarios): while the coordinator
 * waits for every worker's `ready`, each worker first, at rates where cold code falls behind (from
 * REHEARSAL_MIN_RATE per worker), holds a dress rehearsal (`rehearse`: the scenario itself — its
 * executor, schedule, VU pool, iteration and record path, the same code the run executes —
 * against a stand-in target on loopback inside the worker), so that all of it runs compiled (JIT)
 * from the first arrival; what the rehearsal records is dropped. Then it makes the VUs its share
 * of the rate needs (rate x WARM_LATENCY_MS, at least WARM_MIN_VUS, at most preAllocatedVUs) and
 * opens their keep-alive connections. The first second then neither opens connections, nor grows
 * the pool, nor runs cold code on the clock. The target sees connections, no requests.
 * docs/executors.md#scheduling-accuracy; measured in docs/benchmarks.md.
 */
const WARM_LATENCY_MS = 5;
const WARM_MIN_VUS = 4;
/** The warm-up never holds the start back longer than this (a target slow to accept). */
const WARM_TIMEOUT_MS = 2000;
const REHEARSAL_MIN_RATE = 1000;
/** The rehearsal's burst: this many iterations back to back, on this many VUs, for at most this long. */
const REHEARSAL_BURST = 5000;
const REHEARSAL_LANES = 8;
const REHEARSAL_BURST_BUDGET_MS = 1000;
/** Then this much of the scenario's schedule. */
const REHEARSAL_MS = 500;
/** Iterations still in flight at the rehearsal's end get this long (a stand-in answers at once). */
const REHEARSAL_GRACE_MS = 200;
/** Per scenario: the warmed VUs, in the order the executor's pool takes them. */
const warmVus = new Map<string, WorkerVu[]>();

async function warmUp(): Promise<void> {
  if (testModule || !init.quick) return;
  const warming: { scenario: NormalizedScenario; count: number }[] = [];
  let rehearsal: { scenario: NormalizedScenario; peakPerSec: number; vus: number } | undefined;
  for (const global of init.scenarios) {
    const executor = executorFor(global.executor);
    const plan = executor.plan(global);
    if (!plan.openLoop) continue;
    const scenario = executor.split(global, segment);
    const peakPerSec = Math.max(0, ...plan.steps.map((s) => s.ratePerSec ?? 0)) * segment.share;
    const need = Math.ceil((peakPerSec * WARM_LATENCY_MS) / 1000);
    const count = Math.min(scenario.preAllocatedVUs, Math.max(WARM_MIN_VUS, need));
    warming.push({ scenario, count });
    if (peakPerSec >= REHEARSAL_MIN_RATE && peakPerSec > (rehearsal?.peakPerSec ?? 0))
      rehearsal = { scenario: global, peakPerSec, vus: count };
  }
  if (warming.length === 0) return;
  // The rehearsal first: VUs made after it have the object layouts it settled (V8 migrates, with
  // a deoptimisation, objects made before a layout changed), so the run's first VUs are made now.
  if (rehearsal) await rehearse(rehearsal.scenario, rehearsal.vus);
  const opening: Promise<void>[] = [];
  for (const { scenario, count } of warming) {
    const vus: WorkerVu[] = [];
    for (let k = 0; k < count; k++) {
      const vu = new WorkerVu(vuIndex.next() + 1);
      vus.push(vu);
      opening.push(protocols.quickConnect(vu.clients));
    }
    warmVus.set(scenario.name, vus);
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(opening),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, WARM_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
}

/**
 * Rehearses a scenario against a stand-in target: a burst of REHEARSAL_BURST iterations, then the
 * first REHEARSAL_MS of its schedule through its own executor, on a `ScenarioContext` as the run's
 * (the same runtime, the same code); drops all it recorded. Its VUs are its own (their connections
 * lead to the stand-in; `warmCount` of them open before, as the run's warmed ones) and never
 * counted as the run's.
 */
async function rehearse(global: NormalizedScenario, warmCount: number): Promise<void> {
  const stand = await protocols.quickRehearsal();
  if (!stand) return;
  const executor = executorFor(global.executor);
  const scenario = executor.split(global, segment);
  const runtime = quickRuntime(scenario);
  const ids = new IterationCounter(segment);
  const live = new Set<WorkerVu>();
  const clients = stand.clients;
  /** VUs with their connections open, as the run's warmed ones are (the same first-request path). */
  const connected = async (count: number): Promise<WorkerVu[]> => {
    const vus = Array.from({ length: count }, () => new WorkerVu(ids.next() + 1, clients()));
    await Promise.all(vus.map((vu) => protocols.quickConnect(vu.clients)));
    return vus;
  };
  const setting = (startAtMs: number, stop: ScenarioStop, warm: WorkerVu[]): ScenarioSetting => ({
    startAtMs,
    stop,
    runtime,
    warm,
    ids,
    clients,
    onControl: () => {},
  });
  let stop = new ScenarioStop(Infinity, Infinity, now);
  try {
    // First a burst: iterations back to back on a few VUs, so the iteration path crosses V8's
    // threshold for optimising; then the schedule itself, so the executor's own path does too.
    const burst = new ScenarioContext(scenario, live, setting(now(), stop, await connected(REHEARSAL_LANES)));
    const deadline = now() + REHEARSAL_BURST_BUDGET_MS;
    let left = REHEARSAL_BURST;
    const lane = async (): Promise<void> => {
      const vu = burst.newVu();
      while (left-- > 0 && now() < deadline)
        await burst.runIteration(vu, { iteration: 0, intendedAtMs: now() });
      burst.retireVu(vu);
    };
    await Promise.all(Array.from({ length: REHEARSAL_LANES }, lane));
    stop.dispose();
    const warm = await connected(warmCount);
    const startAtMs = now();
    stop = new ScenarioStop(startAtMs + REHEARSAL_MS, startAtMs + REHEARSAL_MS + REHEARSAL_GRACE_MS, now);
    await executor.run(new ScenarioContext(scenario, live, setting(startAtMs, stop, warm)));
  } finally {
    for (const vu of live) vu.interrupt();
    stop.dispose();
    await stand.close();
    // Nothing of the rehearsal reaches the run: its samples, its event-loop health, its errors.
    sink.flush();
    health.sample();
    errorLog.drain();
    startedSinceFlush = {};
  }
}

/**
 * One iteration on a VU; resolves to the think time (ms) the VU waits before its next one, or (a
 * runtime that does not think) to anything, or returns a value or throws when it ran synchronously.
 */
type Iterate = (vu: WorkerVu, info: IterationInfo) => unknown;

interface ScenarioRuntime {
  iterate: Iterate;
  /** Whether `iterate` resolves to a think time (false: whatever it resolves to is ignored). */
  thinks: boolean;
  /** Prepares a new VU (script mode: its context). */
  init(vu: WorkerVu): void;
  /** A VU leaves; resolves when its last work (a user's onStop) ended. */
  retire(vu: WorkerVu): Promise<void> | undefined;
  /** After the executor returned: waits for what retiring VUs still run, up to the hard stop. */
  settle(stop: ScenarioStop, live: ReadonlySet<WorkerVu>): Promise<void>;
}

/** Quick mode's runtime per scenario: made once, so the rehearsal runs the run's very closures. */
const quickRuntimes = new Map<string, ScenarioRuntime>();

/** Quick mode's iteration: the quick protocol module's, on the VU's client of that module. */
function quickRuntime(scenario: NormalizedScenario): ScenarioRuntime {
  const made = quickRuntimes.get(scenario.name);
  if (made) return made;
  const { slot, iterate } = protocols.quickIteration({
    ...init.tags,
    ...scenario.tags,
    scenario: scenario.name,
  });
  const runtime: ScenarioRuntime = {
    iterate: (vu, info) => iterate(vu.clients.get(slot), vu, info.iteration),
    thinks: true,
    init: () => {},
    retire: () => undefined,
    settle: async () => {},
  };
  quickRuntimes.set(scenario.name, runtime);
  return runtime;
}

/** Script mode: the scenario's exec or user, from the module this worker imported. */
function scriptRuntime(scenario: NormalizedScenario, module: TestModule, openLoop: boolean): ScenarioRuntime {
  const def = module.definition;
  const rt = new ScriptScenario({
    definition: def,
    exports: module.exports,
    trackVu: init.script?.ref.kind === 'bundle' && init.script.ref.trackVu,
    scenario: scenario.name,
    baseTags: { ...init.tags, ...scenario.tags, scenario: scenario.name },
    openLoop,
    protocols: protocols.scriptApis({
      scenario: scenario.name,
      definition: def as unknown as Record<string, unknown>,
    }),
    setupData: init.script?.setupData,
    sink,
    now,
  });
  return {
    iterate: rt.thinks
      ? (vu, info) => rt.iterate(vu.script as ScriptVu, info.iteration) as Promise<number>
      : (vu, info) => rt.iterate(vu.script as ScriptVu, info.iteration),
    thinks: rt.thinks,
    init: (vu) => {
      vu.script = rt.newVu(vu.id, vu);
    },
    retire: (vu) => rt.retire(vu.script as ScriptVu, (err) => errorLog.record(scenario.name, err)),
    settle: (stop, live) =>
      rt.settle(stop.untilHard(), () => {
        for (const vu of live) vu.interrupt();
      }),
  };
}

const controlListeners = new Map<string, ((c: ControlChange) => void)[]>();
/** The latest live change per scenario, replayed to an executor that starts listening after it came. */
const lastControl = new Map<string, ControlChange>();
const stops: ScenarioStop[] = [];
let externalStopGraceMs: number | undefined;

/** What differs between a scenario's run and its rehearsal. */
interface ScenarioSetting {
  startAtMs: number;
  stop: ScenarioStop;
  runtime: ScenarioRuntime;
  /** VUs made before (the run's warmed ones): the first the pool takes. */
  warm: WorkerVu[];
  /** Ids of new VUs (the run's are run-wide). */
  ids: IterationCounter;
  /** A new VU's protocol clients (a rehearsal's lead to the stand-in target). */
  clients: () => VuClients;
  onControl: ExecutorContext['onControl'];
}

/**
 * The context an executor runs a scenario in: its VUs, its iterations and what they record. A class,
 * not an object of closures: the run and the rehearsal each make one, and call the same prototype
 * methods (V8's optimised code for the executor calls a known function; a fresh closure for the
 * run would throw away, at the start instant, what the rehearsal compiled).
 */
class ScenarioContext implements ExecutorContext {
  readonly segment = segment;
  readonly now = now;
  readonly preciseSchedule = init.preciseSchedule;
  readonly startAtMs: number;
  readonly stop: ScenarioStop;
  private readonly runtime: ScenarioRuntime;
  private readonly warm: WorkerVu[];
  private readonly ids: IterationCounter;
  private readonly clients: () => VuClients;
  private readonly control: ExecutorContext['onControl'];
  private readonly iterations: CounterSeries;
  private readonly iterationDuration: TrendSeries;
  private readonly iterationLatency: TrendSeries;
  private readonly scheduleLag: TrendSeries;
  private readonly droppedIterations: CounterSeries;
  private readonly interrupted: CounterSeries;
  private readonly iterationErrors: CounterSeries;
  private readonly vus: GaugeSeries;
  private readonly vusMax: GaugeSeries;

  constructor(
    readonly scenario: NormalizedScenario,
    /** VUs not yet closed (script VUs stay here until their onStop ended). */
    private readonly live: Set<WorkerVu>,
    setting: ScenarioSetting,
  ) {
    this.startAtMs = setting.startAtMs;
    this.stop = setting.stop;
    this.runtime = setting.runtime;
    this.warm = setting.warm;
    this.ids = setting.ids;
    this.clients = setting.clients;
    this.control = setting.onControl;
    const tags = { ...init.tags, ...scenario.tags, scenario: scenario.name };
    this.iterations = sink.counter(def('iterations'), tags);
    this.iterationDuration = sink.trend(def('iteration_duration'), tags);
    this.iterationLatency = sink.trend(def('iteration_latency'), tags);
    this.scheduleLag = sink.trend(def('schedule_lag'), tags);
    this.droppedIterations = sink.counter(def('dropped_iterations'), tags);
    this.interrupted = sink.counter(def('interrupted_iterations'), tags);
    this.iterationErrors = sink.counter(def('iteration_errors'), tags);
    this.vus = sink.gauge(def('vus'), tags);
    this.vusMax = sink.gauge(def('vus_max'), tags);
  }

  newVu(): WorkerVu {
    const vu = this.warm.shift() ?? new WorkerVu(this.ids.next() + 1, this.clients());
    this.runtime.init(vu);
    this.live.add(vu);
    return vu;
  }

  retireVu(v: Vu): void {
    const vu = v as WorkerVu;
    const last = this.runtime.retire(vu);
    const close = (): void => {
      vu.clients.close();
      this.live.delete(vu);
    };
    if (last) void last.then(close);
    else close();
  }

  interruptVu(vu: Vu): void {
    (vu as WorkerVu).interrupt();
  }

  async runIteration(v: Vu, info: IterationInfo): Promise<void> {
    const vu = v as WorkerVu;
    const { runtime, scenario } = this;
    const t0 = now();
    let thinkMs = 0;
    startedSinceFlush[scenario.name] = (startedSinceFlush[scenario.name] ?? 0) + 1;
    try {
      // An iteration that never settles (a promise nobody resolves) is abandoned when the VU is
      // interrupted at the hard stop: it counts as interrupted and the worker can still finish.
      // A native promise is passed through as it is; a synchronous exec's value is wrapped.
      const running = Promise.resolve(runtime.iterate(vu, info));
      const value = await new Promise<unknown>((resolve, reject) => {
        vu.abandon = () => resolve(0);
        running.then(resolve, reject);
      });
      if (runtime.thinks) thinkMs = value as number;
    } catch (err) {
      // A failing iteration is counted (and, for scripts, its error logged), never fatal: the run goes on.
      if (!vu.interrupted && !(err instanceof VuInterruptedError)) {
        this.iterationErrors.add(1);
        if (testModule) errorLog.record(scenario.name, err);
      }
    } finally {
      vu.abandon = undefined;
    }
    if (vu.interrupted) {
      this.interrupted.add(1);
      return;
    }
    const t1 = now();
    this.iterations.add(1);
    this.iterationDuration.add((t1 - t0) * 1000);
    if (info.intendedAtMs !== undefined) this.iterationLatency.add((t1 - info.intendedAtMs) * 1000);
    // Think time is the VU's pause, not its work: outside iteration_duration, and never past the
    // end of the scenario's start window (no iteration could start after it anyway).
    if (thinkMs > 0) await vu.sleep(Math.min(thinkMs, this.stop.endAtMs - now()));
  }

  dropped(n: number): void {
    this.droppedIterations.add(n);
  }

  scheduleLagUs(us: number): void {
    this.scheduleLag.add(us);
  }

  setActiveVus(active: number, allocated: number): void {
    this.vus.set(active);
    this.vusMax.set(allocated);
  }

  onControl(cb: (c: ControlChange) => void): void {
    this.control(cb);
  }
}

async function runScenario(global: NormalizedScenario, runStartAtMs: number): Promise<void> {
  const executor = executorFor(global.executor);
  const scenario = executor.split(global, segment);
  const plan = executor.plan(global);
  const startAtMs = runStartAtMs + scenario.startTimeMs;
  const stop = new ScenarioStop(
    startAtMs + plan.durationMs,
    startAtMs + plan.durationMs + scenario.gracefulStopMs,
    now,
  );
  stops.push(stop);
  if (externalStopGraceMs !== undefined) stop.stopNow(externalStopGraceMs);
  const tags = { ...init.tags, ...scenario.tags, scenario: scenario.name };
  const vus = sink.gauge(def('vus'), tags);
  vus.set(0);
  sink.gauge(def('vus_max'), tags).set(0);
  const runtime = testModule ? scriptRuntime(scenario, testModule, plan.openLoop) : quickRuntime(scenario);
  /** The VUs warmed for this scenario before the start (quick mode, open loop): the pool's first. */
  const warm = warmVus.get(scenario.name) ?? [];
  warmVus.delete(scenario.name);
  /** VUs not yet closed (script VUs stay here until their onStop ended). */
  const live = new Set<WorkerVu>();
  const ctx = new ScenarioContext(scenario, live, {
    startAtMs,
    stop,
    runtime,
    warm,
    ids: vuIndex,
    clients: vuClients,
    onControl: (cb) => {
      const list = controlListeners.get(scenario.name) ?? [];
      list.push(cb);
      controlListeners.set(scenario.name, list);
      const last = lastControl.get(scenario.name);
      if (last) cb({ ...last, atMs: Math.max(last.atMs, now()) });
    },
  });
  const wait = startAtMs - now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  if (now() < stop.endAtMs) await executor.run(ctx);
  // Warmed VUs the executor never took (stopped before it started) close their connections.
  for (const vu of warm.splice(0)) vu.clients.close();
  await runtime.settle(stop, live);
  vus.set(0);
  stop.dispose();
}

let runStart = 0;
let flushTimer: NodeJS.Timeout | undefined;
let lastFlushedSecond = -1;
const secondAt = (t: number): number => Math.max(0, Math.floor((t - runStart) / 1000));

function scheduleFlush(): void {
  const next = runStart + (secondAt(now()) + 1) * 1000;
  flushTimer = setTimeout(
    () => {
      // Everything recorded until now belongs to the second that just ended.
      lastFlushedSecond = secondAt(now()) - 1;
      send({ type: 'flush', ...drain(lastFlushedSecond) });
      scheduleFlush();
    },
    Math.max(0, next - now() + 2),
  );
}

port.on('message', (msg: MainToWorker) => {
  switch (msg.type) {
    case 'start': {
      runStart = msg.runStartAtMs;
      const delay = Math.max(0, runStart - now());
      setTimeout(() => {
        scheduleFlush();
        const finish = (): void => {
          if (flushTimer) clearTimeout(flushTimer);
          // If the boundary flush has not run yet, what is left belongs to the second that just ended.
          const cur = secondAt(now());
          const second = cur - 1 > lastFlushedSecond ? cur - 1 : cur;
          send({ type: 'done', ...drain(second) });
          health.close();
          disposeScript();
          port.close();
        };
        Promise.all(init.scenarios.map((s) => runScenario(s, runStart)))
          .then(finish)
          .catch((err: unknown) => {
            // The engine failed (not the script): say so, and still hand back what was measured.
            send({ type: 'fatal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
            finish();
          });
      }, delay);
      break;
    }
    case 'stop':
      externalStopGraceMs = msg.graceMs;
      for (const s of stops) s.stopNow(msg.graceMs);
      break;
    case 'control': {
      // The change comes as ms since the run's start; the executors schedule on this clock.
      const { atRunMs, ...numbers } = msg.change;
      const change: ControlChange = { ...numbers, atMs: runStart + atRunMs };
      lastControl.set(msg.scenario, { ...lastControl.get(msg.scenario), ...change });
      for (const cb of controlListeners.get(msg.scenario) ?? []) cb(change);
      break;
    }
  }
});

// The warm-up only saves time on the clock: if it fails (a stand-in that cannot listen), the run
// starts cold, as it would without it, and the target's own errors show in the run.
await warmUp().catch(() => {});
send({ type: 'ready' });
