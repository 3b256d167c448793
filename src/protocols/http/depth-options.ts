/**
 * The HTTP options beyond the switches: expected statuses, TLS material (a custom CA, a client
 * certificate), a forward proxy, and (a test's only) the width of `http.batch`. The first three
 * appear twice: in a test's `http` section (TLS as file paths relative to the test file) and in the engine's options
 * (`TestConfig.http`: TLS as PEM text, read when the test loads, so workers and generators
 * elsewhere need no files). Bad files and bad PEM are found here, before any traffic.
 */
import { createSecureContext } from 'node:tls';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { problemPath, type Problem } from '../../config/problems.js';
import type { TestConfig, TlsMaterial } from '../../config/types.js';
import { VolleyError } from '../../errors.js';
import type { HttpDefaults } from './api.js';
import { expectedStatusProblems, parseExpectedStatusFlag } from './expected-statuses.js';

export type { TlsMaterial };

/** k6's `batchPerHost` default. */
export const DEFAULT_BATCH_PER_HOST = 6;

const TLS_FILE_FIELDS = ['ca', 'cert', 'key'] as const;

const EXPECTED_SCHEMA = {
  type: 'array',
  minItems: 1,
  description:
    'statuses that count as a success in http_req_failed (default 200-399): codes and { min, max } ranges, e.g. [{ min: 200, max: 399 }, 404]',
  items: {
    anyOf: [
      { type: 'integer', minimum: 100, maximum: 599 },
      {
        type: 'object',
        additionalProperties: false,
        required: ['min', 'max'],
        properties: {
          min: { type: 'integer', minimum: 100, maximum: 599 },
          max: { type: 'integer', minimum: 100, maximum: 599 },
        },
      },
    ],
  },
};
const PROXY_SCHEMA = {
  type: 'string',
  description: 'forward proxy for every request, http://host:port (CONNECT tunnels for https://)',
};
const BATCH_SCHEMA = {
  type: 'integer',
  minimum: 1,
  description: 'most requests of one http.batch sent at once to one origin (default 6, as k6)',
};

const H2_CONNECTIONS_SCHEMA = {
  type: 'integer',
  minimum: 1,
  description:
    "HTTP/2: most connections a VU opens per origin (default 1); the VU's concurrent requests (http.batch, parallel promises) are streams on them",
};
const H2_STREAMS_SCHEMA = {
  type: 'integer',
  minimum: 1,
  description:
    'HTTP/2: this many VUs share one connection (default 1), each with a stream at a time (h2load -m); VUs = clients x streams',
};
const H2_FIELDS = { http2Connections: H2_CONNECTIONS_SCHEMA, http2Streams: H2_STREAMS_SCHEMA };

/** Request options of a declarative step this file owns (beside headers, json, …). */
export const HTTP_STEP_OPTION_SCHEMA: Readonly<Record<string, unknown>> = {
  expectedStatuses: {
    ...EXPECTED_SCHEMA,
    description: 'statuses that count as a success for this request (default: http.expectedStatuses)',
  },
  compression: {
    enum: ['gzip', 'deflate', 'br'],
    description: 'compress the request body and send content-encoding (k6 compression)',
  },
};
export const HTTP_STEP_OPTIONS: readonly string[] = Object.keys(HTTP_STEP_OPTION_SCHEMA);

/** The engine options' fields (TestConfig.http) this file owns, as JSON-schema fragments. */
export const DEPTH_OPTION_SCHEMA: Readonly<Record<string, unknown>> = {
  expectedStatuses: EXPECTED_SCHEMA,
  proxy: PROXY_SCHEMA,
  ...H2_FIELDS,
  tls: {
    type: 'object',
    additionalProperties: false,
    description: 'TLS material as PEM text: a custom CA, a client certificate and its key',
    properties: {
      ca: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      passphrase: { type: 'string' },
    },
  },
};

/** The same fields in a test's `http` section (TLS as file paths), for the declarative schema. */
export const DEPTH_DEFINITION_SCHEMA: Readonly<Record<string, unknown>> = {
  expectedStatuses: EXPECTED_SCHEMA,
  proxy: PROXY_SCHEMA,
  ...H2_FIELDS,
  batchPerHost: BATCH_SCHEMA,
  tls: {
    type: 'object',
    additionalProperties: false,
    description:
      'a custom CA and a client certificate (file paths relative to the test file, read when it loads)',
    properties: {
      ca: { type: 'string', description: 'PEM file of the CA(s) to trust, besides the system ones' },
      cert: { type: 'string', description: 'PEM file of the client certificate (with key)' },
      key: { type: 'string', description: 'PEM file of the client key (with cert)' },
      passphrase: { type: 'string', description: "the key's passphrase, when it is encrypted" },
      insecureSkipTLSVerify: { type: 'boolean', description: 'accept any server certificate' },
    },
  },
};

export const DEPTH_FIELDS: readonly string[] = Object.keys(DEPTH_OPTION_SCHEMA);
/** The fields of a test's `http` section this file owns. */
export const DEPTH_DEFINITION_FIELDS: readonly string[] = Object.keys(DEPTH_DEFINITION_SCHEMA);

/** Why a proxy URL cannot be used, or undefined. */
export function proxyProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a URL such as http://127.0.0.1:3128';
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return `${JSON.stringify(value)} is not a URL (e.g. http://127.0.0.1:3128)`;
  }
  if (u.protocol !== 'http:') return `${JSON.stringify(value)}: only http:// proxies are supported`;
  if (u.username !== '' || u.password !== '')
    return `${JSON.stringify(value)}: proxy credentials are not supported; send proxy-authorization as a header`;
  return undefined;
}

function batchProblem(v: unknown): string | undefined {
  return Number.isSafeInteger(v) && (v as number) >= 1 ? undefined : 'must be an integer >= 1';
}

/** Problems of one depth field `key` of the engine options; undefined when `key` is not one. */
export function depthOptionProblems(key: string, v: unknown, at: string): Problem[] | undefined {
  switch (key) {
    case 'expectedStatuses':
      return expectedStatusProblems(v, at);
    case 'proxy': {
      const p = proxyProblem(v);
      return p ? [{ path: at, code: 'wrong-type', message: p }] : [];
    }
    case 'http2Connections':
    case 'http2Streams': {
      const p = batchProblem(v);
      return p ? [{ path: at, code: 'out-of-range', message: p }] : [];
    }
    case 'tls': {
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        return [{ path: at, code: 'wrong-type', message: 'must be an object' }];
      const out: Problem[] = [];
      for (const [k, x] of Object.entries(v))
        if (![...TLS_FILE_FIELDS, 'passphrase'].includes(k))
          out.push({
            path: problemPath(at, k),
            code: 'unknown-field',
            message: 'is not ca, cert, key or passphrase',
          });
        else if (typeof x !== 'string')
          out.push({ path: problemPath(at, k), code: 'wrong-type', message: 'must be PEM text' });
      return out;
    }
    default:
      return undefined;
  }
}

/** Problems of the depth fields in a test's `http` section (paths from the definition's root). */
export function depthDefinitionProblems(h: Readonly<Record<string, unknown>>): Problem[] {
  const out: Problem[] = [];
  const at = (k: string): string => problemPath('http', k);
  if (h.expectedStatuses !== undefined)
    out.push(...expectedStatusProblems(h.expectedStatuses, at('expectedStatuses')));
  if (h.proxy !== undefined) {
    const p = proxyProblem(h.proxy);
    if (p) out.push({ path: at('proxy'), code: 'wrong-type', message: p });
  }
  for (const k of ['http2Connections', 'http2Streams'] as const)
    if (h[k] !== undefined) {
      const p = batchProblem(h[k]);
      if (p) out.push({ path: at(k), code: 'out-of-range', message: p });
    }
  if (h.batchPerHost !== undefined) {
    const p = batchProblem(h.batchPerHost);
    if (p) out.push({ path: at('batchPerHost'), code: 'out-of-range', message: p });
  }
  const tls = h.tls;
  if (tls !== undefined) {
    if (typeof tls !== 'object' || tls === null || Array.isArray(tls))
      out.push({
        path: at('tls'),
        code: 'wrong-type',
        message: 'must be an object: { ca, cert, key, passphrase }',
      });
    else {
      const t = tls as Record<string, unknown>;
      const fields = [...TLS_FILE_FIELDS, 'passphrase', 'insecureSkipTLSVerify'];
      for (const [k, x] of Object.entries(t)) {
        const p = problemPath(at('tls'), k);
        if (!fields.includes(k))
          out.push({ path: p, code: 'unknown-field', message: `is not a TLS field (${fields.join(', ')})` });
        else if (k === 'insecureSkipTLSVerify' ? typeof x !== 'boolean' : typeof x !== 'string')
          out.push({
            path: p,
            code: 'wrong-type',
            message: k === 'insecureSkipTLSVerify' ? 'must be true or false' : 'must be a file path (text)',
          });
      }
      if ((t.cert === undefined) !== (t.key === undefined))
        out.push({
          path: at('tls'),
          code: 'required',
          message: 'a client certificate needs both cert and key',
        });
    }
  }
  return out;
}

/** The TLS files a test or the command line names (paths), with the key's passphrase. */
export interface TlsFiles {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  passphrase?: string | undefined;
}

/**
 * Reads the TLS files (relative paths against `baseDir`) and checks that Node can use them: PEM
 * that parses, a key that matches its certificate, the right passphrase. `shown(field)` names a
 * field in messages (`http.tls.cert`, `--cert`). Throws a VolleyError before any traffic.
 * The result serialises (JSON: stores, logs) with its paths only, never the key's bytes.
 */
export function readTlsFiles(
  files: TlsFiles,
  baseDir: string,
  shown: (field: string) => string,
): TlsMaterial {
  const material: TlsMaterial = {};
  const paths: Record<string, string> = {};
  for (const field of TLS_FILE_FIELDS) {
    const p = files[field];
    if (p === undefined) continue;
    const abs = isAbsolute(p) ? p : resolve(baseDir, p);
    paths[field] = abs;
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new VolleyError(
        'UNREADABLE_FILE',
        `${shown(field)}: cannot read ${abs}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      );
    }
    if (!text.includes('-----BEGIN '))
      throw new VolleyError(
        'INVALID_CONFIG',
        `${shown(field)}: ${abs} is not a PEM file (no -----BEGIN line)`,
      );
    material[field] = text;
  }
  if ((material.cert === undefined) !== (material.key === undefined))
    throw new VolleyError(
      'INVALID_CONFIG',
      `${shown(material.cert === undefined ? 'cert' : 'key')}: a client certificate needs both a certificate and its key`,
    );
  if (files.passphrase !== undefined) material.passphrase = files.passphrase;
  try {
    createSecureContext(material);
  } catch (err) {
    const which = material.key !== undefined ? `${shown('cert')} / ${shown('key')}` : shown('ca');
    throw new VolleyError(
      'INVALID_CONFIG',
      `${which}: the TLS material cannot be used: ${(err as Error).message.trim()}`,
      { cause: err },
    );
  }
  // Stores and logs get the paths; the workers get a plain copy (HTTP_OPTIONS.fromConfig) with the PEM.
  Object.defineProperty(material, 'toJSON', { value: () => ({ files: paths }), enumerable: false });
  return material;
}

type DepthConfig = Pick<
  TestConfig['http'],
  'expectedStatuses' | 'proxy' | 'tls' | 'http2Connections' | 'http2Streams'
>;

/**
 * The engine options of a test's `http` section (expectedStatuses, proxy, TLS read from its files),
 * for `TestConfig.http`. Values of the wrong type are left out: the definition's validator says so.
 */
export function httpDepthConfig(h: HttpDefaults | undefined, baseDir: string): DepthConfig {
  const out: DepthConfig = {};
  if (h === undefined) return out;
  if (h.http2Connections !== undefined && batchProblem(h.http2Connections) === undefined)
    out.http2Connections = h.http2Connections;
  if (h.http2Streams !== undefined && batchProblem(h.http2Streams) === undefined)
    out.http2Streams = h.http2Streams;
  if (expectedStatusProblems(h.expectedStatuses, 'x').length === 0 && h.expectedStatuses !== undefined)
    out.expectedStatuses = h.expectedStatuses.map((r) =>
      typeof r === 'number' ? r : { min: r.min, max: r.max },
    );
  if (h.proxy !== undefined && proxyProblem(h.proxy) === undefined) out.proxy = h.proxy;
  const t = h.tls;
  if (
    typeof t === 'object' &&
    t !== null &&
    (['ca', 'cert', 'key', 'passphrase'] as const).every(
      (k) => t[k] === undefined || typeof t[k] === 'string',
    ) &&
    (t.ca !== undefined || t.cert !== undefined || t.key !== undefined) &&
    (t.cert === undefined) === (t.key === undefined)
  )
    out.tls = readTlsFiles(t, baseDir, (field) => `http.tls.${field}`);
  return out;
}

/** The command line's HTTP depth flags (`--expected-status`, `--ca`, `--cert`, `--key`, `--proxy`). */
export interface HttpDepthFlags {
  expectedStatus?: string | undefined;
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  proxy?: string | undefined;
  http2Connections?: string | undefined;
  http2Streams?: string | undefined;
}

/** A positive integer flag's value, or a message in `errors`. */
function countFlag(v: string, flag: string, errors: string[]): number | undefined {
  const n = Number(v);
  if (/^\d+$/.test(v.trim()) && Number.isSafeInteger(n) && n >= 1) return n;
  errors.push(`${flag} must be an integer >= 1 (got '${v}')`);
  return undefined;
}

/**
 * The engine options the flags ask for (TLS files read relative to the working directory); every
 * problem goes to `errors`.
 */
export function httpDepthFlags(flags: HttpDepthFlags, errors: string[]): DepthConfig {
  const out: DepthConfig = {};
  if (flags.http2Connections !== undefined) {
    const n = countFlag(flags.http2Connections, '--http2-connections', errors);
    if (n !== undefined) out.http2Connections = n;
  }
  if (flags.http2Streams !== undefined) {
    const n = countFlag(flags.http2Streams, '--http2-streams', errors);
    if (n !== undefined) out.http2Streams = n;
  }
  if (flags.expectedStatus !== undefined) {
    const parsed = parseExpectedStatusFlag(flags.expectedStatus);
    if (typeof parsed === 'string') errors.push(parsed);
    else out.expectedStatuses = parsed;
  }
  if (flags.proxy !== undefined) {
    const p = proxyProblem(flags.proxy);
    if (p) errors.push(`--proxy: ${p}`);
    else out.proxy = flags.proxy;
  }
  if (flags.ca !== undefined || flags.cert !== undefined || flags.key !== undefined) {
    try {
      out.tls = readTlsFiles({ ca: flags.ca, cert: flags.cert, key: flags.key }, '.', (f) => `--${f}`);
    } catch (err) {
      if (!(err instanceof VolleyError)) throw err;
      errors.push(err.message);
    }
  }
  return out;
}
