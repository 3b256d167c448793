/**
 * `npm run bench`: volley against its peers on this machine, every number in the report measured
 * in this invocation. Generator pinned to one core, target to the other, loopback only, every run
 * bounded; see docs/benchmarks.md.
 *
 *   npm run bench                                  # all sections (~20 min with the soak)
 *   BENCH_SECTIONS=6 node dist/bench/run.js        # start-up only (~30 s, no build)
 *   BENCH_SECTIONS=1,4 BENCH_DURATION=5 npm run bench
 *   INSTALL=1 npm run bench                        # (re)install wrk, hey, nginx-light, autocannon@9
 *
 * BENCH_BASELINE=/other/checkout/dist/src/cli/main.js adds that build to sections 1 and 2, interleaved (before/after).
 * Environment: BENCH_SECTIONS (1-11, default all; 6 is the 10-minute soak; 8 HTTP/2 vs h2load, 9 gRPC, 10 WebSocket, 11 agents over NATS), BENCH_AGENTS (section 11, default 1,2,4,8,16), BENCH_DURATION (seconds per run, default 10),
 * BENCH_RUNS (section-1 repetitions, default 1), BENCH_TARGETS (section 1: nginx,node), BENCH_RATES (section 2, default 1000,5000,10000), BENCH_OPEN_MODES (section 2: default,pinned,precise), BENCH_OPEN_RUNS (section 2 repetitions),
 * BENCH_MEM_VUS / BENCH_MEM_DURATION / BENCH_MEM_SMALL_VUS (section 3, default 10000 / 20 / 1000), BENCH_SOAK_S / BENCH_SOAK_RATE
 * (section 6, default 600 / 2000), BENCH_STARTUP_RUNS (section 7, default 10), BENCH_COOLDOWN (s, default 2),
 * BENCH_GEN_CORE / BENCH_TARGET_CORE (default 0 / 1), BENCH_QUIET_WAIT (most seconds to wait
 * before a run for a quiet machine, default 30; 0 = don't wait), BENCH_RETRIES (sections 1-2: reruns
 * of a run disturbed by other programs, default 1), INSTALL=1.
 *
 * Output: progress and each section's table on stderr as it completes; the final Markdown report
 * on stdout and in bench/out/RESULTS-<timestamp>.md; raw outputs in bench/out/raw/<timestamp>/.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ctx, SectionOutput } from './lib/context.js';
import { cooldown } from './lib/gen.js';
import { ensurePeers } from './lib/install.js';
import { installExitHandlers, log, runSync, stopAll, which } from './lib/proc.js';
import { coordinatedOmission } from './sections/coordinated-omission.js';
import { http2 } from './sections/http2.js';
import { grpcThroughput } from './sections/grpc.js';
import { memory } from './sections/memory.js';
import { metricsCost } from './sections/metrics-cost.js';
import { openLoop } from './sections/open-loop.js';
import { soak } from './sections/soak.js';
import { startup } from './sections/startup.js';
import { throughput } from './sections/throughput.js';
import { websocket } from './sections/websocket.js';
import { distributedRuns } from './sections/distributed.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BENCH = `${ROOT}/bench`;

const SECTIONS: Record<
  number,
  { run: (ctx: Ctx) => Promise<SectionOutput>; needs: string[]; title: string }
> = {
  1: {
    run: throughput,
    needs: ['wrk', 'hey', 'nginx', 'autocannon'],
    title: '1. Closed-loop maximum throughput',
  },
  2: { run: openLoop, needs: ['nginx'], title: '2. Open-loop rate accuracy' },
  3: { run: memory, needs: [], title: '3. Memory: 10,000 sleeping VUs' },
  4: { run: coordinatedOmission, needs: ['wrk', 'autocannon'], title: '4. Coordinated omission' },
  5: { run: metricsCost, needs: ['nginx'], title: '5. Metrics-recording cost' },
  6: { run: soak, needs: [], title: '6. Soak: 2,000/s for 10 minutes (BENCH_SOAK_S)' },
  7: { run: startup, needs: [], title: '7. Start-up' },
  8: { run: http2, needs: ['nginx'], title: '8. HTTP/2 against h2load (h2c, one core)' },
  9: { run: grpcThroughput, needs: [], title: '9. gRPC unary calls per core' },
  10: { run: websocket, needs: [], title: '10. WebSocket messages per second per core' },
  11: { run: distributedRuns, needs: ['nginx'], title: '11. Distributed: agents over NATS' },
};

function num(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${v} is not a number`);
  return n;
}

function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

function machine(): string[] {
  const git = runSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']).out.trim();
  const dirty =
    runSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no']).out.trim() !== '';
  let os = '';
  try {
    os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    os = '?'; // no os-release: not Debian-like; the line is informational
  }
  return [
    `${os}, kernel ${runSync('uname', ['-r']).out.trim()}, ${cpus()[0]?.model ?? '?'} × ${cpus().length}, Node ${process.version}`,
    `volley ${git}${dirty ? ' (with uncommitted changes)' : ''}`,
  ];
}

async function main(): Promise<number> {
  installExitHandlers();
  const started = new Date();
  const ts = stamp(started);
  const outDir = `${BENCH}/out`;
  const rawDir = `${outDir}/raw/${ts}`;
  mkdirSync(rawDir, { recursive: true });

  const sectionIds = (process.env.BENCH_SECTIONS ?? Object.keys(SECTIONS).join(','))
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => SECTIONS[n] !== undefined);
  const durationS = num('BENCH_DURATION', 10);
  if (durationS < 1) throw new Error('BENCH_DURATION must be at least 1 (seconds)');
  const genCore = num('BENCH_GEN_CORE', 0);
  const targetCore = num('BENCH_TARGET_CORE', 1);
  if (!which('taskset') || !which('timeout'))
    throw new Error('taskset (util-linux) and timeout (coreutils) are required');
  if (cpus().length < 2) log(`warning: ${cpus().length} core(s): generator and target will share a core`);

  const need = new Set(sectionIds.flatMap((id) => SECTIONS[id]?.needs ?? []));
  const peers = ensurePeers({ benchDir: BENCH, need, force: process.env.INSTALL === '1' });

  const ctx: Ctx = {
    root: ROOT,
    benchDir: BENCH,
    outDir,
    rawDir,
    durationS,
    runs: Math.max(1, Math.round(num('BENCH_RUNS', 1))),
    genCore,
    targetCore,
    cooldownS: num('BENCH_COOLDOWN', 2),
    peers,
    targetEnv: { benchDir: BENCH, outDir, rawDir, targetCore, maxLifeS: 3600 },
    volleyMain: `${ROOT}/dist/src/cli/main.js`,
    baselineMain: process.env.BENCH_BASELINE || undefined,
  };

  const envShown = Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_') || k === 'INSTALL')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const out: string[] = [
    `# volley benchmark ${ts}`,
    '',
    `- Date: ${started.toISOString()}; command: \`${envShown ? `${envShown} ` : ''}npm run bench\``,
    ...machine().map((m) => `- ${m}`),
    `- Peers: ${peers.versions.join('; ') || 'none'}${peers.skipped.length ? `; **skipped**: ${peers.skipped.join('; ')}` : ''}`,
    `- Generator on core ${genCore}, target on core ${targetCore} (taskset), loopback only, ${durationS} s per run. ` +
      'Ratios use only numbers from this invocation; the machine is shared, so compare within one report.',
    `- Raw outputs: bench/out/raw/${ts}/`,
  ];

  let failed = 0;
  for (const id of sectionIds) {
    const def = SECTIONS[id];
    if (!def) continue;
    await cooldown(0);
    const load = loadavg()[0]?.toFixed(2) ?? '?';
    const t0 = Date.now();
    log(`=== section ${def.title} (1-min load average ${load})`);
    let sec: SectionOutput;
    try {
      sec = await def.run(ctx);
    } catch (e) {
      failed++;
      log(`section ${id} failed: ${(e as Error).stack ?? String(e)}`);
      await stopAll();
      sec = { title: def.title, body: `**Failed**: ${(e as Error).message}` };
    }
    const md = `## ${sec.title}\n\n_Load average at start: ${load}; took ${Math.round((Date.now() - t0) / 1000)} s._\n\n${sec.body}`;
    process.stderr.write(`\n${md}\n\n`);
    out.push('', md);
  }

  const report = `${out.join('\n')}\n`;
  const file = `${outDir}/RESULTS-${ts}.md`;
  writeFileSync(file, report);
  process.stdout.write(report);
  log(`report written to ${file}`);
  return failed > 0 ? 1 : 0;
}

main().then(
  async (code) => {
    await stopAll();
    process.exitCode = code;
  },
  async (e: unknown) => {
    await stopAll();
    log(`bench failed: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  },
);
