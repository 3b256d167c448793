/**
 * The NATS flags the agent commands share (`volley agent`, `volley agents`, `volley run --nats`),
 * with their environment fallbacks, and `--tags k=v,…` parsing.
 */
import { tryParseDurationMs } from '../config/duration.js';
import { VolleyError } from '../errors.js';
import type { NatsAuth } from '../generators/agent/nats-connect.js';

/** `k=v,k2=v2` into a map; a usage error names the flag and the malformed pair. */
export function parseTagList(text: string | undefined, flag: string): Record<string, string> {
  const tags: Record<string, string> = {};
  if (!text) return tags;
  for (const pair of text.split(',')) {
    const t = pair.trim();
    if (!t) continue;
    const i = t.indexOf('=');
    if (i <= 0 || i === t.length - 1 || !/^[A-Za-z0-9_.-]+$/.test(t.slice(0, i)))
      throw new VolleyError(
        'INVALID_USAGE',
        `${flag}: '${t}' is not key=value (e.g. ${flag} zone=eu,size=large)`,
      );
    tags[t.slice(0, i)] = t.slice(i + 1);
  }
  return tags;
}

/** The credentials from flags, else from VOLLEY_NATS_CREDS / _TOKEN / _USER / _PASSWORD. */
export function natsAuth(
  flags: {
    creds?: string | undefined;
    token?: string | undefined;
    user?: string | undefined;
    password?: string | undefined;
  },
  env: NodeJS.ProcessEnv,
): NatsAuth {
  const given = flags.creds ?? flags.token ?? flags.user ?? flags.password;
  const src =
    given !== undefined
      ? flags
      : {
          creds: env.VOLLEY_NATS_CREDS,
          token: env.VOLLEY_NATS_TOKEN,
          user: env.VOLLEY_NATS_USER,
          password: env.VOLLEY_NATS_PASSWORD,
        };
  const auth: NatsAuth = {};
  if (src.creds) auth.creds = src.creds;
  if (src.token) auth.token = src.token;
  if (src.user !== undefined && src.user !== '') auth.user = src.user;
  if (src.password !== undefined && src.password !== '') auth.password = src.password;
  return auth;
}

/** `--nats`, else $VOLLEY_NATS_URL; a usage error when neither is there. */
export function natsUrl(flag: string | undefined, env: NodeJS.ProcessEnv, command: string): string {
  const url = flag ?? env.VOLLEY_NATS_URL;
  if (!url)
    throw new VolleyError(
      'INVALID_USAGE',
      `${command} needs the NATS server: --nats nats://HOST:4222 (or VOLLEY_NATS_URL)`,
    );
  return url;
}

/** `--agents N|all` (default all). */
export function parseAgentCount(text: string | undefined): number | 'all' {
  if (text === undefined || text === 'all') return 'all';
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new VolleyError('INVALID_USAGE', `--agents must be an integer >= 1 or all (got '${text}')`);
  return n;
}

export function parseWait(text: string | undefined, flag: string, fallbackMs: number): number {
  if (text === undefined) return fallbackMs;
  const ms = tryParseDurationMs(text);
  if (ms === undefined || ms < 0)
    throw new VolleyError('INVALID_USAGE', `${flag}: malformed duration '${text}'`);
  return ms;
}
