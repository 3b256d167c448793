/**
 * The demo system under test behind `volley target`: a small, realistic JSON API on plain
 * `node:http` with knobs for latency, errors, stalls and a concurrency limit, plus its own
 * `/metrics` and `/__volley/stats` so tests can compare what it saw with what volley reports.
 * It never imports engine code, and the engine never imports it. See docs/target.md.
 */
export {
  parseTargetOptions,
  DEFAULT_TARGET_HOST,
  DEFAULT_TARGET_PORT,
  DEFAULT_TARGET_GRPC_PORT,
} from './options.js';
export type { TargetOptions, RawTargetOptions } from './options.js';
export { startTarget } from './server.js';
export type { RunningTarget } from './server.js';
export type { TargetStats } from './metrics.js';
export type { GrpcTargetStats } from './grpc/service.js';
export type { WsTargetStats } from './ws.js';
