/**
 * The demo target's gRPC task queue (proto/taskqueue.proto): SubmitTask with idempotency keys (a
 * repeated key returns the first task, `duplicate: true`, and is not queued twice), GetTask,
 * WatchTasks (server stream), SubmitBatch (client stream), SubmitStream (bidi), with server
 * reflection and the HTTP target's latency and error-rate knobs. Counts what it saw for tests.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { mulberry32, TaskStore, type Task } from '../data.js';

/** The repository's proto/ folder (found upward from this file: it runs from src/ and dist/src/). */
export function protoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'proto', 'taskqueue.proto'))) return join(dir, 'proto');
    const up = dirname(dir);
    if (up === dir) throw new Error('proto/taskqueue.proto not found');
    dir = up;
  }
}

export interface GrpcTargetOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  latencyMinMs?: number;
  latencyMaxMs?: number;
  /** Fraction (0..1) of calls answered UNAVAILABLE. */
  errorRate?: number;
  /** Every `stallPeriodMs`, calls arriving in the next `stallMs` wait until the stall ends. */
  stallMs?: number;
  stallPeriodMs?: number;
  seed?: number;
  maxTasks?: number;
}

export interface GrpcTargetStats {
  /** Calls seen, by method name (`SubmitTask`, …). */
  calls: Record<string, number>;
  /** Distinct tasks queued (repeated keys not counted). */
  tasks: number;
  /** SubmitTask calls answered with an existing task. */
  duplicates: number;
}

export interface RunningGrpcTarget {
  port: number;
  stats(): GrpcTargetStats;
  resetStats(): void;
  close(): Promise<void>;
}

interface SubmitReq {
  idempotency_key: string;
  task_type: string;
  payload: Buffer;
  priority: number;
}

export async function startGrpcTarget(o: GrpcTargetOptions): Promise<RunningGrpcTarget> {
  const dir = protoDir();
  const pkgDef = loadSync(join(dir, 'taskqueue.proto'), {
    includeDirs: [dir],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
  });
  const service = pkgDef['taskqueue.TaskQueue'] as ServiceDefinition;
  const tasks = new TaskStore(o.maxTasks ?? 1_000_000);
  const taskTypes = new Map<number, Buffer>();
  const calls: Record<string, number> = {};
  let duplicates = 0;
  const watchers = new Set<ServerWritableStream<{ task_type: string }, unknown>>();
  const errorRand = mulberry32(o.seed ?? 1);
  const latencyRand = mulberry32((o.seed ?? 1) ^ 0x9e37_79b9);
  const started = performance.now();

  const count = (m: string): void => {
    calls[m] = (calls[m] ?? 0) + 1;
  };
  /** Resolves when the knobs let a call be answered: false = fail it UNAVAILABLE. */
  const admit = async (): Promise<boolean> => {
    let wait = 0;
    if (o.stallMs && o.stallPeriodMs) {
      const into = (performance.now() - started) % o.stallPeriodMs;
      if (into < o.stallMs) wait += o.stallMs - into;
    }
    const min = o.latencyMinMs ?? 0;
    const max = o.latencyMaxMs ?? 0;
    if (max > 0) wait += min + latencyRand() * (max - min);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    return !(o.errorRate && errorRand() < o.errorRate);
  };
  const taskMsg = (t: Task): Record<string, unknown> => ({
    task_id: String(t.id),
    idempotency_key: t.idempotencyKey,
    task_type: t.taskType,
    state: 'QUEUED',
    created_at_ms: String(t.createdAtMs),
    payload: taskTypes.get(t.id) ?? Buffer.alloc(0),
  });
  const submit = (r: SubmitReq): { task: Task; duplicate: boolean } => {
    const { task, replay } = tasks.submit(r.idempotency_key, r.task_type, Date.now());
    if (replay) duplicates++;
    else {
      taskTypes.set(task.id, r.payload);
      for (const w of watchers)
        if (!w.request.task_type || w.request.task_type === task.taskType) w.write(taskMsg(task));
    }
    return { task, duplicate: replay };
  };
  const invalid = (r: SubmitReq): string | undefined =>
    r.idempotency_key.length === 0 || r.idempotency_key.length > 255
      ? 'idempotency_key must be 1 to 255 characters'
      : undefined;
  const unavailable = { code: status.UNAVAILABLE, details: 'injected failure (--error-rate)' };

  const server = new Server();
  server.addService(service, {
    SubmitTask: async (call: ServerUnaryCall<SubmitReq, unknown>, cb: sendUnaryData<unknown>) => {
      count('SubmitTask');
      if (!(await admit())) return cb(unavailable);
      const bad = invalid(call.request);
      if (bad) return cb({ code: status.INVALID_ARGUMENT, details: bad });
      const { task, duplicate } = submit(call.request);
      cb(null, { task_id: String(task.id), duplicate, state: 'QUEUED' });
    },
    GetTask: async (call: ServerUnaryCall<{ task_id: string }, unknown>, cb: sendUnaryData<unknown>) => {
      count('GetTask');
      if (!(await admit())) return cb(unavailable);
      const t = /^\d{1,15}$/.test(call.request.task_id) ? tasks.get(Number(call.request.task_id)) : undefined;
      if (!t) return cb({ code: status.NOT_FOUND, details: `no task '${call.request.task_id}'` });
      cb(null, taskMsg(t));
    },
    WatchTasks: async (call: ServerWritableStream<{ task_type: string; backlog: number }, unknown>) => {
      count('WatchTasks');
      if (!(await admit())) return call.destroy(Object.assign(new Error(unavailable.details), unavailable));
      // The backlog (up to `backlog` most recent tasks), then the stream ends: a bounded watch.
      const backlog: Task[] = [];
      for (let id = tasks.size; id >= 1 && backlog.length < call.request.backlog; id--) {
        const t = tasks.get(id);
        if (t && (!call.request.task_type || t.taskType === call.request.task_type)) backlog.push(t);
      }
      for (const t of backlog.reverse()) call.write(taskMsg(t));
      call.end();
    },
    SubmitBatch: (call: ServerReadableStream<SubmitReq, unknown>, cb: sendUnaryData<unknown>) => {
      count('SubmitBatch');
      let accepted = 0;
      let dup = 0;
      call.on('data', (r: SubmitReq) => {
        if (invalid(r)) return;
        if (submit(r).duplicate) dup++;
        else accepted++;
      });
      call.on('end', () => {
        void admit().then((ok) => (ok ? cb(null, { accepted, duplicates: dup }) : cb(unavailable)));
      });
    },
    SubmitStream: (call: ServerDuplexStream<SubmitReq, unknown>) => {
      count('SubmitStream');
      call.on('data', (r: SubmitReq) => {
        if (invalid(r)) return;
        const { task, duplicate } = submit(r);
        call.write({ task_id: String(task.id), duplicate, state: 'QUEUED' });
      });
      call.on('end', () => call.end());
    },
  });
  new ReflectionService(pkgDef).addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${o.host}:${o.port}`, ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    port,
    stats: () => ({ calls: { ...calls }, tasks: tasks.size, duplicates }),
    resetStats: () => {
      for (const k of Object.keys(calls)) delete calls[k];
      duplicates = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
  };
}
