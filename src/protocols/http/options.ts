/** The HTTP module's options: what every VU's client is built with. */
import { problemPath, type Problem } from '../../config/problems.js';
import type { TestConfig } from '../../config/types.js';
import type { ModuleOptions } from '../module.js';
import { DEPTH_FIELDS, DEPTH_OPTION_SCHEMA, depthOptionProblems } from './depth-options.js';
import { rawHttp1Available } from './node-internals.js';
import type { HttpConnectionOptions } from './types.js';

/**
 * `fastPath`: raw-socket HTTP/1.1 for plain http:// (never used with http2); `http2`: h2 by ALPN
 * on https://, h2c with prior knowledge on http://. The engine config's `http` field.
 */
export type HttpOptions = TestConfig['http'];

type Switch = 'fastPath' | 'insecureSkipTLSVerify' | 'http2';
const FIELDS: Record<Switch, string> = {
  fastPath: 'raw-socket HTTP/1.1 for plain http:// origins (never used with http2)',
  insecureSkipTLSVerify: 'accept any TLS certificate (k6 insecureSkipTLSVerify)',
  http2: 'HTTP/2: h2 by ALPN on https://, h2c with prior knowledge on http://',
};
// http2Connections / http2Streams are depth-options.ts's (integers, shared with the test file's `http`).

export const HTTP_OPTIONS: ModuleOptions<HttpOptions> = {
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...Object.fromEntries(
        Object.entries(FIELDS).map(([k, description]) => [k, { type: 'boolean', description }]),
      ),
      ...DEPTH_OPTION_SCHEMA,
    },
  },
  defaults: { fastPath: true, insecureSkipTLSVerify: false, http2: false },
  validate(value: unknown, path: string): Problem[] {
    if (value === undefined) return [];
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return [{ path, message: 'must be an object', code: 'wrong-type' }];
    const problems: Problem[] = [];
    for (const [k, v] of Object.entries(value)) {
      const at = problemPath(path, k);
      const depth = depthOptionProblems(k, v, at);
      if (depth !== undefined) problems.push(...depth);
      else if (!(k in FIELDS))
        problems.push({
          path: at,
          message: `is not an HTTP option (${[...Object.keys(FIELDS), ...DEPTH_FIELDS].join(', ')})`,
          code: 'unknown-field',
        });
      else if (typeof v !== 'boolean')
        problems.push({ path: at, message: 'must be true or false', code: 'wrong-type' });
    }
    return problems;
  },
  fromConfig(config: TestConfig): HttpOptions {
    const o: HttpOptions = { ...HTTP_OPTIONS.defaults, ...config.http };
    // A plain copy of the TLS material: the config's own serialises to its paths only.
    if (o.tls !== undefined) o.tls = { ...o.tls };
    return o;
  },
};

/**
 * What a VU's connection is built with: HTTP/2 means node:http2 (h2-client.ts: ALPN h2 with an
 * HTTP/1.1 fallback, or h2c prior knowledge), or undici's allowH2 through a proxy.
 */
export function connectionOptions(o: HttpOptions): HttpConnectionOptions {
  return {
    // A proxy takes every request: the raw fast path connects straight to the origin. Without
    // Node's llhttp binding (node-internals.ts) plain http:// goes through undici instead.
    fastPath: o.fastPath && !o.http2 && o.proxy === undefined && rawHttp1Available(),
    insecureSkipTLSVerify: o.insecureSkipTLSVerify,
    allowH2: o.http2,
    h2Connections: o.http2Connections ?? 1,
    tls: o.tls,
    proxy: o.proxy,
    // Present (undefined) on every VU's options: a rehearsal's copy that sets it has the same shape.
    connectTo: undefined,
  };
}
