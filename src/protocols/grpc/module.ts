/**
 * The gRPC protocol module: `ctx.grpc` (unary, server-, client- and bidi-streaming calls over
 * @grpc/grpc-js, definitions from .proto files through @grpc/proto-loader or server reflection),
 * the grpc_* metrics (headline: grpc_reqs / grpc_req_failed / grpc_req_duration), and one channel
 * per VU by default (`grpc.channel: 'worker'` shares one per worker).
 */
import type { GrpcQuickRequest } from '../../config/types.js';
import type { ModuleWorker, ProtocolModule } from '../module.js';
import { ChannelPool } from './channels.js';
import { GRPC_HEADLINE, GRPC_METRICS } from './metrics.js';
import { GRPC_OPTIONS, type GrpcOptions } from './options.js';
import { grpcPreflight } from './preflight.js';
import { grpcQuickIteration, quickDefinition } from './quick.js';
import { GrpcRecorder } from './recorder.js';
import { GrpcVuChannels, ScriptGrpcClient } from './script-api.js';
import { GRPC_STEPS } from './steps.js';

export const grpcModule: ProtocolModule<GrpcOptions, GrpcVuChannels> = {
  name: 'grpc',
  metrics: GRPC_METRICS,
  headline: GRPC_HEADLINE,
  options: GRPC_OPTIONS,
  steps: GRPC_STEPS,

  quickRequest: (config) => config.grpcRequest,

  prepare(_options, use) {
    // The .proto files parse now (or reflection starts), not in the first call's time.
    if (use.quick !== undefined)
      void Promise.resolve(quickDefinition(use.quick as GrpcQuickRequest)).catch(() => {});
  },

  worker(options, env): ModuleWorker<GrpcVuChannels> {
    const recorder = new GrpcRecorder(env.sink, env.maxEndpoints);
    const shared = new ChannelPool();
    return {
      createClient: () => new GrpcVuChannels(new ChannelPool()),
      quickIteration: (request, tags) =>
        grpcQuickIteration(
          request as GrpcQuickRequest,
          recorder,
          tags,
          options.channel === 'worker' ? shared : undefined,
          env,
        ),
      scriptApi: (scenario) => (client, scope) =>
        new ScriptGrpcClient(
          client,
          shared,
          options.channel === 'worker',
          recorder,
          scenario.scenario,
          scope,
        ),
    };
  },

  preflight: (_target, options, timeoutMs) => grpcPreflight(options, timeoutMs),
};
