/**
 * Runs the target in a process of its own: `node dist/src/target/main.js [--port 0] [--latency 20-80ms]
 * [--error-rate 0.01] [--stall 1s/5s] [--max-inflight N] [--seed N] [--host H] [--grpc-port N]`.
 * Prints one JSON line `{"url":…,"port":…}` to stdout once listening and stops on SIGINT/SIGTERM.
 * Tests and benchmarks use it so the load and the target do not share an event loop (a stall
 * blocks the whole process it runs in). Users get the same thing from `volley target`.
 */
import { parseArgs } from 'node:util';
import { VolleyError } from '../errors.js';
import { parseTargetOptions, startTarget } from './index.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      latency: { type: 'string' },
      'error-rate': { type: 'string' },
      stall: { type: 'string' },
      'max-inflight': { type: 'string' },
      seed: { type: 'string' },
      'grpc-port': { type: 'string' },
    },
  });
  const raw: Parameters<typeof parseTargetOptions>[0] = {};
  if (values.port !== undefined) raw.port = values.port;
  if (values.host !== undefined) raw.host = values.host;
  if (values.latency !== undefined) raw.latency = values.latency;
  if (values['error-rate'] !== undefined) raw.errorRate = values['error-rate'];
  if (values.stall !== undefined) raw.stall = values.stall;
  if (values['max-inflight'] !== undefined) raw.maxInflight = values['max-inflight'];
  if (values.seed !== undefined) raw.seed = values.seed;
  if (values['grpc-port'] !== undefined) raw.grpcPort = values['grpc-port'];

  const target = await startTarget(parseTargetOptions(raw));
  // `grpcPort` only with --grpc-port.
  process.stdout.write(
    `${JSON.stringify({ url: target.url, port: target.port, grpcPort: target.grpcPort })}\n`,
  );
  const stop = (): void => {
    target.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  if (err instanceof VolleyError) {
    console.error(`error: ${err.message}${err.hint === undefined ? '' : `\nhint: ${err.hint}`}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
