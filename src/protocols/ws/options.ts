/** The WebSocket module's options: TLS settings shared with HTTP, and quick mode's session length. */
import { problemPath, type Problem } from '../../config/problems.js';
import type { TestConfig, TlsMaterial } from '../../config/types.js';
import type { ModuleOptions } from '../module.js';

export interface WsOptions {
  /** From `http.insecureSkipTLSVerify` / `--insecure`. */
  insecureSkipTLSVerify: boolean;
  /** From `http.tls` / `--ca --cert --key` (PEM text). */
  tls?: TlsMaterial;
  /** Quick mode: messages per session before a VU reconnects (0: one session for the VU's life). */
  messagesPerSession: number;
}

export const WS_OPTIONS: ModuleOptions<WsOptions> = {
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      messagesPerSession: {
        type: 'integer',
        minimum: 0,
        description: 'quick mode: messages per session before the VU reconnects (0: keep the session)',
      },
    },
  },
  defaults: { insecureSkipTLSVerify: false, messagesPerSession: 0 },
  validate(value: unknown, path: string): Problem[] {
    if (value === undefined) return [];
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return [{ path, message: 'must be an object', code: 'wrong-type' }];
    const problems: Problem[] = [];
    for (const [k, v] of Object.entries(value)) {
      const at = problemPath(path, k);
      if (k !== 'messagesPerSession')
        problems.push({
          path: at,
          message: 'is not a WebSocket option (messagesPerSession)',
          code: 'unknown-field',
        });
      else if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
        problems.push({ path: at, message: 'must be a whole number ≥ 0', code: 'wrong-type' });
    }
    return problems;
  },
  fromConfig(config: TestConfig): WsOptions {
    const o: WsOptions = {
      insecureSkipTLSVerify: config.http.insecureSkipTLSVerify,
      messagesPerSession: config.ws?.messagesPerSession ?? 0,
    };
    if (config.http.tls !== undefined) o.tls = { ...config.http.tls };
    return o;
  },
};
