/**
 * What a k6 (or Locust) habit is in volley, for the errors those habits cause: a k6 global that
 * does not exist here (`__ENV is not defined`), a k6 module esbuild cannot resolve. The full table
 * is docs/from-k6.md.
 */
const DOC = 'see docs/from-k6.md';

const GLOBALS: Record<string, string> = {
  __ENV: "k6's __ENV.NAME is process.env.NAME in volley (set it with -e NAME=value)",
  __VU: "k6's __VU is the iteration context's vu in volley: exec: async ({ vu, http }) => { … }",
  __ITER:
    "k6's __ITER is the iteration context's vuIteration in volley (iteration counts the whole scenario)",
  open: "k6's open() is data.csv(path) / data.json(path) from 'volley' (loaded once, shared by every VU)",
};

/** The hint for a ReferenceError on a k6 global, from its message (`__ENV is not defined`). */
export function k6GlobalHint(message: string): string | undefined {
  const name = /\b(__ENV|__VU|__ITER|open) is not defined\b/.exec(message)?.[1];
  return name === undefined ? undefined : `${GLOBALS[name]}; ${DOC}`;
}

/** The hint for an import esbuild could not resolve: `k6`, `k6/http`, `k6/metrics`, … */
export function k6ImportHint(specifiers: readonly string[]): string | undefined {
  const k6 = specifiers.filter((s) => s === 'k6' || s.startsWith('k6/'));
  if (k6.length === 0) return undefined;
  return (
    `volley runs its own API, not k6's (${k6.map((s) => `'${s}'`).join(', ')}): import { defineTest, check, group, sleep, Counter, Trend } from 'volley', ` +
    "and send requests with the iteration's http client: exec: async ({ http }) => { await http.get(url) }; " +
    'docs/from-k6.md maps k6 and Locust idioms to volley'
  );
}
