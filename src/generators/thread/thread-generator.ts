/**
 * A generator that is one worker thread of this process (src/generators/thread/worker.ts). It
 * shares the coordinator's clock, takes the local shortcuts a spec allows (the bundle already on
 * disk, data files as SharedArrayBuffers every thread shares) and turns the thread's messages,
 * errors and exit into the generator events.
 */
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { GeneratorEmitter, type Generator, type GeneratorFactory } from '../../engine/generator.js';
import type { GeneratorControl, GeneratorSpec } from '../../engine/protocol.js';
import { sharedTransferOf } from '../../script/data/shared-data.js';
import type { MainToWorker, ThreadInit, WorkerToMain } from './messages.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);
/**
 * A worker's garbage is short-lived (one request, one iteration): a young generation capped at
 * 8 MB (V8's default grows to 48 MB) is scavenged more often for little CPU, and bounds the heap
 * headroom of each worker. 10,000 VUs with 5 s think: 383 -> 332 MB peak RSS (2 workers).
 *
 * The old generation is capped at 1 GB (or the process's own limit, when lower): V8 lets a heap
 * whose limit is 2 GB or more grow to 4× its live size before a full GC, a smaller one to at most
 * 1.3–2× (V8's heap controller, MaxGrowingFactor: 1.6× at 1 GB). 10,000 script VUs sleeping 5 s
 * keep ~85 MB live: under the default 4 GB limit the worker's heap reached 350 MB between full GCs
 * (500 MB peak RSS in 60 s); capped at 1.5 GB it stays under 175 MB (304 MB peak in 40 s), at
 * 1 GB under 160 MB (285–299 MB). A worker whose heap outgrows the cap fails as out-of-memory
 * (the run says so); 1 GB is ~120,000 idle script VUs, far more than one core drives.
 */
const OLD_GENERATION_CAP_MB = 1024;
const WORKER_LIMITS = {
  maxYoungGenerationSizeMb: 8,
  maxOldGenerationSizeMb: Math.min(
    OLD_GENERATION_CAP_MB,
    Math.floor(getHeapStatistics().heap_size_limit / (1024 * 1024)),
  ),
} as const;

export class ThreadGenerator extends GeneratorEmitter implements Generator {
  readonly label: string;
  readonly weight = 1;
  private worker: Worker | undefined;
  /** `done` arrived or the thread is gone: nothing more is reported. */
  private ended = false;

  constructor(index: number) {
    super();
    this.label = `worker ${index}`;
  }

  async init(spec: GeneratorSpec): Promise<void> {
    if (this.worker) throw new Error(`${this.label} was initialised already`);
    const script = spec.script;
    const init: ThreadInit = {
      ...spec,
      script: script && { ...script, data: [] },
      shared: (script?.data ?? []).map(sharedTransferOf),
    };
    const worker = new Worker(WORKER_URL, { workerData: init, resourceLimits: WORKER_LIMITS });
    this.worker = worker;
    await new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (msg: WorkerToMain) => {
        switch (msg.type) {
          case 'ready':
            ready = true;
            resolve();
            break;
          case 'flush':
            this.emit('flush', msg);
            break;
          case 'done':
            this.ended = true;
            this.emit('done', msg);
            break;
          case 'exit-refused':
            this.emit('exit-refused', msg.code);
            break;
          case 'fatal':
            this.emit('fatal', {
              code: 'engine-failed',
              message: msg.message.split('\n')[0] as string,
              detail: msg.message,
            });
            break;
        }
      });
      worker.on('error', (err: Error & { code?: string }) => {
        if (!ready) return reject(err);
        if (this.ended) return;
        this.ended = true;
        const oom = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
        this.emit('fatal', {
          code: oom ? 'out-of-memory' : 'crashed',
          message: oom
            ? `its heap limit (${WORKER_LIMITS.maxOldGenerationSizeMb} MB old generation per worker thread) was reached: ` +
              'spread the VUs over more threads (--workers) or keep less per VU'
            : `${err.name}: ${err.message.split('\n')[0]}`,
          detail: err.stack ?? err.message,
        });
      });
      worker.on('exit', (code) => {
        if (!ready) return reject(new Error(`${this.label} exited with code ${code} before it was ready`));
        if (this.ended) return;
        // Even a clean exit before the final report loses the rest of the thread's share.
        this.ended = true;
        this.emit('fatal', {
          code: 'exited',
          message: `exited with code ${code}`,
          detail: `${this.label} exited with code ${code}`,
          exitCode: code,
        });
      });
    });
  }

  private post(msg: MainToWorker): void {
    if (!this.ended) this.worker?.postMessage(msg);
  }

  start(runStartAtMs: number): void {
    this.post({ type: 'start', runStartAtMs });
  }

  control(scenario: string, change: GeneratorControl): void {
    this.post({ type: 'control', scenario, change });
  }

  stop(graceMs: number): void {
    this.post({ type: 'stop', graceMs });
  }

  async terminate(): Promise<void> {
    this.ended = true;
    await this.worker?.terminate();
  }
}

/** One thread per generator, the run's default. */
export const threadGenerators: GeneratorFactory = (count) =>
  Array.from({ length: count }, (_, i) => new ThreadGenerator(i));
