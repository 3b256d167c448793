/**
 * Section 7: how fast volley starts. `volley --version` (spawn to exit) and a quick-mode run's first
 * request (spawn to the moment a local server sees it), each the median of BENCH_STARTUP_RUNS
 * (default 10) spawns. Goals: --version under 150 ms, first request under 500 ms.
 *
 * Standalone: `node dist/bench/sections/startup.js [runs]` prints the same numbers without the
 * rest of the bench (no taskset, no peers).
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ctx, SectionOutput } from '../lib/context.js';
import { median, table } from '../lib/format.js';
import { log } from '../lib/proc.js';

export interface StartupNumbers {
  runs: number;
  /** Spawn to exit of `node -e 0`: the floor no CLI can beat on this machine, ms, each run. */
  nodeMs: number[];
  /** Spawn to exit of `volley --version`, ms, each run. */
  versionMs: number[];
  /** Spawn to the server's first request of `volley run --url … -n 1`, ms, each run. */
  firstRequestMs: number[];
  /** Spawn to exit of that one-request run, ms, each run. */
  oneRequestRunMs: number[];
}

const GOAL_VERSION_MS = 150;
const GOAL_FIRST_REQUEST_MS = 500;

function timeExit(argv: readonly string[]): Promise<number> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, argv, { stdio: 'ignore' });
    p.on('error', rej);
    p.on('exit', (code) =>
      code === 0 ? res(performance.now() - t0) : rej(new Error(`${argv.join(' ')} exited ${code}`)),
    );
  });
}

async function timeFirstRequest(
  volleyMain: string,
  server: Server,
  url: string,
): Promise<{ first: number; exit: number }> {
  let first: number | undefined;
  const t0 = performance.now();
  const onRequest = (): void => {
    first ??= performance.now() - t0;
  };
  server.on('request', onRequest);
  try {
    const exit = await timeExit([
      volleyMain,
      'run',
      '--url',
      url,
      '-n',
      '1',
      '--workers',
      '1',
      '--no-store',
      '-q',
    ]);
    if (first === undefined) throw new Error('the one-request run sent no request');
    return { first, exit };
  } finally {
    server.off('request', onRequest);
  }
}

export async function measureStartup(volleyMain: string, runs: number): Promise<StartupNumbers> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const n: StartupNumbers = { runs, nodeMs: [], versionMs: [], firstRequestMs: [], oneRequestRunMs: [] };
  try {
    // One unmeasured spawn of each warms the file cache.
    await timeExit([volleyMain, '--version']);
    await timeFirstRequest(volleyMain, server, url);
    for (let i = 0; i < runs; i++) n.nodeMs.push(await timeExit(['-e', '0']));
    for (let i = 0; i < runs; i++) n.versionMs.push(await timeExit([volleyMain, '--version']));
    for (let i = 0; i < runs; i++) {
      const r = await timeFirstRequest(volleyMain, server, url);
      n.firstRequestMs.push(r.first);
      n.oneRequestRunMs.push(r.exit);
    }
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  return n;
}

function row(name: string, xs: number[], goal: number | undefined): string[] {
  const m = median(xs) ?? NaN;
  const verdict = goal === undefined ? '' : m < goal ? `✓ < ${goal} ms` : `✗ ≥ ${goal} ms`;
  return [name, m.toFixed(0), Math.min(...xs).toFixed(0), Math.max(...xs).toFixed(0), verdict];
}

export function startupTable(n: StartupNumbers): string {
  return table(
    ['measure', 'median ms', 'min ms', 'max ms', 'goal'],
    [
      row('`node -e 0` (the floor), spawn to exit', n.nodeMs, undefined),
      row('`volley --version`, spawn to exit', n.versionMs, GOAL_VERSION_MS),
      row('`volley run --url … -n 1`, spawn to first request', n.firstRequestMs, GOAL_FIRST_REQUEST_MS),
      row('`volley run --url … -n 1`, spawn to exit', n.oneRequestRunMs, undefined),
    ],
  );
}

export async function startup(ctx: Ctx): Promise<SectionOutput> {
  const runs = Math.max(1, Math.round(Number(process.env.BENCH_STARTUP_RUNS ?? 10)));
  log(`section 7: volley start-up, ${runs} spawns each`);
  const n = await measureStartup(ctx.volleyMain, runs);
  const body = [
    `\`node dist/src/cli/main.js\` spawned ${runs} times per measure (after one unmeasured spawn), not pinned, ` +
      'against a Node HTTP server in the bench process on 127.0.0.1; times from spawn, medians.',
    '',
    startupTable(n),
  ];
  return { title: '7. Start-up', body: body.join('\n') };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // [runs] [main.js]: another build (e.g. main's) can be measured against this one on the same machine.
  const main = process.argv[3] ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
  measureStartup(main, Number(process.argv[2] ?? 10)).then(
    (n) => process.stdout.write(`${startupTable(n)}\n`),
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
