/** `volley target`: serves the demo system under test until SIGINT/SIGTERM. */
import { parseTargetOptions, startTarget, type RawTargetOptions } from '../target/index.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';

export async function targetCommand(raw: RawTargetOptions, io: CliIO): Promise<ExitCodeValue> {
  const target = await startTarget(parseTargetOptions(raw));
  io.stdout(
    `volley target listening on ${target.url}  (routes: ${target.url}/ , stats: ${target.url}/__volley/stats)\n`,
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
