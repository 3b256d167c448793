/** The gRPC module's options: whether VUs own their channels (default) or a worker shares them. */
import type { Problem } from '../../config/problems.js';
import type { GrpcQuickRequest, TestConfig } from '../../config/types.js';
import type { ModuleOptions } from '../module.js';

export interface GrpcOptions {
  /** `vu`: one channel per VU and target (like real clients); `worker`: one per worker and target. */
  channel: 'vu' | 'worker';
  /** Quick mode's call (`--grpc`), for the preflight and the workers. */
  request?: GrpcQuickRequest;
}

export const GRPC_OPTIONS: ModuleOptions<GrpcOptions> = {
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      channel: {
        enum: ['vu', 'worker'],
        description: 'one channel per VU (default) or one per worker thread, per target',
      },
    },
  },
  defaults: { channel: 'vu' },
  validate(value: unknown, path: string): Problem[] {
    if (value === undefined) return [];
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return [{ path, message: 'must be an object', code: 'wrong-type' }];
    const problems: Problem[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (k !== 'channel')
        problems.push({
          path: `${path}.${k}`,
          message: 'is not a gRPC option (channel)',
          code: 'unknown-field',
        });
      else if (v !== 'vu' && v !== 'worker')
        problems.push({ path: `${path}.${k}`, message: "must be 'vu' or 'worker'", code: 'wrong-type' });
    }
    return problems;
  },
  fromConfig(config: TestConfig): GrpcOptions {
    const o: GrpcOptions = { ...GRPC_OPTIONS.defaults, ...config.grpc };
    if (config.grpcRequest !== undefined) o.request = config.grpcRequest;
    return o;
  },
};
