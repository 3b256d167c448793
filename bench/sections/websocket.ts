/**
 * Section 10: WebSocket messages per second per core. volley's quick mode over ws:// (one worker,
 * pinned to the generator core with taskset) against a plain `ws` client loop written here
 * (bench/ws-plain-client.js, same core, same number of connections), both against the same
 * standalone `ws` echo server (bench/ws-echo-target.js) on the target core, in one invocation.
 * Each message is a round trip: send, wait for the echo, send again.
 */
import { readFileSync } from 'node:fs';
import { type Ctx, type SectionOutput, runVolley } from '../lib/context.js';
import { cooldown, runGen } from '../lib/gen.js';
import { int, ms, pct, ratio, table } from '../lib/format.js';
import { metric } from '../lib/parse.js';
import { findDescendant, freePort, log, startProc, stopProc, waitForPort } from '../lib/proc.js';
import type { Target } from '../lib/targets.js';

const CONNS = 50;

async function startEcho(ctx: Ctx): Promise<Target> {
  const port = await freePort();
  const logFile = `${ctx.rawDir}/target-ws-echo.log`;
  const p = startProc(
    'target ws-echo',
    'timeout',
    [
      '-k',
      '3',
      String(ctx.targetEnv.maxLifeS),
      'taskset',
      '-c',
      String(ctx.targetCore),
      process.execPath,
      `${ctx.benchDir}/ws-echo-target.js`,
      String(port),
    ],
    { stdout: logFile, stderr: logFile },
  );
  if (!(await waitForPort(port, p))) {
    await stopProc(p);
    throw new Error(
      `ws echo target did not start; see ${logFile}:\n${readFileSync(logFile, 'utf8').slice(-2000)}`,
    );
  }
  const pid = await findDescendant(p.pid, 'node');
  return { name: 'ws-echo', url: `ws://127.0.0.1:${port}/`, port, pid, proc: p };
}

export async function websocket(ctx: Ctx): Promise<SectionOutput> {
  const D = ctx.durationS;
  const t = await startEcho(ctx);
  let plain: { messages: number; seconds: number } | undefined;
  let plainCpu: number | undefined;
  let plainTargetCpu: number | undefined;
  let v;
  try {
    log(`section 10: plain ws loop vs volley, ${CONNS} connections, against ${t.url}`);
    const g = await runGen({
      name: 's10-plain-ws',
      argv: [process.execPath, `${ctx.benchDir}/ws-plain-client.js`, t.url, String(CONNS), String(D)],
      core: ctx.genCore,
      limitS: D * 3 + 60,
      rawDir: ctx.rawDir,
      targetPid: t.pid,
    });
    try {
      plain = JSON.parse(g.out.trim().split('\n').pop() ?? '') as { messages: number; seconds: number };
    } catch {
      plain = undefined;
    }
    plainCpu = g.genCpu;
    plainTargetCpu = g.targetCpu;
    await cooldown(ctx.cooldownS);
    v = await runVolley(
      ctx,
      's10-volley-ws',
      t.url,
      ['--body', 'hello', '--vus', String(CONNS), '--workers', '1', '--duration', `${D}s`],
      { core: ctx.genCore, target: t },
    );
  } finally {
    await stopProc(t.proc);
  }
  const plainRate = plain ? plain.messages / plain.seconds : undefined;
  const volleyRate = metric(v.summary, 'ws_msgs_sent', 'rate');
  const rows = [
    ['plain ws loop (bench/ws-plain-client.js)', int(plainRate), '-', pct(plainCpu), pct(plainTargetCpu)],
    [
      'volley run --url ws://… --workers 1',
      int(volleyRate),
      ms(metric(v.summary, 'ws_rtt', 'p(99)')),
      pct(v.gen.genCpu),
      pct(v.gen.targetCpu),
    ],
  ];
  const body = [
    `Both pinned to core ${ctx.genCore} (taskset), ${CONNS} connections, ${D} s each, one after the other against the same ` +
      `\`ws\` echo server on core ${ctx.targetCore}. A message is one round trip (send, await the echo). ` +
      'volley records ws_msgs_sent/received, ws_rtt and iteration metrics per message; the plain loop only counts.',
    '',
    table(['client', 'messages/s', 'ws_rtt p99 ms', 'client CPU', 'target CPU'], rows),
    '',
    `**Result**: volley / plain ws loop = **${ratio(volleyRate, plainRate)}** messages per second on one core.` +
      ' Target CPU near 100% means the echo server, not the client, set the pace.',
  ];
  return { title: '10. WebSocket messages per second per core', body: body.join('\n') };
}
