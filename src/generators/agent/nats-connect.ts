/**
 * One NATS connection for a controller or an agent: the credentials (a creds file, a token, or a
 * user and password), reconnecting for ever at a quick pace (a restarted nats-server is back within
 * a second or two, well inside the dead-man switch), and errors that say what went wrong.
 */
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection } from 'nats';
import { VolleyError } from '../../errors.js';

export interface NatsAuth {
  /** A `.creds` file (NATS decentralised auth: a user JWT and its NKey seed). */
  creds?: string;
  token?: string;
  user?: string;
  password?: string;
}

export interface NatsOptions extends NatsAuth {
  /** `nats://host:4222`, or several, comma-separated. */
  url: string;
  /** How the connection shows in the server's monitoring (`volley agent web-1`). */
  name: string;
}

/** The auth options as nats.js takes them; a usage error for a half-given pair or an unreadable creds file. */
function authOptions(auth: NatsAuth): Partial<ConnectionOptions> {
  const given = [auth.creds && '--creds', auth.token && '--token', (auth.user || auth.password) && '--user'];
  if (given.filter(Boolean).length > 1)
    throw new VolleyError('INVALID_USAGE', 'NATS: give one of --creds, --token or --user/--password');
  if ((auth.user === undefined) !== (auth.password === undefined))
    throw new VolleyError('INVALID_USAGE', 'NATS: --user and --password go together');
  if (auth.creds) {
    let text: Uint8Array;
    try {
      text = readFileSync(auth.creds);
    } catch (err) {
      throw new VolleyError('UNREADABLE_FILE', `NATS --creds ${auth.creds}: ${(err as Error).message}`);
    }
    return { authenticator: credsAuthenticator(text) };
  }
  if (auth.token) return { token: auth.token };
  if (auth.user !== undefined) return { user: auth.user, pass: auth.password as string };
  return {};
}

/** Where the URL's credentials would leak into a message: `nats://u:p@h` shows as `nats://h`. */
export function safeUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/g, '//');
}

/** Connects, or throws a usage error naming the server and the reason (refused, credentials, timeout). */
export async function connectNats(opts: NatsOptions): Promise<NatsConnection> {
  const servers = opts.url
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (servers.length === 0) throw new VolleyError('INVALID_USAGE', 'NATS: no server URL given (--nats)');
  for (const s of servers)
    if (!/^(nats|tls|ws|wss):\/\/|^[^:/]+:\d+$/.test(s))
      throw new VolleyError('INVALID_USAGE', `NATS: '${safeUrl(s)}' is not a NATS URL (nats://host:4222)`);
  try {
    return await connect({
      servers,
      name: opts.name,
      ...authOptions(opts),
      timeout: 5000,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 100,
      pingInterval: 2000,
      maxPingOut: 2,
    });
  } catch (err) {
    if (err instanceof VolleyError) throw err;
    const e = err as Error & { code?: string };
    const where = servers.map(safeUrl).join(', ');
    if (
      e.code === 'AUTHORIZATION_VIOLATION' ||
      e.code === 'AUTHENTICATION_EXPIRED' ||
      /authoriz|authent/i.test(e.message)
    )
      throw new VolleyError(
        'INVALID_USAGE',
        `NATS at ${where} refused the credentials (${e.message}): check --creds, --token or --user/--password`,
      );
    if (e.code === 'CONNECTION_REFUSED')
      throw new VolleyError(
        'INVALID_USAGE',
        `NATS at ${where} refused the connection: is nats-server running there?`,
      );
    throw new VolleyError('INVALID_USAGE', `NATS at ${where}: ${e.message}`);
  }
}
