/** `volley target`: serves the demo system under test until SIGINT/SIGTERM. */
import {
  DEFAULT_TARGET_GRPC_PORT,
  parseTargetOptions,
  startTarget,
  type RawTargetOptions,
} from '../target/index.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';

export async function targetCommand(raw: RawTargetOptions, io: CliIO): Promise<ExitCodeValue> {
  const options = parseTargetOptions(raw);
  // `volley target` serves gRPC too: on --grpc-port, else 8118 (a free port when --port is 0).
  options.grpcPort ??= options.port === 0 ? 0 : DEFAULT_TARGET_GRPC_PORT;
  const target = await startTarget(options);
  io.stdout(
    `volley target listening on ${target.url}  (routes: ${target.url}/ , stats: ${target.url}/__volley/stats)\n`,
  );
  if (target.grpcPort !== undefined)
    io.stdout(
      `volley target gRPC (taskqueue.TaskQueue, reflection) on ${target.grpcTarget ?? ''}  (stats: ${target.url}/__volley/grpc/stats)\n`,
    );
  const wsBase = target.url.replace(/^http/, 'ws');
  io.stdout(`  websocket: ${wsBase}/ws/echo , ${wsBase}/ws/broadcast\n`);
  await new Promise<void>((resolve) => {
    const off = io.onSignals(() => {
      off();
      resolve();
    });
  });
  await target.close();
  return ExitCode.OK;
}
