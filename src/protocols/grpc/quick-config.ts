/**
 * Quick mode over gRPC, in the main thread before any traffic: the flags become a
 * `GrpcQuickRequest`, and every problem is found now (exit 2): a missing or broken .proto, an
 * unknown service or method, `--data` that is not JSON or does not fit the request message,
 * a template other than {{iteration}} / {{uuid}}.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import protobuf from 'protobufjs';
import type { GrpcQuickRequest, TlsMaterial } from '../../config/types.js';
import { VolleyError } from '../../errors.js';
import { findMethod, loadProtos } from './protos.js';

export interface GrpcQuickFlags {
  grpc?: string;
  proto?: string[];
  importPath?: string[];
  call?: string;
  data?: string;
  metadata?: string[];
  tls?: boolean;
  insecure?: boolean;
}

const TEMPLATE = /\{\{\s*([A-Za-z_]+)\s*\}\}/g;

/** The request message of one call: `{{iteration}}` and `{{uuid}}` filled in, then parsed. */
export function renderData(text: string, iteration: number): unknown {
  return JSON.parse(
    text.replace(TEMPLATE, (_, name: string) => (name === 'iteration' ? String(iteration) : randomUUID())),
  ) as unknown;
}

/** Per call: the message for an iteration (parsed once when `text` has no template). */
export function dataMaker(text: string): (iteration: number) => unknown {
  TEMPLATE.lastIndex = 0;
  if (!TEMPLATE.test(text)) {
    const fixed = JSON.parse(text) as unknown;
    return () => fixed;
  }
  return (i) => renderData(text, i);
}

const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** What is wrong with `value` as a `type` message (field names as in the .proto), each with its path. */
export function messageProblems(type: protobuf.Type, value: unknown, path: string): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return [`${path || 'the message'} must be a JSON object (a ${type.fullName.slice(1)})`];
  const problems: string[] = [];
  // A copy verify() can read: enum names and 64-bit integers as strings are what proto-loader accepts.
  const forVerify: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const field = type.fields[k];
    const at = path ? `${path}.${k}` : k;
    if (field === undefined) {
      problems.push(
        `${at} is not a field of ${type.fullName.slice(1)} (fields: ${Object.keys(type.fields).join(', ')})`,
      );
      continue;
    }
    field.resolve();
    const rt = field.resolvedType;
    const one = (x: unknown, p: string): unknown => {
      if (rt instanceof protobuf.Type) {
        problems.push(...messageProblems(rt, x, p));
        return undefined;
      }
      if (rt instanceof protobuf.Enum && typeof x === 'string') {
        if (!(x in rt.values))
          problems.push(`${p}: '${x}' is not a value of ${rt.name} (${Object.keys(rt.values).join(', ')})`);
        return rt.values[x] ?? 0;
      }
      if (INT64.has(field.type) && typeof x === 'string' && /^-?\d+$/.test(x)) return Number(x);
      return x;
    };
    if (field.repeated && Array.isArray(v)) forVerify[k] = v.map((x, i) => one(x, `${at}[${i}]`));
    else if (rt instanceof protobuf.Type) {
      one(v, at);
      continue;
    } else forVerify[k] = one(v, at);
    if (rt instanceof protobuf.Type) continue;
  }
  const bad = type.verify(
    Object.fromEntries(
      Object.entries(forVerify).filter(([k]) => !(type.fields[k]?.resolvedType instanceof protobuf.Type)),
    ),
  );
  if (bad) problems.push(`${path ? `${path}.` : ''}${bad}`);
  return problems;
}

/** The protobufjs root of `files` (field names kept as written), imports searched in `importPaths`. */
function protobufRoot(files: readonly string[], importPaths: readonly string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    if (isAbsolute(target) && existsSync(target)) return target;
    for (const dir of importPaths) {
      const p = join(dir, target);
      if (existsSync(p)) return p;
    }
    return origin ? resolve(origin, '..', target) : resolve(target);
  };
  root.loadSync([...files], { keepCase: true });
  root.resolveAll();
  return root;
}

/** `--metadata 'key: value'` → [key, value]. */
function metadataEntry(text: string, errors: string[]): [string, string] | undefined {
  const idx = text.indexOf(':');
  const key = idx > 0 ? text.slice(0, idx).trim().toLowerCase() : '';
  if (!/^[0-9a-z_.-]+$/.test(key)) {
    errors.push(`--metadata '${text}' is not metadata: use 'key: value' (lower-case key)`);
    return undefined;
  }
  return [key, text.slice(idx + 1).trim()];
}

/**
 * The quick request of `--grpc` flags; problems go to `errors`. With `--proto`, the call and the
 * data are checked against the files now; without, the preflight checks them by reflection.
 */
export function grpcQuickRequest(
  flags: GrpcQuickFlags,
  tls: TlsMaterial | undefined,
  timeoutMs: number,
  errors: string[],
): GrpcQuickRequest | undefined {
  const target = (flags.grpc ?? '').trim();
  if (!/^[^\s/:]+:\d{1,5}$/.test(target) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(target))
    errors.push(`--grpc '${flags.grpc}' must be HOST:PORT (e.g. 127.0.0.1:8118)`);
  if (flags.call === undefined)
    errors.push('--call is required with --grpc (e.g. --call taskqueue.TaskQueue/SubmitTask)');
  let data = flags.data ?? '{}';
  if (data.startsWith('@')) {
    try {
      data = readFileSync(data.slice(1), 'utf8');
    } catch (err) {
      errors.push(`--data ${data}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  }
  for (const m of data.matchAll(TEMPLATE))
    if (m[1] !== 'iteration' && m[1] !== 'uuid')
      errors.push(`--data: unknown template {{${m[1]}}} (use {{iteration}} or {{uuid}})`);
  let sample: unknown;
  try {
    sample = renderData(data, 0);
  } catch (err) {
    errors.push(`--data is not JSON: ${(err as Error).message}`);
  }
  const metadata: Record<string, string> = {};
  for (const t of flags.metadata ?? []) {
    const kv = metadataEntry(t, errors);
    if (kv) metadata[kv[0]] = kv[1];
  }
  const protoFiles = (flags.proto ?? []).map((f) => resolve(f));
  const importPaths = (flags.importPath ?? []).map((d) => resolve(d));
  for (const d of importPaths) if (!existsSync(d)) errors.push(`--import-path ${d}: no such directory`);
  for (const f of protoFiles) if (!existsSync(f)) errors.push(`--proto ${f}: no such file`);
  if (errors.length === 0 && protoFiles.length > 0 && flags.call !== undefined) {
    try {
      findMethod(loadProtos(protoFiles, importPaths), flags.call);
      const root = protobufRoot(protoFiles, importPaths);
      const [svc, name] = flags.call.replace(/^\//, '').split('/') as [string, string];
      const method = root.lookupService(svc).methods[name] as protobuf.Method;
      if (method.requestStream || method.responseStream)
        errors.push(
          `--call ${flags.call} is a streaming method: quick mode makes unary calls (use a script)`,
        );
      else {
        const type = root.lookupType(method.resolvedRequestType?.fullName ?? method.requestType);
        for (const p of messageProblems(type, sample, ''))
          errors.push(`--data does not fit ${type.fullName.slice(1)}: ${p}`);
      }
    } catch (err) {
      errors.push(err instanceof VolleyError ? err.message : `--proto: ${(err as Error).message}`);
    }
  }
  if (errors.length > 0) return undefined;
  const req: GrpcQuickRequest = {
    target,
    method: (flags.call as string).replace(/^\//, ''),
    protoFiles,
    importPaths,
    data,
    metadata,
    deadlineMs: timeoutMs,
  };
  if (flags.tls || tls !== undefined) req.tls = { ...tls, insecureSkipVerify: flags.insecure === true };
  return req;
}
