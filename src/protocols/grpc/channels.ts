/**
 * gRPC channels: a grpc-js `Client` per target and credentials. A VU owns its channels by default
 * (load spreads like real clients); `channel: 'worker'` shares one per target across a worker's VUs.
 */
import { readFileSync } from 'node:fs';
import { Client, credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { VolleyError } from '../../errors.js';

/** TLS for a channel: PEM text or a path to a PEM file for each part. */
export interface GrpcTls {
  ca?: string;
  cert?: string;
  key?: string;
  /** Accept any server certificate (testing against self-signed targets). */
  insecureSkipVerify?: boolean;
}

export interface ChannelSpec {
  target: string;
  /** Absent: plaintext (h2c). */
  tls?: GrpcTls;
}

function pem(value: string | undefined, what: string): Buffer | null {
  if (value === undefined) return null;
  if (value.includes('-----BEGIN')) return Buffer.from(value);
  try {
    return readFileSync(value);
  } catch (err) {
    throw new VolleyError(
      'UNREADABLE_FILE',
      `cannot read the TLS ${what} '${value}': ${(err as Error).message}`,
    );
  }
}

/** The credentials of `spec` (reads TLS files; throws VolleyError on one it cannot read). */
export function channelCredentials(spec: ChannelSpec): ChannelCredentials {
  const t = spec.tls;
  if (t === undefined) return credentials.createInsecure();
  const ca = pem(t.ca, 'CA');
  const cert = pem(t.cert, 'certificate');
  const key = pem(t.key, 'key');
  if ((cert === null) !== (key === null))
    throw new VolleyError('INVALID_CONFIG', 'a TLS client certificate needs both cert and key');
  return credentials.createSsl(
    ca,
    key,
    cert,
    t.insecureSkipVerify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {},
  );
}

export function channelKey(spec: ChannelSpec): string {
  return JSON.stringify([spec.target, spec.tls ?? null]);
}

/** Channel options: no client-side retries or keepalive pings that would add calls the test did not make. */
const CHANNEL_OPTIONS = { 'grpc.enable_retries': 0, 'grpc.max_receive_message_length': 64 * 1024 * 1024 };

export function openChannel(spec: ChannelSpec): Client {
  return new Client(spec.target, channelCredentials(spec), CHANNEL_OPTIONS);
}

/** A set of channels by key, closed together. */
export class ChannelPool {
  private readonly open = new Map<string, Client>();
  get(spec: ChannelSpec): Client {
    const key = channelKey(spec);
    let c = this.open.get(key);
    if (c === undefined) {
      c = openChannel(spec);
      this.open.set(key, c);
    }
    return c;
  }
  close(): void {
    for (const c of this.open.values()) c.close();
    this.open.clear();
  }
}
