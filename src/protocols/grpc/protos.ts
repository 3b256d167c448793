/**
 * Loads `.proto` files (with their imports, through include paths) into a package definition,
 * once per worker and file set, and finds a method (`pkg.Service/Method`) in it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadSync, type MethodDefinition, type PackageDefinition } from '@grpc/proto-loader';
import { VolleyError } from '../../errors.js';

/** How messages map to JS: proto field names as written, 64-bit ints and enums as strings. */
export const LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
} as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- messages are whatever the .proto says
export type AnyMethod = MethodDefinition<any, any>;

const cache = new Map<string, PackageDefinition>();

/** The package definition of `files` (cached: a worker parses each file set once). Throws VolleyError (exit 2). */
export function loadProtos(files: readonly string[], importPaths: readonly string[]): PackageDefinition {
  const key = JSON.stringify([files, importPaths]);
  let def = cache.get(key);
  if (def === undefined) {
    try {
      // A file found as given is passed absolute: proto-loader would first look for it in every
      // include path and warn on stderr when it is not there (`proto/x.proto` with `-I proto`).
      const paths = files.map((f) => (existsSync(f) ? resolve(f) : f));
      def = loadSync(paths, { ...LOADER_OPTIONS, includeDirs: [...importPaths] });
    } catch (err) {
      throw new VolleyError('INVALID_CONFIG', `cannot load ${files.join(', ')}: ${(err as Error).message}`);
    }
    cache.set(key, def);
  }
  return def;
}

/** Remembers a definition obtained another way (server reflection) under `key`. */
export function rememberDefinition(key: string, def: PackageDefinition): void {
  cache.set(key, def);
}

/** The method `pkg.Service/Method` (a leading `/` is allowed) in `def`. Throws VolleyError (exit 2). */
export function findMethod(def: PackageDefinition, name: string): AnyMethod {
  const m = /^\/?([\w.]+)\/(\w+)$/.exec(name);
  if (!m)
    throw new VolleyError('INVALID_CONFIG', `'${name}' is not a gRPC method name (use pkg.Service/Method)`);
  const service = def[m[1] as string];
  // Messages and enums carry a `format` field; services are plain maps of methods.
  if (service === undefined || 'format' in service) {
    const services = Object.entries(def)
      .filter(([, v]) => !('format' in v))
      .map(([k]) => k);
    throw new VolleyError(
      'INVALID_CONFIG',
      `unknown gRPC service '${m[1]}' (known: ${services.join(', ') || 'none'})`,
    );
  }
  const method = (service as Record<string, AnyMethod>)[m[2] as string];
  if (method === undefined)
    throw new VolleyError(
      'INVALID_CONFIG',
      `service '${m[1]}' has no method '${m[2]}' (it has: ${Object.keys(service).join(', ')})`,
    );
  return method;
}
