/** The response scripts see: the transport response plus lazy text, JSON (with a path) and header lookup. */
import type { ResponseTimings, ScriptResponse } from './api.js';
import { decodeBody } from './compression.js';
import { PROTO_H1 } from './response.js';
import { DEFAULT_EXPECTED, type ExpectedStatuses } from './expected-statuses.js';
import type { HttpResponse } from './types.js';

const NOT_PARSED = Symbol('not parsed');

/** Reads `items.0.id`, `items[0].id` or `$.items[0].id` out of a parsed JSON value (undefined when absent). */
export function jsonPath(value: unknown, path: string): unknown {
  const parts = path
    .replace(/^\$\.?/, '')
    .replace(/\[(\d+|'[^']*'|"[^"]*")\]/g, (_m, k: string) => `.${k.replace(/^['"]|['"]$/g, '')}`)
    .split('.')
    .filter((p) => p !== '');
  let cur: unknown = value;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

export class VolleyScriptResponse implements ScriptResponse {
  #parsed: unknown = NOT_PARSED;
  #timings: ResponseTimings | undefined;
  /** The body decoded from its content-encoding, on first read. */
  #body: Buffer | undefined;
  readonly request: { method: string; url: string; name: string };

  constructor(
    private readonly res: HttpResponse,
    method: string,
    url: string,
    name: string,
    /** The statuses that count as a success for this request (what `ok` says). */
    private readonly expected: ExpectedStatuses = DEFAULT_EXPECTED,
    /** The decoded body's cap (`maxResponseBytes`; 0: none). */
    private readonly maxBodyBytes = 0,
  ) {
    this.request = { method, url, name };
  }

  get status(): number {
    return this.res.status;
  }
  get proto(): string {
    return this.res.proto ?? (this.res.status === 0 ? '' : PROTO_H1);
  }
  get ok(): boolean {
    return this.res.error === undefined && this.expected.has(this.res.status);
  }
  get headers(): Readonly<Record<string, string | string[]>> {
    return this.res.headers;
  }
  get body(): Buffer {
    if (this.#body === undefined) {
      try {
        this.#body = decodeBody(this.res.body, this.res.headers['content-encoding'], this.maxBodyBytes);
      } catch (err) {
        const e = err as Error;
        e.message = `${this.request.method} ${this.request.url} → ${this.status}: ${e.message}`;
        throw e;
      }
    }
    return this.#body;
  }
  get error(): { class: string; message: string } | undefined {
    return this.res.error;
  }
  get timings(): ResponseTimings {
    if (!this.#timings) {
      const t = this.res.timings;
      this.#timings = {
        blocked: t.blockedUs / 1000,
        connecting: t.connectingUs / 1000,
        tlsHandshaking: t.tlsUs / 1000,
        sending: t.sendingUs / 1000,
        waiting: t.waitingUs / 1000,
        receiving: t.receivingUs / 1000,
        duration: t.durationUs / 1000,
      };
    }
    return this.#timings;
  }

  text(): string {
    return this.body.toString('utf8');
  }

  json<T = unknown>(path?: string): T {
    if (this.#parsed === NOT_PARSED) {
      try {
        this.#parsed = JSON.parse(this.text());
      } catch (err) {
        const head = this.text().slice(0, 60).replace(/\s+/g, ' ');
        throw new SyntaxError(
          `${this.request.method} ${this.request.url} → ${this.status}: the body is not JSON (${(err as Error).message}); it starts with ${JSON.stringify(head)}`,
        );
      }
    }
    return (path === undefined ? this.#parsed : jsonPath(this.#parsed, path)) as T;
  }

  header(name: string): string | undefined {
    const v = this.res.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  }

  toJSON(): object {
    return {
      status: this.status,
      proto: this.proto,
      headers: this.headers,
      body: this.text(),
      timings: this.timings,
      request: this.request,
      error: this.error,
    };
  }
}
