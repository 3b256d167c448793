/**
 * `volley demo`: the main job on a fresh machine — the demo target in its own process, `volley
 * serve` with the dashboard over the run store, and a sample open-loop run started through the
 * server, so its live view is on screen while it runs. Interactive: keeps serving until Ctrl-C.
 * Not a terminal (or --exit): exits when the sample run ends, with its verdict as the exit code.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { VolleyError } from '../errors.js';
import { renderSummary } from '../report/terminal.js';
import type { RunningServer } from '../server/server.js';
import { isActiveStatus } from '../store/types.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';
import { startServe, untilSignal, type ServeFlags } from './serve-command.js';
import { openStore, type StoreFlags } from './store-flags.js';

const TARGET_MAIN = fileURLToPath(new URL('../target/main.js', import.meta.url));
const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples', import.meta.url));

export interface DemoFlags extends StoreFlags {
  duration: string;
  rate: string;
  port?: string;
  exit?: boolean;
  keep?: boolean;
}

async function startTarget(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    [TARGET_MAIN, '--port', '0', '--latency', '2-8ms', '--error-rate', '0.002'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) =>
      reject(new VolleyError('RUNTIME', `demo target exited early (code ${code})`)),
    );
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

async function listen(
  flags: ServeFlags,
  io: CliIO,
  store: Parameters<typeof startServe>[2],
  version: string,
  env: NodeJS.ProcessEnv,
): Promise<RunningServer> {
  try {
    return await startServe({ ...flags, port: flags.port ?? '8089' }, io, store, version, env);
  } catch (err) {
    if (flags.port !== undefined || !(err instanceof VolleyError)) throw err;
    io.stderr(`port 8089 is taken; using a free port\n`);
    return startServe({ ...flags, port: '0' }, io, store, version, env);
  }
}

export async function demoCommand(
  flags: DemoFlags,
  io: CliIO,
  interactive: boolean,
  version: string,
): Promise<ExitCodeValue> {
  const target = await startTarget();
  const store = openStore(flags, io);
  let server: RunningServer | undefined;
  try {
    // Scripts from examples/ run against the demo target (their baseUrl reads BASE_URL).
    server = await listen({ ...flags, scripts: EXAMPLES_DIR }, io, store, version, {
      ...io.env,
      BASE_URL: target.url,
    });
    io.stderr(`demo target (volley target --latency 2-8ms --error-rate 0.002) on ${target.url}\n`);
    const id = server.manager.start(
      {
        url: `${target.url}/api/teams`,
        rate: Number(flags.rate),
        duration: flags.duration,
        thresholds: ['http_req_duration:p(99)<50', 'http_req_failed:rate<0.01'],
      },
      'demo',
    );
    io.stdout(`dashboard: ${server.url}/#/runs/${id}\n`);
    io.stderr(
      `sample run ${id.slice(0, 8)}: GET ${target.url}/api/teams at ${flags.rate}/s for ${flags.duration}, thresholds p(99)<50ms and failures<1% — watch it live on the dashboard\n`,
    );
    const run = await waitForEnd(server, id, (line) => io.stderr(line));
    const stored = store.get(id);
    if (stored?.summary) io.stdout(renderSummary(stored.summary, { color: io.color }));
    else io.stderr(`the sample run ended with status ${run}: ${stored?.error ?? ''}\n`);
    io.stderr(`stored as run ${id.slice(0, 8)} in ${store.path}\n`);
    const code = (stored?.exitCode ?? ExitCode.RUNTIME_ERROR) as ExitCodeValue;
    const stay = flags.keep === true || (interactive && flags.exit !== true);
    if (stay) {
      io.stdout(
        `dashboard: ${server.url}/ — start more runs from the form (the target stays up at ${target.url}); Ctrl-C to stop\n`,
      );
      await untilSignal(io);
    }
    return code;
  } finally {
    await server?.close();
    store.close();
    target.stop();
  }
}

/** Waits for the run's final status, printing one progress line per second meanwhile. */
function waitForEnd(server: RunningServer, id: string, print: (line: string) => void): Promise<string> {
  return new Promise((resolve) => {
    // subscribe() may deliver the final status before it returns (a run that already ended).
    let ended: string | undefined;
    const off = server.manager.subscribe(id, (m) => {
      if (m.type === 'snapshot') {
        const s = m.snapshot;
        print(
          `[${String(s.second + 1).padStart(4)}s]  ${s.requests} req/s  p99(now) ${s.current.latency.p99.toFixed(2)} ms  errors ${(s.errorRate * 100).toFixed(2)}%  vus ${s.vus}\n`,
        );
      }
      if (m.type === 'status' && !isActiveStatus(m.run.status)) {
        ended = m.run.status;
        resolve(ended);
      }
    });
    if (ended !== undefined) off?.();
  });
}
