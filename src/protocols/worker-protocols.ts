/**
 * The protocol modules of one worker thread: each module bound to its options and the worker's
 * sink, a slot number per module, and each VU's clients — created on the VU's first use of a
 * protocol (a slot check, no lookup by name), closed together when the VU retires or is cut off.
 */
import type {
  AnyProtocolModule,
  ModuleWorker,
  ProtocolClient,
  ProtocolEnvironment,
  QuickIteration,
  QuickPlan,
  ScriptScenarioEnvironment,
  VuScope,
} from './module.js';
import { PROTOCOL_MODULES } from './registry.js';

/** A module's script API for one scenario: `ctx[name]` is `make(the VU's client of slot, scope)`. */
export interface ScriptProtocol {
  name: string;
  slot: number;
  make: (client: () => ProtocolClient, scope: VuScope) => unknown;
}

export class WorkerProtocols {
  private readonly modules: readonly AnyProtocolModule[] = PROTOCOL_MODULES;
  private readonly workers: ModuleWorker<ProtocolClient>[];

  constructor(
    private readonly options: Readonly<Record<string, unknown>>,
    env: ProtocolEnvironment,
    private readonly quick: QuickPlan | undefined,
  ) {
    this.workers = this.modules.map((m) => m.worker(this.optionsOf(m), env));
  }

  private optionsOf(m: AnyProtocolModule): unknown {
    return this.options[m.name] ?? m.options.defaults;
  }

  /** Loads what the run will need before it starts (libraries), not in a request's time. */
  prepare(script: boolean): void {
    for (const m of this.modules)
      m.prepare?.(this.optionsOf(m), {
        quick: this.quick?.protocol === m.name ? this.quick.request : undefined,
        script,
      });
  }

  /** A new client of the module in `slot`, for one VU. */
  createClient(slot: number): ProtocolClient {
    return (this.workers[slot] as ModuleWorker<ProtocolClient>).createClient();
  }

  /**
   * Quick mode's iteration for a scenario, on the client of the module in `slot`; `request`
   * replaces quick mode's own (a rehearsal's, see `quickRehearsal`).
   */
  quickIteration(
    tags: Readonly<Record<string, string>>,
    request?: unknown,
  ): {
    slot: number;
    iterate: QuickIteration<ProtocolClient>;
  } {
    const quick = this.quick;
    if (!quick) throw new Error('no request configured for quick mode');
    const slot = this.modules.findIndex((m) => m.name === quick.protocol);
    const make = this.workers[slot]?.quickIteration;
    if (!make) throw new Error(`protocol '${quick.protocol}' has no quick mode`);
    return { slot, iterate: make(request ?? quick.request, tags) };
  }

  /**
   * Quick mode's warm-up for one VU: its client of the quick protocol connects to the request's
   * origin, sending nothing (a module that cannot connect ahead resolves at once).
   */
  quickConnect(clients: VuClients): Promise<void> {
    const quick = this.quick;
    if (!quick) return Promise.resolve();
    const slot = this.modules.findIndex((m) => m.name === quick.protocol);
    const connect = this.workers[slot]?.quickConnect;
    return connect ? connect(quick.request, clients.get(slot)) : Promise.resolve();
  }

  /**
   * Quick mode: the quick protocol's stand-in target for the warm-up, if it has one, and VU
   * clients whose quick-protocol client sends the quick request to it.
   */
  async quickRehearsal(): Promise<{ clients: () => VuClients; close: () => Promise<void> } | undefined> {
    const quick = this.quick;
    if (!quick) return undefined;
    const slot = this.modules.findIndex((m) => m.name === quick.protocol);
    const stand = await this.workers[slot]?.quickRehearsal?.(quick.request);
    if (!stand) return undefined;
    const override = { slot, create: (): ProtocolClient => stand.createClient() };
    return { clients: () => new VuClients(this, override), close: () => stand.close() };
  }

  /** Script mode, once per scenario: the API object factory of every module that has one. */
  scriptApis(env: ScriptScenarioEnvironment): ScriptProtocol[] {
    const out: ScriptProtocol[] = [];
    this.workers.forEach((w, slot) => {
      const api = w.scriptApi?.(env);
      if (api) out.push({ name: (this.modules[slot] as AnyProtocolModule).name, slot, make: api });
    });
    return out;
  }
}

/** One VU's clients, by module slot: created on first use, closed together. */
export class VuClients {
  private readonly open: (ProtocolClient | undefined)[] = [];
  constructor(
    private readonly protocols: WorkerProtocols,
    /** A rehearsing VU's: this slot's client comes from the stand-in (see `quickRehearsal`). */
    private readonly override?: { slot: number; create(): ProtocolClient },
  ) {}

  /** The VU's client of the module in `slot` (made now if this is its first use). */
  get(slot: number): ProtocolClient {
    return this.open[slot] ?? this.create(slot);
  }

  private create(slot: number): ProtocolClient {
    const c = this.override?.slot === slot ? this.override.create() : this.protocols.createClient(slot);
    this.open[slot] = c;
    return c;
  }

  /** Closes every client the VU opened (they may be used again: they reconnect). */
  close(): void {
    for (const c of this.open) c?.close();
  }
}
