/**
 * Runs a script's scenario inside a worker: one `ScriptVu` per engine VU (its context, state,
 * cookie jar, group and recording scope), the iteration (`exec`, or a user's weighted task after
 * its `onStart`), think time, `onStop` on retirement, and interruption at a hard stop.
 */
import { BUILTIN_BY_NAME, type MetricDefinition } from '../metrics/definitions.js';
import type { MetricSink, RateSeries, TrendSeries } from '../metrics/sink.js';
import { tagsKey } from '../metrics/tags.js';
import type { ProtocolClient, VuScope as ProtocolScope } from '../protocols/module.js';
import { VuInterruptedError } from '../protocols/vu-interrupted.js';
import type { ScriptProtocol } from '../protocols/worker-protocols.js';
import type {
  CheckSet,
  TaskDefinition,
  TestDefinition,
  UserDefinition,
  VuContext,
  VuFunction,
  WaitSpec,
} from './api.js';
import { waitMs } from './define.js';
import { currentVu, type VuScope } from './thread-state.js';

const def = (name: string): MetricDefinition => BUILTIN_BY_NAME.get(name) as MetricDefinition;
const CHECKS = def('checks');
const GROUP_DURATION = def('group_duration');

export interface ScenarioRuntimeOptions {
  definition: TestDefinition;
  /** The module's named exports, for `exec: 'name'`. */
  exports: Readonly<Record<string, unknown>>;
  /**
   * Run VU code inside AsyncLocalStorage so the free functions (`check`, `group`, `sleep`, custom
   * metrics) find their VU. Off when the script imports none of them: ALS costs every promise.
   */
  trackVu: boolean;
  scenario: string;
  /** Test and scenario tags plus `scenario`. */
  baseTags: Readonly<Record<string, string>>;
  /** Think time applies to closed-loop executors only: under an arrival rate, the rate sets the pace. */
  openLoop: boolean;
  /** The protocol modules' script APIs: `ctx[name]` for each, made on a VU's first access. */
  protocols: readonly ScriptProtocol[];
  setupData: unknown;
  sink: MetricSink;
  now: () => number;
}

interface Task {
  name: string;
  weight: number;
  run: VuFunction;
}

/** A resolved scope (tags and cache key) per group path, shared by every VU of the scenario. */
interface GroupScope {
  tags: Readonly<Record<string, string>>;
  key: string;
}

export class ScriptScenario {
  private readonly exec: VuFunction | undefined;
  private readonly user: UserDefinition | undefined;
  readonly userName: string | undefined;
  private readonly tasks: Task[] = [];
  private readonly cumulativeWeights: number[] = [];
  private totalWeight = 0;
  private readonly wait: WaitSpec | undefined;
  private readonly groups = new Map<string, GroupScope>();
  private readonly checkSeries = new Map<string, RateSeries>();
  private readonly groupDurations = new Map<string, TrendSeries>();
  private readonly stopping = new Set<Promise<void>>();
  /** The class of this scenario's VU contexts (a getter per protocol module). */
  readonly Ctx: typeof ScriptVuContext;

  constructor(readonly o: ScenarioRuntimeOptions) {
    const sc = o.definition.scenarios[o.scenario];
    if (!sc) throw new Error(`scenario '${o.scenario}' is not in the script`);
    if (typeof sc.exec === 'function') this.exec = sc.exec as VuFunction;
    else if (typeof sc.exec === 'string') {
      const fn = o.exports[sc.exec];
      if (typeof fn !== 'function')
        throw new Error(`scenarios.${o.scenario}.exec: the script exports no function '${sc.exec}'`);
      this.exec = fn as VuFunction;
    }
    if (sc.user !== undefined) {
      const user = o.definition.users?.[sc.user];
      if (!user) throw new Error(`scenarios.${o.scenario}.user: no user '${sc.user}' in users`);
      this.user = user as UserDefinition;
      this.userName = sc.user;
      user.tasks.forEach((t, i) => {
        const task: Task =
          typeof t === 'function'
            ? { name: t.name || `task ${i}`, weight: 1, run: t as VuFunction }
            : {
                name: t.name ?? `task ${i}`,
                weight: t.weight ?? 1,
                run: (t as TaskDefinition).run as VuFunction,
              };
        if (task.weight <= 0) return;
        this.tasks.push(task);
        this.totalWeight += task.weight;
        this.cumulativeWeights.push(this.totalWeight);
      });
      this.wait = o.openLoop ? undefined : user.wait;
    }
    this.Ctx = ScriptVuContext.withProtocols(o.protocols);
    if (!this.exec && this.tasks.length === 0)
      throw new Error(`scenario '${o.scenario}' has nothing to run: give it exec or a user with tasks`);
  }

  groupScope(path: string): GroupScope {
    let g = this.groups.get(path);
    if (!g) {
      const tags = path ? { ...this.o.baseTags, group: path } : { ...this.o.baseTags };
      g = { tags, key: tagsKey(tags) };
      this.groups.set(path, g);
    }
    return g;
  }

  recordCheck(
    scope: GroupScope,
    name: string,
    ok: boolean,
    extra: Readonly<Record<string, string>> | undefined,
  ): void {
    const key = extra ? `${scope.key}\u0003${name}\u0003${tagsKey(extra)}` : `${scope.key}\u0003${name}`;
    let s = this.checkSeries.get(key);
    if (!s) {
      s = this.o.sink.rate(CHECKS, { ...scope.tags, ...extra, check: name });
      this.checkSeries.set(key, s);
    }
    s.add(ok);
  }

  recordGroup(scope: GroupScope, us: number): void {
    let s = this.groupDurations.get(scope.key);
    if (!s) {
      s = this.o.sink.trend(GROUP_DURATION, scope.tags);
      this.groupDurations.set(scope.key, s);
    }
    s.add(us);
  }

  newVu(id: number, host: VuHost): ScriptVu {
    return new ScriptVu(this, id, host);
  }

  pickTask(): Task {
    if (this.tasks.length === 1) return this.tasks[0] as Task;
    const r = Math.random() * this.totalWeight;
    let lo = 0;
    let hi = this.cumulativeWeights.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulativeWeights[mid] as number) > r) hi = mid;
      else lo = mid + 1;
    }
    return this.tasks[lo] as Task;
  }

  /** Calls VU code, inside the VU's AsyncLocalStorage scope when the script needs it. */
  call(vu: ScriptVu, fn: VuFunction): unknown {
    return this.o.trackVu ? currentVu.run(vu, fn, vu.ctx) : fn(vu.ctx);
  }

  /** Whether `iterate` resolves to a think time: users with `wait` do; `exec` never waits. */
  get thinks(): boolean {
    return this.exec === undefined;
  }

  /**
   * One iteration. With `exec`: what exec returns (a promise, or a value; a synchronous throw
   * throws), which is no think time (`thinks` is false); not an async function, so a sleeping VU
   * keeps no generator and promise of its own here. With a user: the think time (ms) to wait
   * before the VU's next iteration.
   */
  iterate(vu: ScriptVu, iteration: number): unknown {
    vu.beginIteration(iteration);
    if (this.exec) return this.call(vu, this.exec);
    return this.iterateUser(vu);
  }

  private async iterateUser(vu: ScriptVu): Promise<number> {
    const user = this.user as UserDefinition;
    if (!vu.started) {
      if (user.onStart) await this.call(vu, user.onStart as VuFunction);
      vu.started = true;
    }
    const task = this.pickTask();
    const t0 = this.o.now();
    await this.call(vu, task.run);
    return this.wait ? waitMs(this.wait, this.o.now() - t0) : 0;
  }

  /** A VU leaves: its user's `onStop` runs (tracked so the worker waits for it); resolves when it ended. */
  retire(vu: ScriptVu, onError: (err: unknown) => void): Promise<void> | undefined {
    const onStop = this.user?.onStop;
    if (!onStop || !vu.started || vu.interrupted) return undefined;
    const p = (async () => {
      try {
        await this.call(vu, onStop as VuFunction);
      } catch (err) {
        if (!(err instanceof VuInterruptedError)) onError(err);
      }
    })();
    this.stopping.add(p);
    void p.finally(() => this.stopping.delete(p));
    return p;
  }

  /** Waits for running `onStop`s; when `hard` resolves first, `interrupt` cuts them off. */
  async settle(hard: Promise<void>, interrupt: () => void): Promise<void> {
    if (this.stopping.size === 0) return;
    const all = Promise.all([...this.stopping]).then(() => true);
    if (!(await Promise.race([all, hard.then(() => false)]))) {
      interrupt();
      // Interrupted requests and sleeps end at once; an onStop stuck on a promise nobody resolves
      // is abandoned after a moment, so the worker still hands back its metrics.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, 250)))]);
      clearTimeout(timer);
    }
  }
}

/** What a script VU needs from the engine's VU: its interruption flag, an interruptible sleep, its clients. */
export interface VuHost {
  readonly interrupted: boolean;
  /**
   * Resolves after `ms`, or at once when the VU is interrupted; `strict`: rejects with a
   * VuInterruptedError instead when the VU is (or gets) interrupted.
   */
  sleep(ms: number, strict?: boolean): Promise<void>;
  /** The VU's client of the protocol module in `slot` (made on first use). */
  client(slot: number): ProtocolClient;
}

/**
 * A VU's context: the per-VU values are its own fields; the functions (`check`, `group`, `sleep`),
 * `state` and the protocol APIs are made on first access, so a VU that never uses `ws`, `grpc` or
 * `group` keeps none of their objects (10,000 VUs each carried all of them). Subclassed per scenario
 * with one getter per protocol module (`scriptContextClass`): every VU of a scenario shares its
 * shape.
 */
class ScriptVuContext {
  iteration = 0;
  vuIteration = 0;
  readonly scenario: string;
  readonly user: string | undefined;
  readonly data: unknown;
  readonly #owner: ScriptVu;
  #state: object | undefined = undefined;
  #check: VuContext['check'] | undefined = undefined;
  #group: VuContext['group'] | undefined = undefined;
  #sleep: VuContext['sleep'] | undefined = undefined;
  /** The protocol APIs made so far, by module slot. */
  #apis: unknown[] | undefined = undefined;

  constructor(
    readonly vu: number,
    owner: ScriptVu,
    o: ScenarioRuntimeOptions,
    user: string | undefined,
  ) {
    this.#owner = owner;
    this.scenario = o.scenario;
    this.user = user;
    this.data = o.setupData;
  }

  /** The context class of a scenario's VUs: this class with a getter per protocol module. */
  static withProtocols(protocols: readonly ScriptProtocol[]): typeof ScriptVuContext {
    const Ctx = class extends ScriptVuContext {};
    for (const p of protocols) {
      Object.defineProperty(Ctx.prototype, p.name, {
        get(this: ScriptVuContext) {
          return this.#api(p);
        },
        enumerable: true,
        configurable: true,
      });
    }
    return Ctx;
  }

  get state(): object {
    return (this.#state ??= {});
  }
  set state(v: object) {
    this.#state = v;
  }
  get check(): VuContext['check'] {
    return (this.#check ??= (value, checks, tags) => this.#owner.check(value, checks, tags));
  }
  get group(): VuContext['group'] {
    return (this.#group ??= (name, fn) => this.#owner.group(name, fn));
  }
  get sleep(): VuContext['sleep'] {
    return (this.#sleep ??= (seconds) => this.#owner.sleep(seconds));
  }

  /** `ctx[p.name]`: the module's script API for this VU; its client is made on the first request. */
  #api(p: ScriptProtocol): unknown {
    const apis = (this.#apis ??= []);
    let api = apis[p.slot];
    if (api === undefined) {
      const host = this.#owner.host;
      api = p.make(() => host.client(p.slot), this.#owner);
      apis[p.slot] = api;
    }
    return api;
  }
}

/** One VU of a script scenario: its context object (reused every iteration) and its recording scope. */
export class ScriptVu implements VuScope, ProtocolScope {
  readonly ctx: VuContext;
  started = false;
  private scope: GroupScope;
  private groupPath = '';
  private vuIteration = -1;

  constructor(
    private readonly scenario: ScriptScenario,
    readonly id: number,
    readonly host: VuHost,
  ) {
    this.scope = scenario.groupScope('');
    // The context is one object per VU; iteration fields are updated in place.
    this.ctx = new scenario.Ctx(id, this, scenario.o, scenario.userName) as unknown as VuContext;
  }

  /** The protocols' scope: throws once the VU was cut off by a hard stop. */
  assertRunning(): void {
    if (this.host.interrupted) throw new VuInterruptedError();
  }

  /** Not an async function: a sleeping VU keeps only the host's promise and timer. */
  sleep(seconds: number): Promise<void> {
    if (typeof seconds !== 'number' || !(seconds >= 0))
      return Promise.reject(new TypeError(`sleep(${String(seconds)}): seconds must be a number >= 0`));
    return this.host.sleep(seconds * 1000, true);
  }

  get interrupted(): boolean {
    return this.host.interrupted;
  }
  get tags(): Readonly<Record<string, string>> {
    return this.scope.tags;
  }
  get key(): string {
    return this.scope.key;
  }

  beginIteration(iteration: number): void {
    const ctx = this.ctx as { iteration: number; vuIteration: number };
    ctx.iteration = iteration;
    ctx.vuIteration = ++this.vuIteration;
  }

  check<T>(value: T, checks: CheckSet<T>, tags?: Record<string, string>): boolean {
    let all = true;
    for (const name of Object.keys(checks)) {
      let ok: boolean;
      try {
        ok = (checks[name] as (v: T) => boolean)(value) === true;
      } catch {
        // A predicate that throws (r.json() on an HTML error page) is a failed check, not a crash.
        ok = false;
      }
      if (!ok) all = false;
      if (!this.host.interrupted) this.scenario.recordCheck(this.scope, name, ok, tags);
    }
    return all;
  }

  async group<R>(name: string, fn: () => R | Promise<R>): Promise<R> {
    if (typeof name !== 'string' || name === '' || name.includes('::'))
      throw new TypeError(`group name ${JSON.stringify(name)} must be a non-empty string without '::'`);
    const prevPath = this.groupPath;
    const prevScope = this.scope;
    this.groupPath = `${prevPath}::${name}`;
    this.scope = this.scenario.groupScope(this.groupPath);
    const t0 = this.scenario.o.now();
    try {
      return await fn();
    } finally {
      if (!this.host.interrupted) this.scenario.recordGroup(this.scope, (this.scenario.o.now() - t0) * 1000);
      this.groupPath = prevPath;
      this.scope = prevScope;
    }
  }
}
