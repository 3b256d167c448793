/**
 * Quick mode's gRPC iteration: one unary call per iteration on the VU's channel (or the worker's),
 * its message rendered from `--data` with the iteration's number, recorded under the method.
 */
import type { PackageDefinition } from '@grpc/proto-loader';
import type { GrpcQuickRequest } from '../../config/types.js';
import type { ProtocolEnvironment, QuickIteration } from '../module.js';
import { unary, type CallOptions } from './calls.js';
import type { ChannelPool, ChannelSpec } from './channels.js';
import { findMethod, loadProtos, type AnyMethod } from './protos.js';
import { dataMaker } from './quick-config.js';
import type { GrpcRecorder } from './recorder.js';
import { reflectDefinition } from './reflection.js';
import type { GrpcVuChannels } from './script-api.js';

export function channelSpec(req: GrpcQuickRequest): ChannelSpec {
  return req.tls === undefined ? { target: req.target } : { target: req.target, tls: req.tls };
}

const reflected = new Map<string, Promise<PackageDefinition>>();

/** The definitions of a quick request: its .proto files, else (once per worker) server reflection. */
export function quickDefinition(req: GrpcQuickRequest): PackageDefinition | Promise<PackageDefinition> {
  if (req.protoFiles.length > 0) return loadProtos(req.protoFiles, req.importPaths);
  let p = reflected.get(req.target);
  if (p === undefined) {
    p = reflectDefinition(channelSpec(req));
    reflected.set(req.target, p);
  }
  return p;
}

export function grpcQuickIteration(
  req: GrpcQuickRequest,
  recorder: GrpcRecorder,
  tags: Readonly<Record<string, string>>,
  shared: ChannelPool | undefined,
  env: ProtocolEnvironment,
): QuickIteration<GrpcVuChannels> {
  const spec = channelSpec(req);
  const make = dataMaker(req.data);
  const options: CallOptions = { metadata: req.metadata };
  if (req.deadlineMs > 0) options.deadlineMs = req.deadlineMs;
  const def = quickDefinition(req);
  let method: AnyMethod | undefined = def instanceof Promise ? undefined : findMethod(def, req.method);
  const scopeKey = tags.scenario ?? '';
  return async (client, vu, iteration) => {
    method ??= findMethod(await (def as Promise<PackageDefinition>), req.method);
    const channel = shared ? shared.get(spec) : client.own.get(spec);
    const res = await env.track(unary(channel, method, make(iteration), options));
    if (!vu.interrupted) recorder.record(tags, scopeKey, req.method, res, false);
    return 0;
  };
}
