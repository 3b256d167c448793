/**
 * The generator boundary: what the coordinator (src/engine/coordinator.ts) asks of anything that
 * produces load for one execution segment — a worker thread of this process today
 * (src/generators/thread/), an agent on another machine later. The coordinator knows generators
 * only through this interface; docs/generators.md walks through it.
 *
 * Lifecycle: `init(spec)` -> `start(at)` -> `flush` events, one per run second -> (`stop(grace)`) ->
 * `done` (the final report; nothing follows). A generator that is gone without its `done` says so
 * with a terminal `fatal`. `terminate()` ends it at once, whatever it is doing.
 *
 * Everything a generator receives is plain data that could cross a network as JSON
 * (`encodeSpec`/`decodeSpec`): the spec carries the bundled script's content and digest, and data
 * files as bytes with their digest. Local shortcuts (a bundle already on disk, SharedArrayBuffers)
 * are optimisations a thread may take, never something a generator needs.
 *
 * Time convention — no generator needs the coordinator's clock:
 * - `start(runStartAtMs)`: the run's start instant on the coordinator's clock (engine/clock.ts
 *   `now()`, epoch milliseconds). A generator with a clock of its own schedules its start at
 *   `runStartAtMs + offsetMs`, where offsetMs (its clock minus the coordinator's) is what it
 *   measured when it connected; threads share the coordinator's clock (offset 0).
 * - `control(scenario, change)`: `change.atRunMs` is milliseconds since the run's start, so every
 *   generator applies the change at the same point of the test whatever its clock.
 * - Reports (`flush`, `done`) name their second as seconds since the run's start.
 * - `stop(graceMs)`: a duration, applied on receipt.
 */
import type { GeneratorControl, GeneratorSpec, WorkerFlush } from './protocol.js';

/**
 * Why a generator failed. `engine-failed` is not terminal: its engine failed, and it still sends
 * what it measured and its `done`. Every other code means the generator is gone: no event follows.
 */
export type GeneratorFailureCode = 'engine-failed' | 'crashed' | 'out-of-memory' | 'exited' | 'disconnected';

export interface GeneratorFatal {
  code: GeneratorFailureCode;
  /** One line on why: `Error: boom`, `its heap limit (1024 MB old generation) was reached`. */
  message: string;
  /** Everything known (a stack trace), kept in the run's workerErrors. */
  detail: string;
  /** `exited`: the exit code (0: it ended cleanly, but before its final report). */
  exitCode?: number;
}

export interface GeneratorEvents {
  /** A run second's report (seconds since the run's start). */
  flush: (report: WorkerFlush) => void;
  /** The final report: the generator finished its segment. */
  done: (report: WorkerFlush) => void;
  fatal: (failure: GeneratorFatal) => void;
  /** Script code called process.exit: refused (an iteration error); at most once per generator. */
  'exit-refused': (code: string) => void;
}

export interface Generator {
  /** Names the generator in messages: `worker 0`. */
  readonly label: string;
  /**
   * The share of the load it can carry, relative to the others (a positive integer): a thread 1,
   * an agent its core count. Segments are cut in proportion (SegmentSequence.weighted).
   */
  readonly weight: number;
  /** What it is, for the run's result; threads need not say. */
  describe?(): GeneratorDescription;
  /** Loads the test; resolves when the generator is ready to start, rejects with why it cannot. */
  init(spec: GeneratorSpec): Promise<void>;
  /** Starts at the agreed instant (see the time convention above). */
  start(runStartAtMs: number): void;
  control(scenario: string, change: GeneratorControl): void;
  /** No new iterations; in-flight ones get `graceMs`, then are interrupted; then `done`. */
  stop(graceMs: number): void;
  /** Ends the generator now; what it reported so far stays. No event follows. */
  terminate(): Promise<void>;
  on<E extends keyof GeneratorEvents>(event: E, listener: GeneratorEvents[E]): void;
}

/**
 * What a generator says of itself in the run's result (the summary lists remote generators):
 * `kind` (`thread`, `agent`), a name, and plain facts (version, host, cores, clock offset).
 */
export interface GeneratorDescription {
  kind: string;
  name: string;
  details: Record<string, string | number>;
}

/**
 * Creates the run's generators: `count` is what the test asks for (threads); `capacity` the most
 * units of weight the test can use in all (its smallest scenario's VUs), so a factory of agents
 * never weighs them above it.
 */
export type GeneratorFactory = (count: number, capacity: number) => Generator[];

/** The event half of a generator, for implementations to extend. */
export abstract class GeneratorEmitter {
  private readonly listeners: { [E in keyof GeneratorEvents]: GeneratorEvents[E][] } = {
    flush: [],
    done: [],
    fatal: [],
    'exit-refused': [],
  };

  on<E extends keyof GeneratorEvents>(event: E, listener: GeneratorEvents[E]): void {
    this.listeners[event].push(listener);
  }

  protected emit<E extends keyof GeneratorEvents>(event: E, ...args: Parameters<GeneratorEvents[E]>): void {
    for (const l of this.listeners[event]) (l as (...a: Parameters<GeneratorEvents[E]>) => void)(...args);
  }
}

const BYTES = '$bytes';

/** A spec as JSON: byte arrays (data files) as `{ "$bytes": base64 }`. */
export function encodeSpec(spec: GeneratorSpec): string {
  // A copy of the script attachment: the one a test was loaded with serialises as a summary for
  // stores and logs (its own toJSON, not enumerable, so not copied); a generator needs the content.
  const plain: GeneratorSpec = { ...spec, script: spec.script && { ...spec.script } };
  return JSON.stringify(plain, (_key, value: unknown) =>
    value instanceof Uint8Array
      ? { [BYTES]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') }
      : value,
  );
}

export function decodeSpec(json: string): GeneratorSpec {
  return JSON.parse(json, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && BYTES in value) {
      const b = Buffer.from((value as Record<string, string>)[BYTES] as string, 'base64');
      // A copy of its own: a Buffer may be a view of Node's shared pool.
      return new Uint8Array(b);
    }
    return value;
  }) as GeneratorSpec;
}
