/**
 * Targets, each pinned to the target core, on a free loopback port, wrapped in `timeout` so that
 * even an orphaned target ends by itself: nginx (bench/nginx.conf), the plain Node server
 * (bench/node-target.js) and the stalling server (bench/stall-target.js).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { findDescendant, freePort, log, startProc, stopProc, waitForPort, type Proc } from './proc.js';

export interface Target {
  name: string;
  url: string;
  port: number;
  /** PID of the server process itself (for its CPU time), behind the wrappers. */
  pid: number | undefined;
  proc: Proc;
}

export interface TargetEnv {
  benchDir: string;
  outDir: string;
  rawDir: string;
  targetCore: number;
  /** Hard cap on a target's life, seconds. */
  maxLifeS: number;
}

async function launch(
  env: TargetEnv,
  name: string,
  comm: string,
  port: number,
  argv: string[],
  extraEnv = {},
): Promise<Target> {
  const log0 = `${env.rawDir}/target-${name}.log`;
  const p = startProc(
    `target ${name}`,
    'timeout',
    ['-k', '3', String(env.maxLifeS), 'taskset', '-c', String(env.targetCore), ...argv],
    { stdout: log0, stderr: log0, env: { ...process.env, ...extraEnv } },
  );
  if (!(await waitForPort(port, p))) {
    await stopProc(p);
    throw new Error(
      `target ${name} did not start on port ${port}; see ${log0}:\n${readFileSync(log0, 'utf8').slice(-2000)}`,
    );
  }
  const pid = await findDescendant(p.pid, comm);
  if (pid === undefined) log(`note: could not find the ${name} process behind PID ${p.pid}: no target CPU`);
  return { name, url: `http://127.0.0.1:${port}/`, port, pid, proc: p };
}

export async function startNginx(env: TargetEnv, nginx: string): Promise<Target> {
  const port = await freePort();
  const prefix = `${env.outDir}/nginx/`;
  mkdirSync(`${prefix}tmp`, { recursive: true });
  const conf = `${prefix}nginx.conf`;
  writeFileSync(
    conf,
    readFileSync(`${env.benchDir}/nginx.conf`, 'utf8').replaceAll('__PORT__', String(port)),
  );
  return launch(env, 'nginx', 'nginx', port, [nginx, '-p', prefix, '-c', conf, '-e', 'stderr']);
}

/** nginx speaking cleartext HTTP/2 only (h2c with prior knowledge), for section 8 against h2load. */
export async function startNginxH2c(env: TargetEnv, nginx: string): Promise<Target> {
  const port = await freePort();
  const prefix = `${env.outDir}/nginx-h2c/`;
  mkdirSync(`${prefix}tmp`, { recursive: true });
  const conf = `${prefix}nginx.conf`;
  writeFileSync(
    conf,
    readFileSync(`${env.benchDir}/nginx.conf`, 'utf8')
      .replaceAll('__PORT__ backlog', '__PORT__ http2 backlog')
      .replaceAll('__PORT__', String(port)),
  );
  return launch(env, 'nginx-h2c', 'nginx', port, [nginx, '-p', prefix, '-c', conf, '-e', 'stderr']);
}

export async function startNode(env: TargetEnv): Promise<Target> {
  const port = await freePort();
  return launch(env, 'node', 'node', port, [
    process.execPath,
    `${env.benchDir}/node-target.js`,
    String(port),
  ]);
}

/** A fresh stalling target per run, so its stall schedule starts at the run's first request. */
export async function startStall(env: TargetEnv): Promise<Target> {
  const port = await freePort();
  return launch(
    env,
    'stall',
    'node',
    port,
    [process.execPath, `${env.benchDir}/stall-target.js`, String(port)],
    {
      STALL_MS: '1000',
      PERIOD_MS: '5000',
      FIRST_MS: '2000',
    },
  );
}

export const stopTarget = (t: Target): Promise<void> => stopProc(t.proc);

export function targetAlive(t: Target): boolean {
  return !t.proc.done;
}
