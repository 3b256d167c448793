/**
 * The gRPC module's declarative step kind: `grpc: { target, call, data, … }`, one unary call
 * with templates in target, data and metadata; `check: { status }` inside it, and the step's
 * `capture: { NAME: { json: PATH } }` reading dotted paths of the response message.
 */
import { tryParseDurationMs } from '../../config/duration.js';
import type { StepCompiler, StepKind } from '../module.js';
import type { GrpcClient, GrpcConnectOptions, GrpcResponse } from './api.js';

type Obj = Record<string, unknown>;
type Path = readonly (string | number)[];

interface StepVu {
  readonly grpc: GrpcClient;
  state: object;
  check<T>(value: T, checks: Record<string, (value: T) => boolean>): boolean;
}

const strings = { type: 'array', items: { type: 'string' } };

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['target', 'call'],
  description: 'one unary gRPC call (see docs/protocols.md#grpc)',
  properties: {
    target: { type: 'string', description: 'HOST:PORT; {{ }} templates allowed' },
    call: { type: 'string', pattern: '^/?[\\w.]+/\\w+$', description: 'pkg.Service/Method' },
    data: { description: 'the request message (proto field names); string leaves may hold {{ }} templates' },
    protoFiles: {
      ...strings,
      description: '.proto files (relative to the working directory); none: reflection',
    },
    importPaths: { ...strings, description: 'directories imports resolve against' },
    metadata: { type: 'object', additionalProperties: { type: 'string' }, description: 'call metadata' },
    deadline: {
      anyOf: [{ type: 'string' }, { type: 'number' }],
      description: "the call's deadline, e.g. '500ms'",
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ca: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        insecureSkipVerify: { type: 'boolean' },
      },
      description: 'TLS (file paths or PEM text); absent: plaintext',
    },
    tags: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: "extra tags on the call's samples",
    },
    check: {
      type: 'object',
      additionalProperties: false,
      properties: { status: { type: 'string', description: "the expected status name, e.g. 'OK'" } },
    },
  },
};

function dig(value: unknown, path: string): unknown {
  let v = value;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Obj)[part];
  }
  return v;
}

function compileCall<Ctx extends StepVu>(
  step: Readonly<Obj>,
  path: Path,
  c: StepCompiler<Ctx>,
): (ctx: Ctx) => Promise<void> {
  const spec = step.grpc as Obj;
  const at = [...path, 'grpc'];
  const target = c.string(String(spec.target), [...at, 'target'], false);
  const data = c.tree(spec.data ?? {}, [...at, 'data'], true);
  const metadata =
    spec.metadata === undefined ? undefined : c.tree(spec.metadata, [...at, 'metadata'], false);
  const call = String(spec.call);
  const connect: GrpcConnectOptions = {};
  if (Array.isArray(spec.protoFiles) && spec.protoFiles.length > 0)
    connect.protoFiles = spec.protoFiles as string[];
  else connect.reflection = true;
  if (Array.isArray(spec.importPaths)) connect.importPaths = spec.importPaths as string[];
  if (spec.tls !== undefined) connect.tls = spec.tls as NonNullable<GrpcConnectOptions['tls']>;
  const deadlineMs =
    spec.deadline === undefined ? undefined : tryParseDurationMs(spec.deadline as string | number);
  const tags = spec.tags as Record<string, string> | undefined;
  const status = (spec.check as Obj | undefined)?.status as string | undefined;
  const checkSet =
    status === undefined
      ? undefined
      : { [`${call}: status is ${status}`]: (r: GrpcResponse) => r.status === status };
  // The step's `capture` (the flow grammar's): `{ json: PATH }` reads a dotted path of the response message.
  const captures = Object.entries((step.capture as Record<string, Obj> | undefined) ?? {}).map(
    ([name, src]) => [name, typeof src.json === 'string' ? src.json : ''] as const,
  );
  const where = c.where(path);
  return async (ctx) => {
    const t = target.fixed ? (target.value as string) : (target.get(ctx) as string);
    await ctx.grpc.connect(t, connect);
    const options: { metadata?: Record<string, string>; deadlineMs?: number; tags?: Record<string, string> } =
      {};
    if (metadata)
      options.metadata = (metadata.fixed ? metadata.value : metadata.get(ctx)) as Record<string, string>;
    if (deadlineMs !== undefined) options.deadlineMs = deadlineMs;
    if (tags) options.tags = tags;
    const res = await ctx.grpc.invoke(call, data.fixed ? data.value : data.get(ctx), options);
    if (checkSet) ctx.check(res, checkSet);
    for (const [name, p] of captures) {
      const v = dig(res.message, p);
      if (v === undefined)
        throw c.flowError(
          `${where}: ${call} → ${res.status}: capture '${name}' (${p}) found nothing in the response`,
        );
      (ctx.state as Obj)[name] = v;
    }
  };
}

export const GRPC_STEPS: readonly StepKind[] = [
  {
    key: 'grpc',
    schema: SCHEMA,
    compile: <Ctx>(step: Readonly<Obj>, path: Path, compiler: StepCompiler<Ctx>) =>
      compileCall(step, path, compiler as unknown as StepCompiler<StepVu>) as unknown as (
        ctx: Ctx,
      ) => Promise<void>,
  },
];
