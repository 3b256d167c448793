/**
 * A VU's HTTP connection: one origin client per origin it talks to (raw fast path for plain
 * `http://` when enabled, undici otherwise), redirects followed across them.
 */
import { createH2OriginClient } from './h2-client.js';
import { rawHttp1Available } from './node-internals.js';
import { createRawHttp1Client } from './raw-http1.js';
import { followRedirects } from './redirect.js';
import { failedResponse, zeroTimings } from './response.js';
import type {
  HttpConnection,
  HttpConnectionOptions,
  HttpOriginClient,
  HttpRequestSpec,
  HttpResponse,
} from './types.js';
import { createUndiciOriginClient } from './undici-client.js';

export function createHttpConnection(options: HttpConnectionOptions): HttpConnection {
  return new VuHttpConnection(options);
}

/** Methods the fast path leaves to undici: CONNECT tunnels and protocol upgrades are not request/response. */
const UNDICI_ONLY_METHODS: ReadonlySet<string> = new Set(['CONNECT']);

/** Whether a request goes through the raw-socket HTTP/1.1 client (else undici or HTTP/2). */
export function takesFastPath(options: HttpConnectionOptions, url: URL, method: string): boolean {
  return (
    options.fastPath &&
    rawHttp1Available() &&
    options.proxy === undefined &&
    options.allowH2 !== true &&
    url.protocol === 'http:' &&
    !UNDICI_ONLY_METHODS.has(method)
  );
}

class VuHttpConnection implements HttpConnection {
  private readonly options: HttpConnectionOptions;
  /** Origin clients by origin key, made with the first one (most VUs talk to one origin). */
  private origins: Map<string, HttpOriginClient> | undefined = undefined;
  /** The last URL object seen and its client: quick mode sends one URL object over and over. */
  private lastUrl: URL | null = null;
  private lastClient: HttpOriginClient | null = null;
  private lastWasFast = false;
  /** `sendOnce` bound for `followRedirects`, made on the first redirect-following request. */
  private boundSend: ((spec: HttpRequestSpec) => Promise<HttpResponse>) | undefined = undefined;

  constructor(options: HttpConnectionOptions) {
    this.options = options;
  }

  request(spec: HttpRequestSpec): Promise<HttpResponse> {
    if (spec.maxRedirects > 0) return followRedirects(spec, (this.boundSend ??= this.sendOnce.bind(this)));
    return this.sendOnce(spec);
  }

  private sendOnce(spec: HttpRequestSpec): Promise<HttpResponse> {
    const client = this.clientFor(spec);
    if (client === null) {
      return Promise.resolve(
        failedResponse(
          'other',
          `unsupported protocol ${JSON.stringify(spec.url.protocol)}`,
          zeroTimings(),
          0,
          0,
        ),
      );
    }
    return client.send(spec);
  }

  connect(spec: HttpRequestSpec): Promise<void> {
    return this.clientFor(spec)?.connect?.() ?? Promise.resolve();
  }

  close(): void {
    if (this.origins !== undefined) for (const client of this.origins.values()) client.close();
    this.origins = undefined;
    this.lastUrl = null;
    this.lastClient = null;
  }

  private clientFor(spec: HttpRequestSpec): HttpOriginClient | null {
    const url = spec.url;
    const fast = takesFastPath(this.options, url, spec.method);
    if (url === this.lastUrl && fast === this.lastWasFast) return this.lastClient;
    const protocol = url.protocol;
    if (protocol !== 'http:' && protocol !== 'https:') return null;
    // A rehearsal's connection never reaches a real origin: only the fast path can be redirected.
    if (this.options.connectTo !== undefined && !fast) return null;
    const key = `${fast ? 'raw+' : ''}${protocol}//${url.host}`;
    let client = this.origins?.get(key);
    if (client === undefined) {
      if (this.options.allowH2 === true && this.options.proxy === undefined) {
        const origin = `${protocol}//${url.host}`;
        client = createH2OriginClient({
          origin,
          connections: this.options.h2Connections ?? 1,
          insecureSkipTLSVerify: this.options.insecureSkipTLSVerify,
          tls: this.options.tls,
          fallback: () =>
            createUndiciOriginClient({
              origin,
              insecureSkipTLSVerify: this.options.insecureSkipTLSVerify,
              allowH2: false,
              tls: this.options.tls,
            }),
        });
      } else if (fast) {
        const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
        client = createRawHttp1Client(
          this.options.connectTo ?? { host, port: url.port === '' ? 80 : Number(url.port) },
        );
      } else {
        client = createUndiciOriginClient({
          origin: `${protocol}//${url.host}`,
          insecureSkipTLSVerify: this.options.insecureSkipTLSVerify,
          allowH2: this.options.allowH2 ?? false,
          tls: this.options.tls,
          proxy: this.options.proxy,
        });
      }
      (this.origins ??= new Map()).set(key, client);
    }
    this.lastUrl = url;
    this.lastWasFast = fast;
    this.lastClient = client;
    return client;
  }
}
