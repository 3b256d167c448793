/** A script's HTTP defaults (`baseUrl` and the definition's `http` section), resolved once per scenario. */
import { tryParseDurationMs } from '../../config/duration.js';
import type { HttpDefaults } from './api.js';
import { DEFAULT_BATCH_PER_HOST } from './depth-options.js';
import { DEFAULT_EXPECTED, ExpectedStatuses } from './expected-statuses.js';
import type { HttpClientDefaults } from './script-client.js';

/** A kept response body larger than this is counted and dropped (`http.maxResponseBytes`). */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** The part of a test definition the HTTP module reads. */
export interface HttpDefinitionPart {
  baseUrl?: string | undefined;
  http?: HttpDefaults | undefined;
}

export function httpDefaults(def: HttpDefinitionPart): HttpClientDefaults {
  const h = def.http ?? {};
  const timeout = h.timeout === undefined ? 10_000 : (tryParseDurationMs(h.timeout) ?? 10_000);
  return {
    baseUrl: def.baseUrl ? new URL(def.baseUrl) : undefined,
    timeoutMs: timeout,
    maxRedirects: h.maxRedirects ?? 0,
    headers: { ...(h.headers ?? {}) },
    cookies: h.cookies !== false,
    discardBodies: h.discardResponseBodies === true,
    maxResponseBytes: h.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    expected: h.expectedStatuses ? new ExpectedStatuses(h.expectedStatuses) : DEFAULT_EXPECTED,
    batchPerHost: h.batchPerHost ?? DEFAULT_BATCH_PER_HOST,
  };
}
