/**
 * A generator that is an agent on another machine (or process), reached over NATS: the
 * controller's half of src/generators/agent/agent-daemon.ts. It measures the agent's clock offset,
 * ships the spec (the bundled script and its data files by content, checked by digest), starts it
 * at the agreed instant on the agent's own clock, and turns its acknowledged reports into the
 * generator events. An agent silent for `lossMs` (its heartbeat is every second) while this side's
 * NATS connection is up is lost: a terminal `disconnected`, and the coordinator says which segment
 * went missing from which second.
 */
import type { NatsConnection } from 'nats';
import { now } from '../../engine/clock.js';
import {
  encodeSpec,
  GeneratorEmitter,
  type Generator,
  type GeneratorDescription,
} from '../../engine/generator.js';
import type { GeneratorControl, GeneratorSpec } from '../../engine/protocol.js';
import { ReportReceiver } from './reliable-reports.js';
import {
  SUBJECTS,
  decode,
  encode,
  sha256,
  splitParts,
  type AgentCommand,
  type AgentInfo,
  type AgentReport,
  type CommandReply,
} from './wire.js';
import { tagText } from './agent-daemon.js';

/** What an agent generator asks of the pool's connection: the link, and whether it is up. */
export interface ControllerLink {
  nc: NatsConnection;
  /** Whether the connection is up, and since when (clock.ts ms): silence while it is down is not the agent's. */
  connectedSince(): number | undefined;
}

export interface AgentGeneratorTimings {
  /** An agent silent this long is lost (default 4000 ms; its heartbeat is every second). */
  lossMs: number;
  /** How long the agent may take to load the test on its threads. */
  initTimeoutMs: number;
}

const COMMAND_TIMEOUT_MS = 3000;

export class AgentGenerator extends GeneratorEmitter implements Generator {
  readonly label: string;
  private offsetMs = 0;
  private rttMs = 0;
  private ended = false;
  private lastHeard = now();
  private receiver: ReportReceiver | undefined;
  private watch: NodeJS.Timeout | undefined;
  private unsubscribeBeat: (() => void) | undefined;

  constructor(
    private readonly link: ControllerLink,
    readonly agent: AgentInfo,
    readonly weight: number,
    private readonly runId: string,
    private readonly timings: AgentGeneratorTimings = { lossMs: 4000, initTimeoutMs: 60_000 },
  ) {
    super();
    this.label = `agent ${agent.name}`;
  }

  describe(): GeneratorDescription {
    const details: Record<string, string | number> = {
      id: this.agent.id,
      version: this.agent.version,
      host: this.agent.host,
      cores: this.agent.cores,
      clockOffsetMs: Math.round(this.offsetMs * 10) / 10,
      clockRttMs: Math.round(this.rttMs * 10) / 10,
    };
    if (Object.keys(this.agent.tags).length) details.tags = tagText(this.agent.tags);
    return { kind: 'agent', name: this.agent.name, details };
  }

  private async command(
    cmd: AgentCommand,
    timeout = COMMAND_TIMEOUT_MS,
  ): Promise<CommandReply & { ok: true }> {
    let reply: CommandReply;
    try {
      const msg = await this.link.nc.request(SUBJECTS.command(this.agent.id), encode(cmd), { timeout });
      reply = decode<CommandReply>(msg.data);
    } catch (err) {
      throw new Error(`${this.label} did not answer '${cmd.type}': ${(err as Error).message}`);
    }
    if (!reply.ok) throw new Error(reply.error);
    return reply;
  }

  /** The agent's clock minus ours, from the round trip with the least delay of five. */
  private async measureClock(): Promise<void> {
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const t0 = now();
      const reply = await this.command({ type: 'clock', runId: this.runId });
      const t1 = now();
      if (t1 - t0 < best && reply.agentNowMs !== undefined) {
        best = t1 - t0;
        this.offsetMs = reply.agentNowMs - (t0 + t1) / 2;
      }
    }
    this.rttMs = best;
  }

  async init(spec: GeneratorSpec): Promise<void> {
    await this.measureClock();
    const text = encodeSpec(spec);
    const parts = splitParts(text);
    for (let part = 0; part < parts.length; part++)
      await this.command({
        type: 'spec-part',
        runId: this.runId,
        part,
        parts: parts.length,
        data: parts[part] as string,
      });
    // Listening before the agent can report anything.
    this.receiver = new ReportReceiver(this.link.nc, SUBJECTS.report(this.runId, this.agent.id), (r) =>
      this.report(r),
    );
    const beat = this.link.nc.subscribe(SUBJECTS.agentBeat(this.runId, this.agent.id), {
      callback: () => {
        this.lastHeard = now();
      },
    });
    this.unsubscribeBeat = () => beat.unsubscribe();
    await this.command({ type: 'init', runId: this.runId, sha256: sha256(text) }, this.timings.initTimeoutMs);
    this.lastHeard = now();
    this.watch = setInterval(() => this.checkAlive(), 250);
  }

  private report(r: AgentReport): void {
    this.lastHeard = now();
    if (this.ended) return;
    switch (r.kind) {
      case 'flush':
        this.emit('flush', r.flush);
        break;
      case 'done':
        this.ended = true;
        this.close();
        this.emit('done', r.flush);
        break;
      case 'fatal':
        // A terminal failure (the agent was stopped): nothing follows from it.
        if (r.fatal.code !== 'engine-failed') {
          this.ended = true;
          this.close();
        }
        this.emit('fatal', r.fatal);
        break;
      case 'exit-refused':
        this.emit('exit-refused', r.code);
        break;
    }
  }

  private checkAlive(): void {
    if (this.ended) return;
    const since = this.link.connectedSince();
    if (since === undefined) return; // our own connection is down: nobody can be heard
    const silent = now() - Math.max(this.lastHeard, since);
    if (silent <= this.timings.lossMs) return;
    this.ended = true;
    this.close();
    // If it comes back, it must not go on with a share the run already counts as lost.
    void this.command({ type: 'terminate', runId: this.runId }).catch(() => {});
    this.emit('fatal', {
      code: 'disconnected',
      message: `no heartbeat for ${(silent / 1000).toFixed(1)}s`,
      detail: `${this.label} (${this.agent.id} on ${this.agent.host}) stopped answering: no heartbeat or report for ${(silent / 1000).toFixed(1)}s`,
    });
  }

  private close(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = undefined;
    this.receiver?.close();
    this.unsubscribeBeat?.();
  }

  /** A command during the run: retried while NATS reconnects; a lost agent is the heartbeat's to report. */
  private send(cmd: AgentCommand): void {
    if (this.ended) return;
    const attempt = (left: number): void => {
      this.command(cmd).catch(() => {
        if (left > 0 && !this.ended) setTimeout(() => attempt(left - 1), 250);
      });
    };
    attempt(8);
  }

  start(runStartAtMs: number): void {
    // The agreed instant on the agent's clock.
    this.send({ type: 'start', runId: this.runId, runStartAtMs: runStartAtMs + this.offsetMs });
  }

  control(scenario: string, change: GeneratorControl): void {
    this.send({ type: 'control', runId: this.runId, scenario, change });
  }

  stop(graceMs: number): void {
    this.send({ type: 'stop', runId: this.runId, graceMs });
  }

  async terminate(): Promise<void> {
    const wasEnded = this.ended;
    this.ended = true;
    this.close();
    if (!wasEnded) await this.command({ type: 'terminate', runId: this.runId }).catch(() => {});
  }
}
