/** Service definitions from a server's reflection service (grpc-js-reflection-client), when no `.proto` is given. */
import type { PackageDefinition } from '@grpc/proto-loader';
import { GrpcReflection } from 'grpc-js-reflection-client';
import { VolleyError } from '../../errors.js';
import { channelCredentials, type ChannelSpec } from './channels.js';
import { LOADER_OPTIONS } from './protos.js';

/** Every service the server lists (but reflection itself), merged into one package definition. */
export async function reflectDefinition(spec: ChannelSpec, timeoutMs = 5000): Promise<PackageDefinition> {
  const client = new GrpcReflection(spec.target, channelCredentials(spec));
  const deadline = (): { deadline: number } => ({ deadline: Date.now() + timeoutMs });
  let services: string[];
  try {
    services = (await client.listServices('', deadline())).filter((s) => !s.startsWith('grpc.reflection.'));
  } catch (err) {
    throw new VolleyError(
      'TARGET_UNREACHABLE',
      `server reflection on ${spec.target} failed: ${(err as Error).message}`,
      { hint: 'give the .proto files instead (protoFiles / --proto)' },
    );
  }
  const def: PackageDefinition = {};
  for (const s of services) {
    const d = await client.getDescriptorBySymbol(s, deadline());
    Object.assign(def, d.getPackageDefinition({ ...LOADER_OPTIONS }));
  }
  return def;
}
