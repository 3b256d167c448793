/**
 * Runs one gRPC call of each kind on a channel and resolves to its outcome (never rejects): the
 * status, what came back, and the time from the call's start to its status.
 */
import { Metadata, type Client, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import type { AnyMethod } from './protos.js';
import { statusName } from './status.js';

export interface CallOptions {
  metadata?: Readonly<Record<string, string>>;
  /** Deadline from the call's start, ms (0 or absent: none). */
  deadlineMs?: number;
}

export interface CallOutcome {
  /** `OK`, `UNAVAILABLE`, … */
  status: string;
  code: number;
  details: string;
  /** Unary and client-streaming calls: the response (undefined when the status is not OK). */
  message: unknown;
  /** Server-streaming and bidi calls: every message received. */
  messages: unknown[];
  durationUs: number;
  msgsSent: number;
  msgsReceived: number;
}

function metadataOf(m: Readonly<Record<string, string>> | undefined): Metadata {
  const md = new Metadata();
  if (m) for (const [k, v] of Object.entries(m)) md.add(k, v);
  return md;
}

function callOptions(o: CallOptions): { deadline?: number } {
  return o.deadlineMs ? { deadline: Date.now() + o.deadlineMs } : {};
}

function outcome(
  start: number,
  s: Pick<StatusObject, 'code' | 'details'>,
  message: unknown,
  messages: unknown[],
  sent: number,
): CallOutcome {
  return {
    status: statusName(s.code),
    code: s.code,
    details: s.details,
    message,
    messages,
    durationUs: Math.round((performance.now() - start) * 1000),
    msgsSent: sent,
    msgsReceived: messages.length + (message === undefined ? 0 : 1),
  };
}

export function unary(client: Client, m: AnyMethod, data: unknown, o: CallOptions): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const start = performance.now();
    client.makeUnaryRequest(
      m.path,
      m.requestSerialize,
      m.responseDeserialize,
      data,
      metadataOf(o.metadata),
      callOptions(o),
      (err: ServiceError | null, res?: unknown) =>
        resolve(
          err ? outcome(start, err, undefined, [], 1) : outcome(start, { code: 0, details: '' }, res, [], 1),
        ),
    );
  });
}

export function serverStream(
  client: Client,
  m: AnyMethod,
  data: unknown,
  o: CallOptions,
): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const start = performance.now();
    const got: unknown[] = [];
    const call = client.makeServerStreamRequest(
      m.path,
      m.requestSerialize,
      m.responseDeserialize,
      data,
      metadataOf(o.metadata),
      callOptions(o),
    );
    call.on('data', (msg: unknown) => got.push(msg));
    call.on('error', () => {});
    call.on('status', (s: StatusObject) => resolve(outcome(start, s, undefined, got, 1)));
  });
}

export function clientStream(
  client: Client,
  m: AnyMethod,
  messages: readonly unknown[],
  o: CallOptions,
): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const start = performance.now();
    let res: unknown;
    const call = client.makeClientStreamRequest(
      m.path,
      m.requestSerialize,
      m.responseDeserialize,
      metadataOf(o.metadata),
      callOptions(o),
      (err: ServiceError | null, r?: unknown) => {
        if (!err) res = r;
      },
    );
    call.on('error', () => {});
    call.on('status', (s: StatusObject) => resolve(outcome(start, s, res, [], messages.length)));
    for (const msg of messages) call.write(msg);
    call.end();
  });
}

export function bidi(
  client: Client,
  m: AnyMethod,
  messages: readonly unknown[],
  o: CallOptions,
): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const start = performance.now();
    const got: unknown[] = [];
    const call = client.makeBidiStreamRequest(
      m.path,
      m.requestSerialize,
      m.responseDeserialize,
      metadataOf(o.metadata),
      callOptions(o),
    );
    call.on('data', (msg: unknown) => got.push(msg));
    call.on('error', () => {});
    call.on('status', (s: StatusObject) => resolve(outcome(start, s, undefined, got, messages.length)));
    for (const msg of messages) call.write(msg);
    call.end();
  });
}
