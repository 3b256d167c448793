/** Messages between the coordinator's thread and a worker thread (see thread-generator.ts). */
import type { GeneratorControl, GeneratorSpec, WorkerFlush } from '../../engine/protocol.js';
import type { SharedDataTransfer } from '../../script/data/shared-data.js';

/**
 * The spec as a thread receives it: data files as SharedArrayBuffers shared by every thread (no
 * copy, already indexed) instead of bytes, in `shared`; `script.data` is left empty.
 */
export interface ThreadInit extends GeneratorSpec {
  shared: SharedDataTransfer[];
}

export type MainToWorker =
  /** `runStartAtMs` on the thread's clock, which is the coordinator's. */
  | { type: 'start'; runStartAtMs: number }
  | { type: 'stop'; graceMs: number }
  | { type: 'control'; scenario: string; change: GeneratorControl };

export type WorkerToMain =
  | { type: 'ready' }
  | ({ type: 'flush' } & WorkerFlush)
  | ({ type: 'done' } & WorkerFlush)
  | { type: 'fatal'; message: string }
  /** Script code called process.exit (refused: an iteration error); sent once per worker. */
  | { type: 'exit-refused'; code: string };
