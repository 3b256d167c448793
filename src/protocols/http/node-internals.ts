/**
 * The two pieces of Node's own internals the raw HTTP/1.1 fast path stands on, each looked up
 * once and optional:
 *
 * - `llhttp`: the response parser Node's http client uses (`HTTPParser` from `_http_common`).
 *   Without it there is no fast path: `connectionOptions()` sends plain `http://` through undici.
 * - `directWrite`: the TCP handle's `writeBuffer` with a `WriteWrap` from the `stream_wrap`
 *   binding, which is what `socket.write()` ends in after the Writable stream's bookkeeping
 *   (state, buffering, callbacks) that a one-request-at-a-time client does not need. Without it
 *   the fast path writes with `socket.write()`.
 *
 * `VOLLEY_NODE_INTERNALS=off` in the environment makes both unavailable: the fallbacks' test
 * runs with it, and it is the switch to reach for if a Node release changes these internals.
 */
import { createRequire } from 'node:module';

/** The native llhttp wrapper Node's http module uses (`src/node_http_parser.cc`). */
export interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number): void;
  /** Bytes parsed, or an Error with `code` (`HPE_*`) and `reason`. */
  execute(data: Buffer): number | (Error & { code?: string; reason?: string });
  /** Signals EOF: completes a read-until-close body, or returns an Error if the message is cut short. */
  finish(): undefined | (Error & { code?: string; reason?: string });
  close(): void;
  [key: number]: unknown;
  [key: symbol]: unknown;
}

export interface LlhttpParserConstructor {
  new (): LlhttpParser;
  readonly RESPONSE: number;
  readonly kOnMessageBegin: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
}

/** A write request object (`WriteWrap`): native code fills it in when the write completes later. */
export interface WriteRequest {
  handle: unknown;
  oncomplete: (this: WriteRequest, status: number) => void;
  async: boolean;
  buffer: Buffer | null;
  [key: symbol]: unknown;
}

/** A connected TCP handle (`socket._handle`). */
export interface StreamHandle {
  /** 0, or a negative libuv error code. */
  writeBuffer(req: WriteRequest, data: Buffer): number;
}

export interface DirectWrite {
  newRequest(): WriteRequest;
  /** After `writeBuffer` returned 0: did the write stay queued in libuv (kernel buffer full)? */
  lastWriteWasAsync(): boolean;
}

// A diagnostic switch read once at load, in every thread (workers share the process's
// environment), before any configuration exists: there is nothing to inject it through.
// eslint-disable-next-line no-restricted-properties
const disabled = process.env.VOLLEY_NODE_INTERNALS === 'off';
const requireBuiltin = createRequire(import.meta.url);

function loadLlhttp(): LlhttpParserConstructor | undefined {
  if (disabled) return undefined;
  try {
    const { HTTPParser } = requireBuiltin('_http_common') as { HTTPParser?: LlhttpParserConstructor };
    if (typeof HTTPParser !== 'function' || typeof HTTPParser.kOnHeadersComplete !== 'number')
      return undefined;
    const probe = new HTTPParser();
    const ok = typeof probe.execute === 'function' && typeof probe.initialize === 'function';
    probe.close();
    return ok ? HTTPParser : undefined;
  } catch {
    return undefined;
  }
}

function loadDirectWrite(): DirectWrite | undefined {
  if (disabled) return undefined;
  try {
    // process.binding is deprecated (DEP0111, a warning only under --pending-deprecation) but is
    // how the stream_wrap binding is reached from outside Node's own library.
    const binding = (process as unknown as { binding(name: string): unknown }).binding('stream_wrap') as {
      WriteWrap?: new () => WriteRequest;
      streamBaseState?: Int32Array;
      kLastWriteWasAsync?: number;
    };
    const { WriteWrap, streamBaseState, kLastWriteWasAsync } = binding;
    if (typeof WriteWrap !== 'function' || !(streamBaseState instanceof Int32Array)) return undefined;
    if (typeof kLastWriteWasAsync !== 'number') return undefined;
    return {
      newRequest: () => new WriteWrap(),
      lastWriteWasAsync: () => streamBaseState[kLastWriteWasAsync] !== 0,
    };
  } catch {
    return undefined;
  }
}

export const llhttp: LlhttpParserConstructor | undefined = loadLlhttp();
export const directWrite: DirectWrite | undefined = loadDirectWrite();

/** Whether the raw-socket HTTP/1.1 fast path can run in this Node (its parser is there). */
export function rawHttp1Available(): boolean {
  return llhttp !== undefined;
}
