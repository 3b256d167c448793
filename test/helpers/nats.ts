/**
 * A real nats-server of the test's own on 127.0.0.1 (a free port, so a test may stop and restart
 * it without touching anyone else's), and `volley agent` processes joined to it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCli, waitFor, type CliResult } from './cli.js';

const CANDIDATES = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

/** The nats-server binary (CI installs Debian's nats-server); undefined when there is none. */
export function natsServerBinary(): string | undefined {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found) return found;
  const which = spawnSync('which', ['nats-server'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function portOpen(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export interface NatsServer {
  url: string;
  port: number;
  /** Stops the server (SIGKILL: as a crash would). */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Starts nats-server on a free port; extra arguments (e.g. `--user u --pass p`) as given. */
export async function startNats(extraArgs: string[] = []): Promise<NatsServer> {
  const bin = natsServerBinary();
  if (!bin) throw new Error('nats-server is not installed (apt-get install -y nats-server; .ci/run does)');
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'volley-nats-'));
  let child: ChildProcess | undefined;
  const up = async (): Promise<void> => {
    child = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store, ...extraArgs], {
      stdio: 'ignore',
    });
    const t0 = Date.now();
    while (!(await portOpen(port))) {
      if (Date.now() - t0 > 10_000) throw new Error(`nats-server did not listen on ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const down = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((r) => {
      c.once('exit', () => r());
      c.kill('SIGKILL');
    });
  };
  await up();
  return { url: `nats://127.0.0.1:${port}`, port, kill: down, restart: up, close: down };
}

export interface AgentProcess {
  name: string;
  child: ChildProcess;
  /** What it printed so far (stderr: its log lines). */
  log(): string;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts `volley agent` and waits until it has joined the pool. */
export async function startAgent(
  url: string,
  name: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<AgentProcess> {
  const child = spawn(process.execPath, [CLI, 'agent', '--nats', url, '--name', name, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor(() => out.includes('joined the pool') || gone, `agent ${name} to join`, 20_000);
  if (gone && !out.includes('joined the pool')) throw new Error(`agent ${name} exited: ${out}`);
  return {
    name,
    child,
    log: () => out,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** `volley agents --nats URL --json`. */
export async function listAgents(
  url: string,
): Promise<{ result: CliResult; agents: { name: string; state: string }[] }> {
  const result = await runCli(['agents', '--nats', url, '--json']);
  const agents =
    result.code === 0
      ? (JSON.parse(result.stdout) as { agents: { name: string; state: string }[] }).agents
      : [];
  return { result, agents };
}
