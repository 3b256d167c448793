/**
 * `volley agent`: joins the pool and waits for work until SIGINT/SIGTERM; `volley agents`: lists
 * the pool (name, tags, version, cores, threads, state, current run, last heard).
 */
import { availableParallelism, hostname } from 'node:os';
import { AgentDaemon } from '../generators/agent/agent-daemon.js';
import { AgentPool } from '../generators/agent/agent-pool.js';
import { VolleyError } from '../errors.js';
import { natsAuth, natsUrl, parseTagList } from './agent-flags.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';
import { VERSION } from './version.js';

export interface AgentFlags {
  nats?: string;
  name?: string;
  tags?: string;
  workers?: string;
  creds?: string;
  token?: string;
  user?: string;
  password?: string;
  /** Hidden, for tests of skew: the version this agent announces. */
  announceVersion?: string;
  /** Hidden, for tests: the dead-man switch's silence, ms. */
  deadManMs?: string;
}

function workerCount(text: string | undefined): number {
  if (text === undefined || text === 'auto') return 0;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new VolleyError('INVALID_USAGE', `--workers must be an integer >= 1 or auto (got '${text}')`);
  return n;
}

export async function agentCommand(flags: AgentFlags, io: CliIO): Promise<ExitCodeValue> {
  const url = natsUrl(flags.nats, io.env, 'volley agent');
  const name = flags.name ?? `${hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name))
    throw new VolleyError(
      'INVALID_USAGE',
      `--name '${name}': letters, digits, '.', '_' and '-' only (at most 64)`,
    );
  const tags = parseTagList(flags.tags, '--tags');
  const workers = workerCount(flags.workers);
  const deadManMs = flags.deadManMs === undefined ? undefined : Number(flags.deadManMs);
  const agent = await AgentDaemon.start({
    nats: { url, name: `volley agent ${name}`, ...natsAuth(flags, io.env) },
    name,
    tags,
    workers,
    version: flags.announceVersion ?? VERSION,
    ...(deadManMs !== undefined && Number.isFinite(deadManMs) ? { deadManMs } : {}),
    log: (line) => io.stderr(`${new Date().toISOString()} ${line}\n`),
  });
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const off = io.onSignals(
      (signal) => {
        if (stopping) return;
        stopping = true;
        io.stderr(`${signal}: agent ${name} leaves the pool\n`);
        off();
        void agent.close().then(resolve);
      },
      { hangup: true },
    );
  });
  const ended = await Promise.race([stopped.then(() => undefined), agent.closedPromise()]);
  if (ended instanceof Error) {
    io.stderr(`error: agent ${name}: the NATS connection ended: ${ended.message}\n`);
    return ExitCode.RUNTIME_ERROR;
  }
  return ExitCode.OK;
}

export interface AgentsFlags {
  nats?: string;
  creds?: string;
  token?: string;
  user?: string;
  password?: string;
  json?: boolean;
  wait?: string;
}

export async function agentsCommand(flags: AgentsFlags, io: CliIO): Promise<ExitCodeValue> {
  const url = natsUrl(flags.nats, io.env, 'volley agents');
  const pool = await AgentPool.connect({ url, ...natsAuth(flags, io.env) }, VERSION);
  try {
    const agents = await pool.discover(700);
    if (flags.json) {
      io.stdout(`${JSON.stringify({ controllerVersion: VERSION, agents }, null, 2)}\n`);
      return ExitCode.OK;
    }
    if (agents.length === 0) {
      io.stdout(`no agents answered at ${url} (start one: volley agent --nats ${url})\n`);
      return ExitCode.OK;
    }
    const rows = [['name', 'tags', 'version', 'cores', 'threads', 'state', 'run', 'heard']];
    for (const a of agents)
      rows.push([
        a.name,
        Object.entries(a.tags)
          .map(([k, v]) => `${k}=${v}`)
          .join(',') || '-',
        a.version === VERSION ? a.version : `${a.version} (skew: controller ${VERSION})`,
        String(a.cores),
        String(a.workers),
        a.state,
        a.runId ? a.runId.slice(0, 8) : '-',
        `${Math.max(0, Math.round((Date.now() - a.at) / 100) / 10)}s ago`,
      ]);
    const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
    for (const r of rows) io.stdout(`${r.map((c, i) => c.padEnd(widths[i] as number)).join('  ')}\n`);
    io.stdout(
      `${agents.length} agent${agents.length === 1 ? '' : 's'}, ${agents.reduce((a, x) => a + x.workers, 0)} threads (this machine: ${availableParallelism()} cores)\n`,
    );
    return ExitCode.OK;
  } finally {
    await pool.close();
  }
}
