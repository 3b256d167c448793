/**
 * `ctx.grpc` for script VUs: the VU's connection settings (target, definitions, defaults) and
 * calls on its channel (or the worker's shared one), each recorded under the VU's scope.
 */
import type { PackageDefinition } from '@grpc/proto-loader';
import type { Client } from '@grpc/grpc-js';
import { VolleyError } from '../../errors.js';
import type { VuScope } from '../module.js';
import type { GrpcCallOptions, GrpcClient, GrpcConnectOptions, GrpcResponse } from './api.js';
import { bidi, clientStream, serverStream, unary, type CallOptions, type CallOutcome } from './calls.js';
import { channelKey, type ChannelPool, type ChannelSpec } from './channels.js';
import { findMethod, loadProtos, type AnyMethod } from './protos.js';
import type { GrpcRecorder } from './recorder.js';
import { reflectDefinition } from './reflection.js';

const reflected = new Map<string, Promise<PackageDefinition>>();
/** Server reflection once per worker and channel spec (a failed one is tried again next time). */
function reflectOnce(spec: ChannelSpec): Promise<PackageDefinition> {
  const key = channelKey(spec);
  let p = reflected.get(key);
  if (p === undefined) {
    p = reflectDefinition(spec);
    p.catch(() => reflected.delete(key));
    reflected.set(key, p);
  }
  return p;
}

/** A VU's gRPC client state: its own channels (the module's ProtocolClient). */
export class GrpcVuChannels {
  constructor(readonly own: ChannelPool) {}
  close(): void {
    this.own.close();
  }
}

interface Connection {
  spec: ChannelSpec;
  def: PackageDefinition;
  shared: boolean;
  metadata: Record<string, string> | undefined;
  deadlineMs: number | undefined;
  methods: Map<string, AnyMethod>;
}

type Call = (c: Client, m: AnyMethod, data: unknown, o: CallOptions) => Promise<CallOutcome>;

export class ScriptGrpcClient implements GrpcClient {
  private conn: Connection | undefined;
  constructor(
    private readonly channels: () => GrpcVuChannels,
    private readonly shared: ChannelPool,
    private readonly shareAll: boolean,
    private readonly recorder: GrpcRecorder,
    private readonly scenario: string,
    private readonly scope: VuScope,
  ) {}

  async connect(target: string, o: GrpcConnectOptions = {}): Promise<void> {
    this.scope.assertRunning();
    if (typeof target !== 'string' || !/^(?:[^\s/:]+|\[[0-9a-fA-F:]+\]):\d{1,5}$/.test(target))
      throw new VolleyError('INVALID_CONFIG', `grpc.connect: '${String(target)}' is not HOST:PORT`);
    const spec: ChannelSpec = o.tls === undefined ? { target } : { target, tls: o.tls };
    let def: PackageDefinition;
    if (o.protoFiles && o.protoFiles.length > 0) def = loadProtos(o.protoFiles, o.importPaths ?? []);
    else if (o.reflection) def = await reflectOnce(spec);
    else throw new VolleyError('INVALID_CONFIG', 'grpc.connect needs protoFiles or reflection: true');
    this.conn = {
      spec,
      def,
      shared: this.shareAll || o.shareChannel === true,
      metadata: o.metadata,
      deadlineMs: o.deadlineMs,
      methods: new Map(),
    };
  }

  private async call(
    method: string,
    data: unknown,
    o: GrpcCallOptions | undefined,
    run: Call,
    stream: boolean,
  ): Promise<GrpcResponse<never>> {
    this.scope.assertRunning();
    const c = this.conn;
    if (c === undefined) throw new VolleyError('RUNTIME', `grpc: call ${method} before connect()`);
    let m = c.methods.get(method);
    if (m === undefined) {
      m = findMethod(c.def, method);
      c.methods.set(method, m);
    }
    const channel = c.shared ? this.shared.get(c.spec) : this.channels().own.get(c.spec);
    const metadata = o?.metadata ? { ...c.metadata, ...o.metadata } : c.metadata;
    const name = method.startsWith('/') ? method.slice(1) : method;
    const callOptions: CallOptions = {};
    if (metadata !== undefined) callOptions.metadata = metadata;
    const deadlineMs = o?.deadlineMs ?? c.deadlineMs;
    if (deadlineMs !== undefined) callOptions.deadlineMs = deadlineMs;
    const res = await run(channel, m, data, callOptions);
    this.scope.assertRunning();
    const tags = { ...this.scope.tags, scenario: this.scenario, ...o?.tags };
    this.recorder.record(
      tags,
      o?.tags ? `${this.scope.key}\u0001${JSON.stringify(o.tags)}` : this.scope.key,
      name,
      res,
      stream,
    );
    return {
      status: res.status,
      code: res.code,
      details: res.details,
      message: res.message as never,
      messages: res.messages as never[],
      durationMs: res.durationUs / 1000,
    };
  }

  invoke<T>(method: string, data: unknown, o?: GrpcCallOptions): Promise<GrpcResponse<T>> {
    return this.call(method, data, o, unary, false);
  }
  serverStream<T>(method: string, data: unknown, o?: GrpcCallOptions): Promise<GrpcResponse<T>> {
    return this.call(method, data, o, serverStream, true);
  }
  clientStream<T>(method: string, messages: unknown[], o?: GrpcCallOptions): Promise<GrpcResponse<T>> {
    return this.call(method, messages, o, (c, m, d, co) => clientStream(c, m, d as unknown[], co), true);
  }
  bidi<T>(method: string, messages: unknown[], o?: GrpcCallOptions): Promise<GrpcResponse<T>> {
    return this.call(method, messages, o, (c, m, d, co) => bidi(c, m, d as unknown[], co), true);
  }
  close(): void {
    this.channels().close();
  }
}
