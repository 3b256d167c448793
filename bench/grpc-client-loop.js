// The plain @grpc/grpc-js client loop volley's gRPC throughput is compared with (bench section 9):
// CONCURRENCY loops, each on its own channel (as volley's VUs), calling SubmitTask with a fresh
// idempotency key back to back for SECONDS; prints {"calls":N,"failed":F,"seconds":S} on stdout.
// Usage: node grpc-client-loop.js HOST:PORT PROTO_DIR CONCURRENCY SECONDS
/* global process, console, performance */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const [target, protoDir, concurrencyText, secondsText] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const seconds = Number(secondsText);
const def = loadSync(join(protoDir, 'taskqueue.proto'), {
  includeDirs: [protoDir],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
});
const TaskQueue = grpc.loadPackageDefinition(def).taskqueue.TaskQueue;
let calls = 0;
let failed = 0;
const t0 = performance.now();
const end = t0 + seconds * 1000;

async function loop() {
  const client = new TaskQueue(target, grpc.credentials.createInsecure(), { 'grpc.enable_retries': 0 });
  while (performance.now() < end) {
    await new Promise((resolve) =>
      client.SubmitTask({ idempotency_key: randomUUID(), task_type: 'bench' }, (err) => {
        calls++;
        if (err) failed++;
        resolve();
      }),
    );
  }
  client.close();
}

await Promise.all(Array.from({ length: concurrency }, loop));
console.log(JSON.stringify({ calls, failed, seconds: (performance.now() - t0) / 1000 }));
process.exit(0);
