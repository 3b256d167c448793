/**
 * gRPC status codes by name, and the error class of a failed call — the same buckets HTTP's
 * `error` tag uses where they apply (refused, timeout, tls, dns, reset), plus `unavailable`
 * (a server that answered UNAVAILABLE) and `status` (any other non-OK status the server sent).
 */
import { status as Status } from '@grpc/grpc-js';

const NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(Status)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [v as number, k]),
);

/** `OK`, `UNAVAILABLE`, `DEADLINE_EXCEEDED`, … (`UNKNOWN` for a code gRPC does not define). */
export function statusName(code: number): string {
  return NAMES.get(code) ?? 'UNKNOWN';
}

export type GrpcErrorClass = 'refused' | 'timeout' | 'tls' | 'dns' | 'reset' | 'unavailable' | 'status';

/** Why a call with a non-OK status failed, from its code and grpc-js's details text. */
export function classifyStatus(code: number, details: string): GrpcErrorClass {
  if (code === Status.DEADLINE_EXCEEDED) return 'timeout';
  if (code !== Status.UNAVAILABLE) return 'status';
  const d = details.toLowerCase();
  if (d.includes('econnrefused') || d.includes('connection refused')) return 'refused';
  if (d.includes('enotfound') || d.includes('name resolution') || d.includes('dns')) return 'dns';
  if (
    d.includes('ssl') ||
    d.includes('tls') ||
    d.includes('certificate') ||
    d.includes('self signed') ||
    d.includes('self-signed') ||
    d.includes('handshake')
  )
    return 'tls';
  if (d.includes('econnreset') || d.includes('connection dropped') || d.includes('reset')) return 'reset';
  // Connection-level failures grpc-js reports without a cause in the text.
  if (d.includes('no connection established') || d.includes('failed to connect')) return 'refused';
  return 'unavailable';
}
