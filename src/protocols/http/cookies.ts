/** A VU's cookie jar (tough-cookie): cookies from responses are sent back on later requests, RFC 6265 rules. */
import { createRequire } from 'node:module';
import type { CookieJar } from 'tough-cookie';
import type { CookieJarApi } from './api.js';

// tough-cookie is for scripts' cookie jars: quick mode never loads it.
const requireCjs = createRequire(import.meta.url);
let toughCookie: typeof import('tough-cookie') | undefined;
/** tough-cookie, loaded on first use (script workers load it up front). */
export const loadToughCookie = (): typeof import('tough-cookie') =>
  (toughCookie ??= requireCjs('tough-cookie') as typeof import('tough-cookie'));

export class VuCookieJar implements CookieJarApi {
  private jar: CookieJar | undefined;

  /** The `cookie` header value for a request, or '' (no work at all until a cookie was stored). */
  get(url: string): string {
    return this.jar ? this.jar.getCookieStringSync(url) : '';
  }

  set(url: string, cookie: string): void {
    this.jar ??= new (loadToughCookie().CookieJar)();
    // A malformed or foreign-domain Set-Cookie is ignored, as a browser would.
    this.jar.setCookieSync(cookie, url, { ignoreError: true });
  }

  /** Stores every `set-cookie` of a response. */
  store(url: string, setCookie: string | string[] | undefined): void {
    if (setCookie === undefined) return;
    if (Array.isArray(setCookie)) for (const c of setCookie) this.set(url, c);
    else this.set(url, setCookie);
  }

  clear(): void {
    this.jar = undefined;
  }
}
