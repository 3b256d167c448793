/**
 * `volley demo`: the main job on a fresh machine — starts the demo target in its own process,
 * runs an open-loop test against it with the live progress display, prints the summary.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { VolleyError } from '../errors.js';
import type { ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';
import { runCommand } from './run-command.js';

const TARGET_MAIN = fileURLToPath(new URL('../target/main.js', import.meta.url));

export async function demoCommand(
  opts: { duration: string; rate: string },
  io: CliIO,
): Promise<ExitCodeValue> {
  const child = spawn(
    process.execPath,
    [TARGET_MAIN, '--port', '0', '--latency', '2-8ms', '--error-rate', '0.002'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout });
      rl.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
      child.once('exit', (code) =>
        reject(new VolleyError('RUNTIME', `demo target exited early (code ${code})`)),
      );
    });
    io.stderr(`demo target (volley target --latency 2-8ms --error-rate 0.002) on ${url}\n`);
    io.stderr(
      `running: volley run --url ${url}/api/teams --rate ${opts.rate} --duration ${opts.duration} --threshold 'http_req_duration:p(99)<50' --threshold 'http_req_failed:rate<0.01'\n\n`,
    );
    return await runCommand(
      {
        url: `${url}/api/teams`,
        rate: opts.rate,
        duration: opts.duration,
        threshold: ['http_req_duration:p(99)<50', 'http_req_failed:rate<0.01'],
      },
      io,
    );
  } finally {
    child.kill('SIGTERM');
  }
}
