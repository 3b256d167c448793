/**
 * Runs started from the API: one at a time, each in its own process (the job entry, forked), so
 * load generation never shares the server's event loop. Relays the run's events to WebSocket
 * subscribers and keeps the live state (every second so far, latest snapshot, thresholds) for
 * late joiners and /metrics. The store is written by the run process itself, like any CLI run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, isAbsolute, join, resolve, sep } from 'node:path';
import type { Snapshot } from '../engine/snapshot.js';
import { TEST_FILE_EXTENSIONS } from '../config/test-file-types.js';
import { processAlive, processRef, type ProcessRef } from '../store/pid-alive.js';
import type { RunStore } from '../store/run-store.js';
import { BenchStore } from '../store/bench-store.js';
import { seriesPoint } from '../summary/series-point.js';
import { isActiveStatus, type RunListItem, type RunSource, type SeriesPoint } from '../store/types.js';
import type { JobKind, JobToServer, RunJob, ServerToJob } from './job-protocol.js';
import type { ProbeResult, StressCeilingSoFar } from '../analysis/stress.js';
import type { BenchEndpointResult } from '../analysis/bench.js';
import { JOB_PROTOCOL_VERSION } from './job-protocol.js';
import type { NatsAuth } from '../generators/agent/nats-connect.js';
import { AGENT_POOL_FIELDS, fileBodyFlags, quickBodyFlags } from '../session/run-options.js';
import type {
  BenchRunBody,
  ControlRunBody,
  CreateRunBody,
  LiveMessage,
  LiveThreshold,
  StressRunBody,
} from './wire.js';

/** An API problem with its HTTP status; the server answers `{ error, details }`. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

export interface RunManagerOptions {
  store: RunStore;
  /** The module forked per run (src/cli/run-job.js): injected so the server never imports the CLI. */
  jobEntry: string;
  scriptsDir: string | undefined;
  /** Environment for runs of scripts from --scripts (trusted, the operator's). */
  env: NodeJS.ProcessEnv;
  /** The agent pool (`volley serve --nats`): a run asking for agents gets its URL and credentials as flags. */
  nats?: AgentPoolSettings | undefined;
  log: (line: string) => void;
}

/** Where the server's agent pool is, and how to sign in to it. */
export interface AgentPoolSettings {
  url: string;
  auth: NatsAuth;
}

/** The message a body asking for agents gets from a server without a pool. */
export const NO_AGENT_POOL = 'this server has no agent pool: start it with volley serve --nats URL';

type Subscriber = (m: LiveMessage) => void;

/** How often a run of another process is read from the store (its seconds land once a second). */
const FOLLOW_POLL_MS = 250;

interface LiveRun {
  id: string;
  kind: JobKind;
  child: ChildProcess;
  points: SeriesPoint[];
  latest: Snapshot | null;
  thresholds: LiveThreshold[];
  subscribers: Set<Subscriber>;
  failure: { error: string; details: string[]; exitCode: number } | undefined;
  done: boolean;
  stderrTail: string;
  tempDir: string | undefined;
  exited: Promise<void>;
  /** Control requests waiting for the engine's answer, by requestId; each gets `undefined` or why not. */
  controls: Map<number, (error: string | undefined) => void>;
  /** A stress search's probes so far. */
  probes: ProbeResult[];
  soFar: StressCeilingSoFar;
  /** A bench's endpoints measured so far, and how many it measures. */
  benchEndpoints: BenchEndpointResult[];
  benchTotal: number | null;
  stopRequested: boolean;
}

/** A bench this server ran that is not (or not yet) in the store: measuring, stopped or failed. */
export interface BenchJobState {
  id: string;
  status: 'running' | 'stopped' | 'error' | 'ended';
  endpoints: BenchEndpointResult[];
  total: number | null;
  error: string | null;
}

/** How long a PATCH waits for the run process to say whether it applied the change. */
const CONTROL_ANSWER_MS = 5000;

export class RunManager {
  private live: LiveRun | undefined;
  private readonly scriptsRoot: string | undefined;
  private nextControlId = 1;
  /** This server process, recorded as the owner of the runs it creates. */
  private readonly self: ProcessRef = processRef(process.pid);

  constructor(private readonly opts: RunManagerOptions) {
    this.scriptsRoot = opts.scriptsDir === undefined ? undefined : realpathSync(opts.scriptsDir);
  }

  /**
   * The run going on now: this server's own, or else one another process (`volley run` in a
   * terminal) is recording into the store — the dashboard's "run in progress" and /metrics follow
   * either alike.
   */
  get activeId(): string | undefined {
    if (this.live && !this.live.done && this.live.kind !== 'bench') return this.live.id;
    this.opts.store.reconcile(processAlive);
    return this.opts.store.active().find((r) => r.status === 'running')?.id;
  }

  get latest(): Snapshot | null {
    if (this.live && !this.live.done && this.live.kind !== 'bench') return this.live.latest;
    const id = this.activeId;
    return id === undefined ? null : this.opts.store.latestSnapshot(id);
  }

  get scriptsDir(): string | undefined {
    return this.scriptsRoot;
  }

  /** Validated body → a run process. 409 while another run is active. */
  start(body: CreateRunBody, source: RunSource = 'api'): string {
    // Everything about the body is checked before the busy check, so a bad body is a 400 always.
    const { script, config, agentFields } = this.prepare(body);
    this.refuseWhileBusy();
    const id = randomUUID();
    let flags: Record<string, unknown>;
    let env: NodeJS.ProcessEnv;
    let name: string;
    if ('url' in body) {
      flags = quickBodyFlags(body);
      env = {};
      name = body.url;
    } else if (config !== undefined && 'config' in body) {
      flags = { env: envFlags(body.env), scenario: body.scenarios ?? [], ...fileBodyFlags(body) };
      // A posted document is not the operator's: its $env sees the body's env and nothing else.
      env = {};
      const scenarios =
        typeof config.scenarios === 'object' && config.scenarios ? Object.keys(config.scenarios) : [];
      name = `config: ${scenarios.join(', ') || 'no scenarios'}`;
    } else if ('script' in body) {
      flags = { env: envFlags(body.env), scenario: body.scenarios ?? [], ...fileBodyFlags(body) };
      env = { ...this.opts.env };
      name = body.script;
    } else {
      throw new ApiProblem(400, 'body: give url, config or script');
    }
    // The pool's address and credentials travel as flags over IPC: never in the stored body, and
    // never in the environment a posted document's $env or a script could read.
    if (agentFields.length > 0 && this.opts.nats) Object.assign(flags, natsFlags(this.opts.nats));
    // The guard lives in the store (one write transaction), so it holds against other servers
    // and terminal runs on the same file; this server is the run's owner until its process forks.
    this.claim({ id, source, name, request: body, owner: this.self });
    this.launch({
      id,
      kind: 'run',
      flags,
      env,
      ...(script === undefined ? {} : { file: script }),
      config,
      source,
    });
    this.opts.log(`run ${id} started (${'url' in body ? body.url : name})`);
    return id;
  }

  /**
   * `POST /api/stress`: `volley stress --url` in a job process. Its run row is claimed like any
   * API run's (the one-run slot, 409 when busy); the job records the search into it as the CLI
   * does, and relays each probe as it ends.
   */
  startStress(body: StressRunBody): string {
    // The script is checked before the busy check, so a bad body is a 400 always.
    const file = body.script === undefined ? undefined : this.resolveScript(body.script);
    this.refuseWhileBusy();
    const id = randomUUID();
    const name = `stress ${body.url ?? body.script}`;
    this.claim({ id, source: 'api', name, request: body, owner: this.self });
    this.launch({
      id,
      kind: 'stress',
      flags: stressFlags(body),
      // A script from --scripts is the operator's: it sees the server's environment, like a run's.
      env: file === undefined ? {} : { ...this.opts.env },
      ...(file === undefined ? {} : { file }),
      config: undefined,
      source: 'api',
    });
    this.opts.log(`stress search ${id} started (${body.url ?? body.script})`);
    return id;
  }

  /**
   * `POST /api/bench`: `volley bench` in a job process, under the bench id answered here. Benches
   * take the same one-at-a-time slot as runs: refused while this server runs anything, or while
   * any run is active on the store.
   */
  startBench(body: BenchRunBody): string {
    this.refuseWhileBusy();
    this.opts.store.reconcile(processAlive);
    const busy = this.opts.store.active()[0];
    if (busy) throw activeRunConflict(busy);
    const id = randomUUID();
    this.launch({
      id,
      kind: 'bench',
      flags: benchFlags(body, id),
      env: {},
      config: undefined,
      source: 'api',
    });
    if (this.live?.id === id) this.live.benchTotal = body.endpoints.length;
    this.lastBench = { id, status: 'running', endpoints: [], total: body.endpoints.length, error: null };
    this.opts.log(`bench ${id} started (${body.url}, ${body.endpoints.length} endpoints)`);
    return id;
  }

  /** The bench this server ran last, while it is not in the store (measuring, stopped, failed). */
  benchState(id: string): BenchJobState | undefined {
    const live = this.live;
    if (live && live.id === id && live.kind === 'bench' && !live.done)
      return {
        id,
        status: 'running',
        endpoints: [...live.benchEndpoints],
        total: live.benchTotal,
        error: null,
      };
    return this.lastBench?.id === id ? this.lastBench : undefined;
  }

  private lastBench: BenchJobState | undefined;

  /** Claims the store's one-run slot for `run` (one write transaction), or answers 409 naming the active run. */
  private claim(run: Parameters<RunStore['claimRun']>[0]): void {
    const busy = this.opts.store.claimRun(run, processAlive);
    if (busy) throw activeRunConflict(busy);
  }

  /**
   * A bench between its endpoints holds no run row: this server's own job is asked first. A run
   * whose summary is stored, or a stored bench, is over, even if its process is still exiting.
   */
  private refuseWhileBusy(): void {
    const current = this.live;
    if (!current || current.done) return;
    if (current.kind === 'bench') {
      if (new BenchStore(this.opts.store.database).get(current.id) !== undefined) return;
      throw new ApiProblem(409, `bench ${current.id} is running: stop it or wait for it to end`);
    }
    if (isActiveStatus(this.opts.store.get(current.id)?.status ?? 'finished'))
      throw new ApiProblem(409, `run ${current.id} is still active: stop it or wait for it to end`);
  }

  /** Forks the job process for a run, stress search or bench whose row (if any) is claimed. */
  private launch(o: {
    id: string;
    kind: JobKind;
    flags: Record<string, unknown>;
    env: NodeJS.ProcessEnv;
    file?: string;
    config: Record<string, unknown> | undefined;
    source: RunSource;
  }): void {
    const { id, kind, flags, env, config, source } = o;
    let file: string | undefined = o.file;
    let tempDir: string | undefined;
    let child: ChildProcess;
    try {
      if (config !== undefined) {
        tempDir = mkdtempSync(join(tmpdir(), 'volley-job-'));
        file = join(tempDir, 'posted-config.json');
        writeFileSync(file, JSON.stringify(config, null, 2));
      }
      child = fork(this.opts.jobEntry, [], {
        env,
        cwd: this.scriptsRoot ?? tmpdir(),
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        serialization: 'json',
      });
    } catch (err) {
      // Nothing may outlive a run that never started: its folder and its 'starting' row.
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
      if (kind !== 'bench')
        this.opts.store.failRun(id, `the run process could not be started: ${(err as Error).message}`, null);
      throw err;
    }
    let resolveExit: () => void = () => {};
    const live: LiveRun = {
      id,
      child,
      points: [],
      latest: null,
      thresholds: [],
      subscribers: new Set(),
      failure: undefined,
      done: false,
      stderrTail: '',
      tempDir,
      exited: new Promise<void>((r) => (resolveExit = r)),
      controls: new Map(),
      kind,
      probes: [],
      soFar: { maxSustainableRate: null, breakdownRate: null },
      benchEndpoints: [],
      benchTotal: null,
      stopRequested: false,
    };
    this.live = live;
    if (child.pid !== undefined && kind !== 'bench') this.opts.store.setRunner(id, processRef(child.pid));
    child.stderr?.on('data', (d: Buffer) => {
      live.stderrTail = (live.stderrTail + d.toString()).slice(-4000);
    });
    child.on('message', (m: JobToServer) => this.onJobMessage(live, m));
    child.on('exit', (code, signal) => {
      this.onExit(live, code, signal);
      resolveExit();
    });
    child.on('error', (err) => {
      this.opts.log(`run ${id}: ${err.message}`);
      // A process that never spawned has no 'exit': end the run here, or this server (its
      // owner, alive) would hold the one-run slot for it forever.
      if (child.pid === undefined && !live.done) {
        live.failure = {
          error: `the run process could not be started: ${err.message}`,
          details: [],
          exitCode: 1,
        };
        this.onExit(live, null, null);
        resolveExit();
      }
    });
    const job: RunJob = {
      protocol: JOB_PROTOCOL_VERSION,
      id,
      db: this.opts.store.path,
      source,
      kind,
      flags,
      ...(file === undefined ? {} : { file }),
    };
    child.send({ type: 'job', job } satisfies ServerToJob);
  }

  /** Resolves when the run this server started has ended and its row says how (at once for any other run). */
  ended(id: string): Promise<void> {
    const live = this.live;
    return live?.id === id && !live.done ? live.exited : Promise.resolve();
  }

  /**
   * Checks a body as start() would, without starting anything: a schedule's run body is checked
   * when the schedule is created (its script exists in --scripts, its data files too, agents only
   * with a pool), so a bad one is a 400 then rather than an error at 2 a.m.
   */
  check(body: CreateRunBody): void {
    this.prepare(body);
  }

  private prepare(body: CreateRunBody): {
    script: string | undefined;
    config: Record<string, unknown> | undefined;
    agentFields: string[];
  } {
    let script: string | undefined;
    let config: Record<string, unknown> | undefined;
    if ('script' in body) script = this.resolveScript(body.script);
    if ('config' in body) config = this.rebaseData(body.config);
    const asked = body as unknown as Partial<Record<string, unknown>>;
    const agentFields = AGENT_POOL_FIELDS.filter((f) => asked[f] !== undefined);
    if (agentFields.length > 0 && !this.opts.nats)
      throw new ApiProblem(
        400,
        NO_AGENT_POOL,
        agentFields.map((f) => `${f}: ${NO_AGENT_POOL}`),
      );
    return { script, config, agentFields };
  }

  /** Data file paths of a posted document must name files inside --scripts; they become absolute. */
  private rebaseData(config: Record<string, unknown>): Record<string, unknown> {
    const data = config.data;
    if (data === undefined) return config;
    if (typeof data !== 'object' || data === null) return config; // the document's own validation reports it
    if (!this.scriptsRoot)
      throw new ApiProblem(400, 'config.data: data files need a scripts folder (volley serve --scripts DIR)');
    const out: Record<string, unknown> = {};
    for (const [key, src] of Object.entries(data as Record<string, unknown>)) {
      if (typeof src !== 'object' || src === null) {
        out[key] = src;
        continue;
      }
      const s = { ...(src as Record<string, unknown>) };
      for (const kind of ['csv', 'json'])
        if (typeof s[kind] === 'string')
          s[kind] = this.insideScripts(s[kind] as string, `config.data.${key}.${kind}`);
      out[key] = s;
    }
    return { ...config, data: out };
  }

  private insideScripts(rel: string, what: string): string {
    const root = this.scriptsRoot;
    if (!root)
      throw new ApiProblem(400, `${what}: no scripts folder is configured (volley serve --scripts DIR)`);
    if (isAbsolute(rel) || rel.includes('\0'))
      throw new ApiProblem(400, `${what}: '${rel}' must be a path relative to the scripts folder`);
    const candidate = resolve(root, rel);
    if (!candidate.startsWith(root + sep))
      throw new ApiProblem(400, `${what}: '${rel}' is outside the scripts folder`);
    let real: string;
    try {
      real = realpathSync(candidate);
    } catch {
      throw new ApiProblem(400, `${what}: no file '${rel}' in the scripts folder`);
    }
    if (!real.startsWith(root + sep))
      throw new ApiProblem(400, `${what}: '${rel}' leads outside the scripts folder (symbolic link)`);
    if (!statSync(real).isFile()) throw new ApiProblem(400, `${what}: '${rel}' is not a file`);
    return real;
  }

  private resolveScript(rel: string): string {
    const real = this.insideScripts(rel, 'script');
    if (!TEST_FILE_EXTENSIONS.includes(extname(real)))
      throw new ApiProblem(400, `script: '${rel}' is not a test file (${TEST_FILE_EXTENSIONS.join(', ')})`);
    return real;
  }

  /**
   * Stops a run: this server's own through its IPC channel; any other run still active in the
   * store (left by a server that died, or a terminal run on this machine) by SIGTERM to the
   * process recorded as running it, which then stops like on Ctrl-C and stores what it measured.
   */
  stop(id: string): void {
    const live = this.live;
    if (live?.id === id && !live.done) {
      live.stopRequested = true;
      live.child.send({ type: 'stop' } satisfies ServerToJob);
      this.opts.log(`run ${id}: stop requested`);
      return;
    }
    const store = this.opts.store;
    if (!store.item(id)) throw new ApiProblem(404, `no run ${id}`);
    store.reconcile(processAlive);
    const run = store.item(id);
    if (!run || !isActiveStatus(run.status))
      throw new ApiProblem(409, `run ${id} is not active (${run?.status})`);
    const runner = store.runner(id);
    if (!runner || !processAlive(runner))
      throw new ApiProblem(
        409,
        `run ${id} is starting on another server: stop it there, or wait for it to start`,
      );
    if (runner.host !== null && runner.host !== this.self.host)
      throw new ApiProblem(409, `run ${id} runs on another host (${runner.host}): stop it there`);
    try {
      process.kill(runner.pid, 'SIGTERM');
    } catch (err) {
      throw new ApiProblem(
        409,
        `run ${id}: its process ${runner.pid} cannot be signalled (${(err as Error).message})`,
      );
    }
    this.opts.log(`run ${id}: not started by this server; sent SIGTERM to its process ${runner.pid}`);
  }

  /**
   * Live change of an externally-controlled scenario; resolves to what the engine applied. The
   * engine has the last word (the scenario may have ended a moment ago): its refusal is a 409.
   */
  async control(
    id: string,
    body: ControlRunBody,
  ): Promise<{ scenario: string; vus?: number; rate?: number }> {
    const live = this.requireLive(id);
    const run = this.opts.store.get(id);
    if (!run || run.status === 'starting') throw new ApiProblem(409, `run ${id} is not running yet`);
    if (run.status !== 'running') throw new ApiProblem(409, `run ${id} has ended (${run.status})`);
    if (run.controllable.length === 0)
      throw new ApiProblem(409, `run ${id} has no externally-controlled scenario`, [
        'start it with executor: externally-controlled to change VUs or rate live',
      ]);
    const target =
      body.scenario === undefined
        ? run.controllable.length === 1
          ? run.controllable[0]
          : undefined
        : run.controllable.find((c) => c.scenario === body.scenario);
    if (!target)
      throw new ApiProblem(
        400,
        body.scenario === undefined
          ? `scenario: give one of ${run.controllable.map((c) => c.scenario).join(', ')}`
          : `scenario: '${body.scenario}' is not externally-controlled (controllable: ${run.controllable.map((c) => c.scenario).join(', ')})`,
      );
    if (target.mode === 'vus' && body.vus === undefined)
      throw new ApiProblem(400, `scenario '${target.scenario}' is closed loop: give vus, not rate`);
    if (target.mode === 'rate' && body.rate === undefined)
      throw new ApiProblem(400, `scenario '${target.scenario}' is open loop: give rate, not vus`);
    if (body.vus !== undefined && body.vus > target.maxVUs)
      throw new ApiProblem(400, `vus: ${body.vus} is more than the scenario's maxVUs (${target.maxVUs})`);
    const requestId = this.nextControlId++;
    const msg: ServerToJob = { type: 'control', scenario: target.scenario, requestId };
    if (body.vus !== undefined) msg.vus = body.vus;
    if (body.rate !== undefined) msg.ratePerSec = body.rate;
    const answer = new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => {
        live.controls.delete(requestId);
        resolve(`the run process did not answer within ${CONTROL_ANSWER_MS / 1000} s`);
      }, CONTROL_ANSWER_MS);
      live.controls.set(requestId, (error) => {
        clearTimeout(timer);
        live.controls.delete(requestId);
        resolve(error);
      });
    });
    live.child.send(msg);
    const error = await answer;
    if (error !== undefined) throw new ApiProblem(409, `run ${id}: change refused: ${error}`);
    return {
      scenario: target.scenario,
      ...(body.vus === undefined ? {} : { vus: body.vus }),
      ...(body.rate === undefined ? {} : { rate: body.rate }),
    };
  }

  private requireLive(id: string): LiveRun {
    if (this.live?.id === id && !this.live.done) return this.live;
    if (!this.opts.store.get(id)) throw new ApiProblem(404, `no run ${id}`);
    throw new ApiProblem(409, `run ${id} is not active on this server`);
  }

  /**
   * Live messages for a run; the first is `hello`. A run this server does not own (a terminal or CI
   * run recording into the same store) is followed through the store, where its process records
   * every second's full snapshot and the live threshold results: the same messages, polled a few
   * times a second, until it ends. Returns the unsubscribe.
   */
  subscribe(id: string, sub: Subscriber): (() => void) | undefined {
    const live = this.live;
    const run = this.opts.store.item(id);
    if (!run) return undefined;
    if (live && live.id === id && !live.done) {
      sub({
        type: 'hello',
        run,
        points: [...live.points],
        latest: live.latest,
        thresholds: live.thresholds,
        ...(live.kind === 'stress' && { stress: { probes: [...live.probes], soFar: { ...live.soFar } } }),
      });
      live.subscribers.add(sub);
      return () => live.subscribers.delete(sub);
    }
    return this.follow(id, run, sub);
  }

  /** Streams a run of another process from the store. */
  private follow(id: string, run: RunListItem, sub: Subscriber): (() => void) | undefined {
    const store = this.opts.store;
    const hello = (now: RunListItem): number => {
      const points = store.series(id);
      const thresholds = store.liveThresholds(id);
      lastThresholds = JSON.stringify(thresholds);
      const active = isActiveStatus(now.status);
      sub({
        type: 'hello',
        run: now,
        points,
        latest: active ? store.latestSnapshot(id) : null,
        thresholds: active ? thresholds : [],
      });
      return points.at(-1)?.second ?? -1;
    };
    let lastThresholds = '';
    let lastSecond = hello(run);
    sub({ type: 'status', run });
    if (!isActiveStatus(run.status)) return undefined;
    let lastStatus = run.status;
    let lastReconcile = Date.now();
    const timer = setInterval(() => {
      try {
        // Another process's pid is checked once a second: a killed run turns interrupted.
        if (Date.now() - lastReconcile >= 1000) {
          lastReconcile = Date.now();
          store.reconcile(processAlive);
        }
        // The status first: a run records its last second before it ends, so once the status says
        // ended, the read below has every second.
        const now = store.item(id);
        const snapshots = store.liveSnapshots(id, lastSecond);
        if (snapshots.length > 0 && (snapshots[0] as Snapshot).second > lastSecond + 1) {
          // Fell behind the seconds the store keeps in full: start over from everything stored.
          if (now) lastSecond = hello(now);
        } else
          for (const snapshot of snapshots) {
            sub({ type: 'snapshot', snapshot, point: seriesPoint(snapshot) });
            lastSecond = snapshot.second;
          }
        const thresholds = store.liveThresholds(id);
        const text = JSON.stringify(thresholds);
        if (text !== lastThresholds) {
          lastThresholds = text;
          sub({ type: 'thresholds', thresholds });
        }
        if (!now || now.status === lastStatus) return;
        lastStatus = now.status;
        sub({ type: 'status', run: now });
        if (!isActiveStatus(now.status)) clearInterval(timer);
      } catch (err) {
        clearInterval(timer);
        this.opts.log(`following run ${id} through the store failed: ${(err as Error).message}`);
      }
    }, FOLLOW_POLL_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  private broadcast(live: LiveRun, m: LiveMessage): void {
    for (const s of live.subscribers) s(m);
  }

  private broadcastStatus(live: LiveRun): void {
    const run = this.opts.store.item(live.id);
    if (run) this.broadcast(live, { type: 'status', run });
  }

  private onJobMessage(live: LiveRun, m: JobToServer): void {
    switch (m.type) {
      case 'started':
        this.broadcastStatus(live);
        break;
      case 'snapshot': {
        const point = seriesPoint(m.snapshot);
        live.points.push(point);
        live.latest = m.snapshot;
        this.broadcast(live, { type: 'snapshot', snapshot: m.snapshot, point });
        break;
      }
      case 'thresholds':
        live.thresholds = m.thresholds;
        this.broadcast(live, { type: 'thresholds', thresholds: m.thresholds });
        break;
      case 'failed':
        live.failure = { error: m.error, details: m.details, exitCode: m.exitCode };
        break;
      case 'control-error':
        this.opts.log(`run ${live.id}: control refused: ${m.error}`);
        break;
      case 'control-result':
        live.controls.get(m.requestId)?.(m.error);
        break;
      case 'probe':
        live.probes[m.index] = m.probe;
        live.soFar = m.soFar;
        this.broadcast(live, { type: 'probe', probe: m.probe, index: m.index, soFar: m.soFar });
        break;
      case 'endpoint':
        live.benchEndpoints[m.index] = m.result;
        live.benchTotal = m.total;
        break;
      case 'done':
        break;
    }
  }

  private onExit(live: LiveRun, code: number | null, signal: NodeJS.Signals | null): void {
    live.done = true;
    if (live.kind === 'bench' && this.lastBench?.id === live.id) {
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      const tail = live.stderrTail.trim().split('\n').slice(-5).join('\n');
      this.lastBench = {
        id: live.id,
        // A bench that ended is in the store unless it was stopped or failed.
        status: live.stopRequested
          ? 'stopped'
          : live.failure || (code !== 0 && code !== 99)
            ? 'error'
            : 'ended',
        endpoints: [...live.benchEndpoints],
        total: live.benchTotal,
        error:
          live.failure?.error ??
          (code !== 0 && code !== 99 && !live.stopRequested
            ? `the bench process ${how}${tail ? `: ${tail}` : ''}`
            : null),
      };
    }
    for (const answer of [...live.controls.values()]) answer('the run has ended');
    const store = this.opts.store;
    const row = store.get(live.id);
    if (row && isActiveStatus(row.status)) {
      if (live.failure) {
        const { error, details } = live.failure;
        const text = details.length > 1 ? [error, ...details.slice(1)].join('\n') : error;
        store.failRun(live.id, text, live.failure.exitCode);
      } else {
        const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
        const tail = live.stderrTail.trim().split('\n').slice(-5).join('\n');
        const reason = `the run process ${how}${tail ? `: ${tail}` : ''}`;
        if (row.status === 'starting') store.failRun(live.id, reason, code);
        else store.interruptRun(live.id, reason);
      }
    }
    this.broadcastStatus(live);
    live.subscribers.clear();
    if (live.tempDir) rmSync(live.tempDir, { recursive: true, force: true });
    if (this.live === live) this.live = undefined;
    const after = store.get(live.id);
    this.opts.log(`run ${live.id} ${after?.status ?? 'ended'}${after?.verdict ? ` (${after.verdict})` : ''}`);
  }

  /** Server shutdown: stop the active run gracefully, kill it after `graceMs`. */
  async shutdown(graceMs: number): Promise<void> {
    const live = this.live;
    if (!live || live.done) return;
    if (live.child.connected) live.child.send({ type: 'stop' } satisfies ServerToJob);
    const timer = setTimeout(() => live.child.kill('SIGKILL'), graceMs);
    await live.exited;
    clearTimeout(timer);
  }
}

/** `volley run --nats URL --nats-token …`, as the flags the job applies. */
function natsFlags(nats: AgentPoolSettings): Record<string, string> {
  const flags: Record<string, string> = { nats: nats.url };
  if (nats.auth.creds !== undefined) flags.natsCreds = nats.auth.creds;
  if (nats.auth.token !== undefined) flags.natsToken = nats.auth.token;
  if (nats.auth.user !== undefined) flags.natsUser = nats.auth.user;
  if (nats.auth.password !== undefined) flags.natsPassword = nats.auth.password;
  return flags;
}

function envFlags(env: Record<string, string> | undefined): string[] {
  return Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`);
}

/** A stress body as `volley stress` flags (src/cli/stress-command.ts StressFlags). */
function stressFlags(b: StressRunBody): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  const text = (v: number | string | undefined): string | undefined =>
    v === undefined ? undefined : String(v);
  const pairs: [string, unknown][] = [
    ['url', b.url],
    ['scenario', b.scenario === undefined ? undefined : [b.scenario]],
    ['env', b.env === undefined ? undefined : envFlags(b.env)],
    ['method', b.method],
    ['header', b.headers && Object.entries(b.headers).map(([k, v]) => `${k}: ${v}`)],
    ['body', b.body],
    ['timeout', b.timeout],
    ['startRate', text(b.startRate)],
    ['maxRate', text(b.maxRate)],
    ['probeDuration', b.probeDuration],
    ['cooldown', b.cooldown],
    ['errorThreshold', text(b.errorThreshold)],
    ['slo', b.slos],
    ['resolution', text(b.resolution)],
    ['maxVus', text(b.maxVus)],
    ['maxProbes', text(b.maxProbes)],
    ['workers', text(b.workers)],
    ['insecure', b.insecure],
  ];
  for (const [k, v] of pairs) if (v !== undefined) f[k] = v;
  return f;
}

/** A bench body as `volley bench` flags (src/cli/bench-command.ts BenchFlags). */
function benchFlags(b: BenchRunBody, benchId: string): Record<string, unknown> {
  const f: Record<string, unknown> = { url: b.url, endpoint: b.endpoints, benchId };
  const text = (v: number | string | undefined): string | undefined =>
    v === undefined ? undefined : String(v);
  const pairs: [string, unknown][] = [
    ['concurrency', text(b.concurrency)],
    ['duration', b.duration],
    ['warmup', b.warmup],
    ['header', b.headers && Object.entries(b.headers).map(([k, v]) => `${k}: ${v}`)],
    ['timeout', b.timeout],
    ['maxErrorRate', text(b.maxErrorRate)],
    ['workers', text(b.workers)],
    ['insecure', b.insecure],
  ];
  for (const [k, v] of pairs) if (v !== undefined) f[k] = v;
  return f;
}

/** The 409 for a request that would start a second run on a store with an active one. */
function activeRunConflict(busy: RunListItem): ApiProblem {
  return new ApiProblem(409, `run ${busy.id} (${busy.source}) is active on this store: wait for it to end`);
}
