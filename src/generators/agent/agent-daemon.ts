/**
 * `volley agent`: a process that joins the pool over NATS, answers discovery, and runs one
 * controller's share of a test at a time on worker threads of its own (the thread generator).
 *
 * The dead-man switch: from the moment a controller reserves it, the agent expects to hear from
 * that controller (its heartbeat every second, or a command). Silent for `deadManMs` (default 3 s),
 * whatever the cause — the controller killed, its machine gone, NATS unreachable — the agent
 * terminates its threads at once, which closes every socket they hold, and is idle again. A load
 * generator never keeps hammering a service after its operator is gone.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import type { NatsConnection, Subscription } from 'nats';
import { now } from '../../engine/clock.js';
import { decodeSpec } from '../../engine/generator.js';
import type { GeneratorSpec } from '../../engine/protocol.js';
import { ThreadGenerator } from '../thread/thread-generator.js';
import { FlushCombiner } from './flush-combiner.js';
import { connectNats, safeUrl, type NatsOptions } from './nats-connect.js';
import { ReportSender } from './reliable-reports.js';
import {
  AGENT_PROTOCOL_VERSION,
  SUBJECTS,
  decode,
  encode,
  sha256,
  type AgentBeat,
  type AgentCommand,
  type AgentInfo,
  type AgentState,
  type CommandReply,
} from './wire.js';

export interface AgentOptions {
  nats: NatsOptions;
  name: string;
  tags: Record<string, string>;
  /** Worker threads (0: one per core). */
  workers: number;
  /** volley's version: a controller with another is refused. */
  version: string;
  /** Silence from the controller after which the load stops by itself (default 3000 ms). */
  deadManMs?: number;
  /** One line per event (joined, reserved, started, finished, dead-man). */
  log: (line: string) => void;
}

const BEAT_MS = 1000;

/**
 * The CPUs a cgroup (v2) limit allows this process, rounded up (`cpu.max` "200000 100000" is 2);
 * undefined without a limit. Node 20's availableParallelism counts the machine's cores, so an
 * agent in a container limited to 2 CPUs on a 64-core node would otherwise start 64 threads.
 */
export function cgroupCpuLimit(path = '/sys/fs/cgroup/cpu.max'): number | undefined {
  try {
    const [quota, period] = readFileSync(path, 'utf8').trim().split(/\s+/);
    if (quota === undefined || quota === 'max') return undefined;
    const q = Number(quota);
    const p = Number(period ?? 100000);
    if (!(q > 0) || !(p > 0)) return undefined;
    return Math.max(1, Math.ceil(q / p));
  } catch {
    return undefined;
  }
}

/** `--workers auto`: one thread per core this agent may use (a cgroup CPU limit counts). */
export function autoWorkers(): number {
  return Math.min(availableParallelism(), cgroupCpuLimit() ?? Infinity);
}
const DEAD_MAN_CHECK_MS = 200;

/** One run's part on this agent: from the reservation to its last acknowledged report. */
class AgentRun {
  lastContact = now();
  lastSecond = -1;
  readonly specParts: string[] = [];
  threads: ThreadGenerator[] = [];
  alive = 0;
  sender: ReportSender | undefined;
  started = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly subs: Subscription[] = [];

  constructor(
    readonly runId: string,
    readonly controller: string,
  ) {}

  every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  listen(sub: Subscription): void {
    this.subs.push(sub);
  }

  async end(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const s of this.subs) s.unsubscribe();
    this.sender?.close();
    await Promise.all(this.threads.map((t) => t.terminate().catch(() => {})));
  }
}

export class AgentDaemon {
  readonly id: string;
  private readonly startedAt = Date.now();
  private readonly workers: number;
  private run: AgentRun | undefined;
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly opts: AgentOptions,
  ) {
    this.id = `${opts.name.replace(/[^A-Za-z0-9_-]/g, '_')}-${randomUUID().slice(0, 8)}`;
    this.workers = opts.workers > 0 ? opts.workers : autoWorkers();
  }

  /** Connects and joins the pool; resolves once it answers discovery. */
  static async start(opts: AgentOptions): Promise<AgentDaemon> {
    const nc = await connectNats(opts.nats);
    const agent = new AgentDaemon(nc, opts);
    agent.listen();
    await nc.flush();
    opts.log(
      `agent ${opts.name} (${agent.id}) joined the pool at ${safeUrl(opts.nats.url)}: volley ${opts.version}, ${agent.workers} worker thread${agent.workers === 1 ? '' : 's'}, ${availableParallelism()} cores${Object.keys(opts.tags).length ? `, tags ${tagText(opts.tags)}` : ''}`,
    );
    return agent;
  }

  get state(): AgentState {
    return this.run === undefined ? 'idle' : this.run.started ? 'running' : 'reserved';
  }

  info(): AgentInfo {
    return {
      id: this.id,
      name: this.opts.name,
      version: this.opts.version,
      protocol: AGENT_PROTOCOL_VERSION,
      host: hostname(),
      cores: availableParallelism(),
      workers: this.workers,
      tags: this.opts.tags,
      state: this.state,
      runId: this.run?.runId ?? null,
      at: Date.now(),
      uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
    };
  }

  /** Resolves when the connection ends for good (closed, or the server refused it). */
  closedPromise(): Promise<void | Error> {
    return this.nc.closed();
  }

  /** Leaves the pool: a run in progress is ended at once (its controller sees the agent lost). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const run = this.run;
    if (run?.sender && run.started) {
      // Its load stops first; then the controller hears why at once, not from a missed heartbeat.
      await Promise.all(run.threads.map((t) => t.terminate().catch(() => {})));
      run.sender.send({
        kind: 'fatal',
        fatal: {
          code: 'disconnected',
          message: 'the agent was stopped (SIGTERM/SIGINT)',
          detail: `agent ${this.opts.name} (${this.id}) was stopped while running run ${run.runId}`,
        },
      });
      await Promise.race([run.sender.drained(), new Promise((r) => setTimeout(r, 1500))]);
    }
    if (this.run) await this.abandon('the agent is shutting down');
    await this.nc.drain().catch(() => {});
  }

  private listen(): void {
    this.nc.subscribe(SUBJECTS.discover, {
      callback: (err, msg) => {
        if (!err && msg.reply) msg.respond(encode(this.info()));
      },
    });
    this.nc.subscribe(SUBJECTS.command(this.id), {
      callback: (err, msg) => {
        if (err) return;
        let cmd: AgentCommand;
        try {
          cmd = decode<AgentCommand>(msg.data);
        } catch {
          msg.respond(encode({ ok: false, error: 'not a command' } satisfies CommandReply));
          return;
        }
        void this.command(cmd).then(
          (reply) => msg.respond(encode(reply)),
          (err: Error) => msg.respond(encode({ ok: false, error: err.message } satisfies CommandReply)),
        );
      },
    });
    // Status changes, for the operator: a restarted NATS shows as a disconnect and a reconnect.
    void (async () => {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect') this.opts.log(`agent ${this.opts.name}: disconnected from NATS`);
        if (s.type === 'reconnect') this.opts.log(`agent ${this.opts.name}: reconnected to NATS`);
      }
    })().catch(() => {});
  }

  private async command(cmd: AgentCommand): Promise<CommandReply> {
    if (cmd.type === 'reserve') return this.reserve(cmd);
    const run = this.run;
    if (!run || run.runId !== cmd.runId)
      return { ok: false, error: `agent ${this.opts.name} is not reserved for run ${cmd.runId}` };
    run.lastContact = now();
    switch (cmd.type) {
      case 'clock':
        return { ok: true, agentNowMs: now() };
      case 'spec-part':
        run.specParts[cmd.part] = cmd.data;
        return { ok: true };
      case 'init':
        return this.init(run, cmd.sha256);
      case 'start':
        // A start resent after a lost reply must not start the threads twice.
        if (run.started) return { ok: true };
        run.started = true;
        for (const t of run.threads) t.start(cmd.runStartAtMs);
        this.opts.log(`agent ${this.opts.name}: run ${cmd.runId} started`);
        return { ok: true };
      case 'control':
        for (const t of run.threads) t.control(cmd.scenario, cmd.change);
        return { ok: true };
      case 'stop':
        for (const t of run.threads) t.stop(cmd.graceMs);
        return { ok: true };
      case 'terminate':
        await this.abandon('the controller ended it');
        return { ok: true };
    }
  }

  private reserve(cmd: Extract<AgentCommand, { type: 'reserve' }>): CommandReply {
    if (cmd.version !== this.opts.version || cmd.protocol !== AGENT_PROTOCOL_VERSION)
      return {
        ok: false,
        error: `version skew: agent ${this.opts.name} runs volley ${this.opts.version} (agent protocol ${AGENT_PROTOCOL_VERSION}), the controller volley ${cmd.version} (agent protocol ${cmd.protocol})`,
      };
    if (this.run && this.run.runId !== cmd.runId)
      return { ok: false, error: `agent ${this.opts.name} is busy with run ${this.run.runId}` };
    if (this.run) return { ok: true };
    const run = new AgentRun(cmd.runId, cmd.controller);
    this.run = run;
    run.listen(
      this.nc.subscribe(SUBJECTS.controllerBeat(cmd.runId), {
        callback: () => {
          run.lastContact = now();
        },
      }),
    );
    const deadManMs = this.opts.deadManMs ?? 3000;
    run.every(DEAD_MAN_CHECK_MS, () => {
      const silent = now() - run.lastContact;
      if (silent > deadManMs && this.run === run)
        void this.abandon(
          `dead-man switch: no word from controller ${cmd.controller} for ${(silent / 1000).toFixed(1)}s${run.started ? ', load stopped' : ''}`,
        );
    });
    this.opts.log(`agent ${this.opts.name}: reserved for run ${cmd.runId} by ${cmd.controller}`);
    return { ok: true };
  }

  private async init(run: AgentRun, digest: string): Promise<CommandReply> {
    const text = run.specParts.join('');
    if (sha256(text) !== digest)
      return { ok: false, error: `agent ${this.opts.name}: the test spec arrived damaged (sha256 mismatch)` };
    const spec: GeneratorSpec = decodeSpec(text);
    // A path on the controller's machine means nothing here: the bundle is written from its content.
    if (spec.script) delete spec.script.localBundlePath;
    const count = spec.segmentCount;
    const sender = new ReportSender(this.nc, SUBJECTS.report(run.runId, this.id));
    run.sender = sender;
    const combiner = new FlushCombiner(count, (kind, flush) => {
      run.lastSecond = Math.max(run.lastSecond, flush.second);
      sender.send({ kind, flush });
      if (kind === 'done') void this.finish(run);
    });
    run.threads = Array.from({ length: count }, (_, j) => new ThreadGenerator(j));
    run.alive = count;
    let exitRefused = false;
    run.threads.forEach((t, j) => {
      t.on('flush', (f) => combiner.flush(j, f));
      t.on('done', (f) => {
        run.alive--;
        combiner.done(j, f);
      });
      t.on('exit-refused', (code) => {
        if (exitRefused) return;
        exitRefused = true;
        sender.send({ kind: 'exit-refused', code });
      });
      t.on('fatal', (f) => {
        // The agent goes on with its other threads: for the controller, a failure that is not terminal.
        sender.send({
          kind: 'fatal',
          fatal: {
            code: 'engine-failed',
            message: `${t.label} of agent ${this.opts.name} ${f.code === 'engine-failed' ? 'failed' : f.code}: ${f.message}`,
            detail: f.detail,
          },
        });
        if (f.code !== 'engine-failed') {
          run.alive--;
          combiner.lost(j);
        }
      });
    });
    try {
      await Promise.all(
        run.threads.map((t, j) =>
          t.init({ ...spec, workerIndex: j, segmentIndex: spec.segmentIndex + j, segmentCount: 1 }),
        ),
      );
    } catch (err) {
      await this.abandon(`its threads could not load the test`);
      return { ok: false, error: `agent ${this.opts.name}: ${(err as Error).message}` };
    }
    run.every(BEAT_MS, () => {
      const beat: AgentBeat = { second: run.lastSecond, threads: run.alive };
      this.nc.publish(SUBJECTS.agentBeat(run.runId, this.id), encode(beat));
    });
    this.opts.log(
      `agent ${this.opts.name}: run ${run.runId} loaded on ${count} thread${count === 1 ? '' : 's'}`,
    );
    return { ok: true };
  }

  /** Its final report is out: once acknowledged, the agent is free again. */
  private async finish(run: AgentRun): Promise<void> {
    await run.sender?.drained();
    if (this.run !== run) return;
    this.run = undefined;
    await run.end();
    this.opts.log(`agent ${this.opts.name}: run ${run.runId} finished`);
  }

  private async abandon(why: string): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    await run.end();
    this.opts.log(`agent ${this.opts.name}: run ${run.runId} ended: ${why}`);
  }
}

export const tagText = (tags: Record<string, string>): string =>
  Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
