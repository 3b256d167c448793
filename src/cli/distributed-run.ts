/**
 * `volley run --nats URL [--agents N|all] [--agent-tags k=v]`: the agents a run is spread over.
 * Connects to the pool, reserves the agents (their dead-man switches armed by the controller's
 * heartbeat from then on) and gives the session their generator factory; `close` frees them.
 */
import { randomUUID } from 'node:crypto';
import type { CoordinatorTimings } from '../engine/coordinator.js';
import type { GeneratorFactory } from '../engine/generator.js';
import { natsAuth, natsUrl, parseAgentCount, parseTagList, parseWait } from './agent-flags.js';
import type { CliIO } from './io.js';
import { VERSION } from './version.js';

export interface DistributedFlags {
  nats?: string;
  agents?: string;
  agentTags?: string;
  agentsWait?: string;
  natsCreds?: string;
  natsToken?: string;
  natsUser?: string;
  natsPassword?: string;
  runId?: string;
  quiet?: boolean;
}

export interface DistributedRun {
  runId: string;
  generators: GeneratorFactory;
  /** A network needs a later start instant (every agent gets it in time) and more patience with silence. */
  timings: Partial<CoordinatorTimings>;
  close(): Promise<void>;
}

/** The run's agents, or undefined when the run is local (neither --nats nor --agents given). */
export async function reserveAgents(flags: DistributedFlags, io: CliIO): Promise<DistributedRun | undefined> {
  if (flags.nats === undefined && flags.agents === undefined && flags.agentTags === undefined)
    return undefined;
  const url = natsUrl(flags.nats, io.env, 'volley run --agents');
  const count = parseAgentCount(flags.agents);
  const tags = parseTagList(flags.agentTags, '--agent-tags');
  const waitMs = parseWait(flags.agentsWait, '--agents-wait', 10_000);
  const auth = natsAuth(
    { creds: flags.natsCreds, token: flags.natsToken, user: flags.natsUser, password: flags.natsPassword },
    io.env,
  );
  const { AgentPool } = await import('../generators/agent/agent-pool.js');
  const pool = await AgentPool.connect({ url, ...auth }, VERSION);
  const runId = flags.runId ?? randomUUID();
  try {
    const agents = await pool.reserve({ runId, count, tags, waitMs });
    if (!flags.quiet)
      io.stderr(
        `running on ${agents.length} agent${agents.length === 1 ? '' : 's'}: ${agents.map((a) => `${a.name} (${a.workers} thread${a.workers === 1 ? '' : 's'}, ${a.host})`).join(', ')}\n`,
      );
  } catch (err) {
    await pool.close();
    throw err;
  }
  return {
    runId,
    generators: pool.factory(runId),
    timings: { startDelayMs: 1000, silentMs: 3000 },
    close: () => pool.close(),
  };
}
