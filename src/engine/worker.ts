/**
 * A worker thread: runs its execution segment of every scenario and ships one flush of metric
 * points per second (plus a final one) to the main thread. Never prints, never exits the process.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { now } from './clock.js';
import { HealthSampler } from './health.js';
import {
  WORKER_PROTOCOL_VERSION,
  type MainToWorker,
  type WorkerInit,
  type WorkerToMain,
} from './protocol.js';
import { ExecutionSegment, SegmentSequence } from './segments.js';
import { ScenarioStop } from './stop.js';
import { IterationCounter } from '../executors/common.js';
import { executorFor } from '../executors/registry.js';
import type {
  ControlChange,
  ExecutorContext,
  IterationInfo,
  NormalizedScenario,
  Vu,
} from '../executors/types.js';
import { BUILTIN_BY_NAME, type MetricDefinition } from '../metrics/definitions.js';
import { HttpRecorder } from '../metrics/http-recorder.js';
import { MetricSink } from '../metrics/sink.js';
import { endpointName } from '../metrics/tags.js';
import { createHttpConnection } from '../protocols/http/connection.js';
import type { HttpConnection, HttpRequestSpec } from '../protocols/http/types.js';

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
if (init.protocol !== WORKER_PROTOCOL_VERSION)
  throw new Error(`worker protocol ${init.protocol} is not ${WORKER_PROTOCOL_VERSION}`);

const send = (msg: WorkerToMain): void => port.postMessage(msg);
const def = (name: string): MetricDefinition => BUILTIN_BY_NAME.get(name) as MetricDefinition;

const sink = new MetricSink();
const http = new HttpRecorder(sink, init.maxEndpoints);
const health = new HealthSampler();
const sequence = new SegmentSequence(init.segmentBoundaries);
const segment: ExecutionSegment = sequence.segment(init.segmentIndex);
/** VU ids are striped like iteration numbers: unique across workers, from 1. */
const vuIndex = new IterationCounter(segment);

class WorkerVu implements Vu {
  interrupted = false;
  readonly http: HttpConnection;
  constructor(readonly id: number) {
    this.http = createHttpConnection(init.http);
  }
}

type Iterate = (vu: WorkerVu) => Promise<void>;

/** Quick mode's iteration: one request, recorded under its endpoint. */
function quickIteration(scenario: NormalizedScenario): Iterate {
  const req = init.request;
  if (!req) throw new Error('no request configured for quick mode');
  const url = new URL(req.url);
  const spec: HttpRequestSpec = {
    method: req.method,
    url,
    headers: req.headers,
    body: req.body === undefined ? undefined : Buffer.from(req.body),
    timeoutMs: req.timeoutMs,
    maxRedirects: req.maxRedirects,
  };
  const endpoint = http.endpoint({
    ...init.tags,
    ...scenario.tags,
    scenario: scenario.name,
    name: endpointName(req.method, url),
    method: req.method,
  });
  const think = req.thinkMs;
  return async (vu) => {
    const res = await vu.http.request(spec);
    if (!vu.interrupted) endpoint.record(res);
    if (think) await sleep(think.min + Math.random() * (think.max - think.min));
  };
}

const controlListeners = new Map<string, ((c: ControlChange) => void)[]>();
const stops: ScenarioStop[] = [];
let externalStopGraceMs: number | undefined;

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
  const iterations = sink.counter(def('iterations'), tags);
  const iterationDuration = sink.trend(def('iteration_duration'), tags);
  const iterationLatency = sink.trend(def('iteration_latency'), tags);
  const scheduleLag = sink.trend(def('schedule_lag'), tags);
  const dropped = sink.counter(def('dropped_iterations'), tags);
  const interrupted = sink.counter(def('interrupted_iterations'), tags);
  const iterationErrors = sink.counter(def('iteration_errors'), tags);
  const vus = sink.gauge(def('vus'), tags);
  const vusMax = sink.gauge(def('vus_max'), tags);
  vus.set(0);
  vusMax.set(0);
  const iterate = quickIteration(scenario);

  const ctx: ExecutorContext = {
    scenario,
    segment,
    startAtMs,
    now,
    stop,
    newVu: () => new WorkerVu(vuIndex.next() + 1),
    retireVu: (vu) => (vu as WorkerVu).http.close(),
    interruptVu: (vu) => {
      vu.interrupted = true;
      (vu as WorkerVu).http.close();
    },
    async runIteration(vu: Vu, info: IterationInfo): Promise<void> {
      const t0 = now();
      try {
        await iterate(vu as WorkerVu);
      } catch {
        // A failing iteration is counted, never fatal: the run goes on.
        if (!vu.interrupted) iterationErrors.add(1);
      }
      if (vu.interrupted) {
        interrupted.add(1);
        return;
      }
      const t1 = now();
      iterations.add(1);
      iterationDuration.add((t1 - t0) * 1000);
      if (info.intendedAtMs !== undefined) iterationLatency.add((t1 - info.intendedAtMs) * 1000);
    },
    preciseSchedule: init.preciseSchedule,
    dropped: (n) => dropped.add(n),
    scheduleLagUs: (us) => scheduleLag.add(us),
    setActiveVus: (active, allocated) => {
      vus.set(active);
      vusMax.set(allocated);
    },
    onControl: (cb) => {
      const list = controlListeners.get(scenario.name) ?? [];
      list.push(cb);
      controlListeners.set(scenario.name, list);
    },
  };
  const wait = startAtMs - now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  if (now() < stop.endAtMs) await executor.run(ctx);
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
      send({ type: 'flush', second: lastFlushedSecond, points: sink.flush(), health: health.sample() });
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
        Promise.all(init.scenarios.map((s) => runScenario(s, runStart)))
          .then(() => {
            if (flushTimer) clearTimeout(flushTimer);
            // If the boundary flush has not run yet, what is left belongs to the second that just ended.
            const cur = secondAt(now());
            const second = cur - 1 > lastFlushedSecond ? cur - 1 : cur;
            send({ type: 'done', second, points: sink.flush(), health: health.sample() });
            health.close();
            port.close();
          })
          .catch((err: unknown) => {
            send({ type: 'fatal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
          });
      }, delay);
      break;
    }
    case 'stop':
      externalStopGraceMs = msg.graceMs;
      for (const s of stops) s.stopNow(msg.graceMs);
      break;
    case 'control':
      for (const cb of controlListeners.get(msg.scenario) ?? []) cb(msg.change);
      break;
  }
});

send({ type: 'ready' });
