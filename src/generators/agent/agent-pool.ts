/**
 * The controller's view of the agent pool: one NATS connection, discovery (`volley agents`),
 * choosing and reserving the agents of a run (by count and tags, refusing version skew with both
 * versions named), the controller's heartbeat that keeps their dead-man switches quiet, and the
 * generator factory that weighs each agent by its threads.
 */
import { hostname } from 'node:os';
import { createInbox, type NatsConnection } from 'nats';
import { now } from '../../engine/clock.js';
import type { GeneratorFactory } from '../../engine/generator.js';
import { VolleyError } from '../../errors.js';
import { AgentGenerator, type AgentGeneratorTimings, type ControllerLink } from './agent-generator.js';
import { connectNats, safeUrl, type NatsOptions } from './nats-connect.js';
import {
  AGENT_PROTOCOL_VERSION,
  SUBJECTS,
  decode,
  encode,
  type AgentInfo,
  type CommandReply,
} from './wire.js';

export interface ReserveRequest {
  runId: string;
  /** How many agents, or every idle one that matches. */
  count: number | 'all';
  /** Only agents with all these tags. */
  tags: Record<string, string>;
  /** How long to wait for enough idle agents to answer (default 10 s). */
  waitMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const BEAT_MS = 1000;

export const matchesTags = (agent: AgentInfo, tags: Record<string, string>): boolean =>
  Object.entries(tags).every(([k, v]) => agent.tags[k] === v);

/**
 * Units of weight per agent: its threads, scaled down (largest remainder, at least one each) when
 * the test cannot use them all (`capacity`: its smallest scenario's VUs). Agents beyond the
 * capacity get 0 and take no part.
 */
export function agentWeights(workers: readonly number[], capacity: number): number[] {
  const total = workers.reduce((a, w) => a + w, 0);
  if (total <= capacity) return [...workers];
  if (capacity <= workers.length) return workers.map((_, i) => (i < capacity ? 1 : 0));
  const spare = capacity - workers.length; // one unit each first
  const exact = workers.map((w) => ((w - 1) * spare) / (total - workers.length));
  const out = exact.map((x) => 1 + Math.floor(x));
  let left = capacity - out.reduce((a, w) => a + w, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r);
  for (const { i } of order) {
    if (left <= 0) break;
    out[i] = (out[i] as number) + 1;
    left--;
  }
  return out;
}

export class AgentPool implements ControllerLink {
  private connectedAt: number | undefined = now();
  private beats: NodeJS.Timeout | undefined;
  private reserved: AgentInfo[] = [];
  private runId: string | undefined;

  private constructor(
    readonly nc: NatsConnection,
    readonly url: string,
    private readonly version: string,
  ) {
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') this.connectedAt = undefined;
        if (s.type === 'reconnect') this.connectedAt = now();
      }
    })().catch(() => {});
  }

  static async connect(
    nats: Omit<NatsOptions, 'name'> & { name?: string },
    version: string,
  ): Promise<AgentPool> {
    const nc = await connectNats({
      ...nats,
      name: nats.name ?? `volley controller ${hostname()}:${process.pid}`,
    });
    return new AgentPool(nc, nats.url, version);
  }

  connectedSince(): number | undefined {
    return this.connectedAt;
  }

  /** Every agent that answers within `waitMs`, by name. */
  async discover(waitMs = 500): Promise<AgentInfo[]> {
    const inbox = createInbox();
    const found = new Map<string, AgentInfo>();
    const sub = this.nc.subscribe(inbox, {
      callback: (err, msg) => {
        if (err) return;
        try {
          const info = decode<AgentInfo>(msg.data);
          found.set(info.id, info);
        } catch {
          // Not an agent's answer: ignored.
        }
      },
    });
    this.nc.publish(SUBJECTS.discover, encode({ at: Date.now() }), { reply: inbox });
    await sleep(waitMs);
    sub.unsubscribe();
    return [...found.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  private async command(agent: AgentInfo, cmd: object): Promise<CommandReply> {
    try {
      const msg = await this.nc.request(SUBJECTS.command(agent.id), encode(cmd), { timeout: 3000 });
      return decode<CommandReply>(msg.data);
    } catch (err) {
      return { ok: false, error: `agent ${agent.name} did not answer: ${(err as Error).message}` };
    }
  }

  /**
   * Chooses and reserves the run's agents. A matching agent of another version is refused (both
   * versions named); too few idle agents within the wait is a usage error that says what was found.
   */
  async reserve(req: ReserveRequest): Promise<AgentInfo[]> {
    const waitMs = req.waitMs ?? 10_000;
    const deadline = now() + waitMs;
    const tagNote = Object.keys(req.tags).length
      ? ` with tags ${Object.entries(req.tags)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}`
      : '';
    let chosen: AgentInfo[] = [];
    let last: AgentInfo[] = [];
    for (;;) {
      last = (await this.discover(req.count === 'all' ? 1000 : 400)).filter((a) => matchesTags(a, req.tags));
      const skew = last.find((a) => a.version !== this.version || a.protocol !== AGENT_PROTOCOL_VERSION);
      if (skew)
        throw new VolleyError(
          'INVALID_USAGE',
          `version skew: agent ${skew.name} runs volley ${skew.version} (agent protocol ${skew.protocol}), this controller volley ${this.version} (agent protocol ${AGENT_PROTOCOL_VERSION}); run one version on the controller and every agent`,
        );
      const idle = last.filter((a) => a.state === 'idle');
      if (req.count === 'all' ? idle.length > 0 : idle.length >= req.count) {
        chosen = req.count === 'all' ? idle : idle.slice(0, req.count);
        break;
      }
      if (now() >= deadline) {
        const busy = last.length - idle.length;
        throw new VolleyError(
          'INVALID_USAGE',
          `asked for ${req.count === 'all' ? 'every idle agent' : `${req.count} agent${req.count === 1 ? '' : 's'}`}${tagNote}; NATS at ${safeUrl(this.url)} had ${idle.length} idle${busy ? ` and ${busy} busy` : ''} within ${waitMs / 1000}s (start agents with: volley agent --nats ${safeUrl(this.url)})`,
        );
      }
      await sleep(300);
    }
    this.runId = req.runId;
    // The heartbeat starts with the first reservation: a reserved agent's dead-man switch is armed.
    this.beats = setInterval(() => {
      this.nc.publish(SUBJECTS.controllerBeat(req.runId), encode({ at: Date.now() }));
    }, BEAT_MS);
    const reserved: AgentInfo[] = [];
    for (const agent of chosen) {
      const reply = await this.command(agent, {
        type: 'reserve',
        runId: req.runId,
        controller: `${hostname()}:${process.pid}`,
        version: this.version,
        protocol: AGENT_PROTOCOL_VERSION,
      });
      if (!reply.ok) {
        this.reserved = reserved;
        await this.release();
        throw new VolleyError('INVALID_USAGE', `could not reserve agent ${agent.name}: ${reply.error}`);
      }
      reserved.push(agent);
    }
    this.reserved = reserved;
    return reserved;
  }

  /** The run's generators: one per reserved agent that the test has room for, weighed by its threads. */
  factory(runId: string, timings?: AgentGeneratorTimings): GeneratorFactory {
    return (_count, capacity) => {
      const weights = agentWeights(
        this.reserved.map((a) => a.workers),
        capacity,
      );
      const used: AgentGenerator[] = [];
      this.reserved.forEach((agent, i) => {
        const w = weights[i] as number;
        if (w > 0) used.push(new AgentGenerator(this, agent, w, runId, timings));
        else void this.command(agent, { type: 'terminate', runId });
      });
      return used;
    };
  }

  /** Frees the reserved agents (those still running a share end it) and stops the heartbeat. */
  async release(): Promise<void> {
    if (this.beats) clearInterval(this.beats);
    this.beats = undefined;
    const runId = this.runId;
    if (runId) await Promise.all(this.reserved.map((a) => this.command(a, { type: 'terminate', runId })));
    this.reserved = [];
  }

  async close(): Promise<void> {
    await this.release();
    await this.nc.drain().catch(() => {});
  }
}
