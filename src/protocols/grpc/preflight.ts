/**
 * Before any load: the gRPC server answers (TCP, TLS when asked, then the HTTP/2 channel is
 * ready), exit 3 otherwise; with reflection, the method exists (exit 2 otherwise).
 */
import { VolleyError } from '../../errors.js';
import { preflight as socketPreflight } from '../http/preflight.js';
import { openChannel } from './channels.js';
import { findMethod } from './protos.js';
import { channelSpec, quickDefinition } from './quick.js';
import type { GrpcOptions } from './options.js';

export async function grpcPreflight(options: GrpcOptions, timeoutMs: number): Promise<void> {
  const req = options.request;
  if (req === undefined) return;
  const tls = req.tls;
  const url = new URL(`${tls ? 'https' : 'http'}://${req.target}`);
  const material = tls
    ? {
        ...(tls.ca ? { ca: tls.ca } : {}),
        ...(tls.cert ? { cert: tls.cert } : {}),
        ...(tls.key ? { key: tls.key } : {}),
      }
    : undefined;
  await socketPreflight(url, timeoutMs, tls?.insecureSkipVerify === true, material);
  const channel = openChannel(channelSpec(req));
  try {
    await new Promise<void>((resolve, reject) =>
      channel.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())),
    );
  } catch (err) {
    throw new VolleyError(
      'TARGET_UNREACHABLE',
      `cannot reach the gRPC server ${req.target}: ${(err as Error).message}`,
      {
        hint: 'is it a gRPC (HTTP/2) server, and does it want --tls?',
      },
    );
  } finally {
    channel.close();
  }
  if (req.protoFiles.length === 0) {
    const def = await quickDefinition(req);
    try {
      findMethod(def, req.method);
    } catch (err) {
      throw new VolleyError(
        'INVALID_USAGE',
        `${(err as Error).message} (by server reflection on ${req.target})`,
      );
    }
  }
}
