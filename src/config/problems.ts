import type { Problem } from '../errors.js';

export type { Problem };

/** `scenarios.main` + `rate` → `scenarios.main.rate`; an empty base gives the key alone. */
export function problemPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  // A key that is not a plain name (`http_req_duration{name:GET /}`, `a b`) is quoted.
  if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `${base}[${JSON.stringify(key)}]`;
  return base ? `${base}.${key}` : key;
}

/** A path's segments, the inverse of `problemPath`: `a.b[0]["x y"]` → `['a', 'b', 0, 'x y']`. */
export function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[]+)/gy;
  for (let m = re.exec(path); m && m[0] !== ''; m = re.exec(path)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(m[2]) as string);
    else out.push(m[3] as string);
  }
  return out;
}

/** How a problem reads in one line: `scenarios.main.rate: must be a positive number`. */
export function problemText(p: Problem): string {
  return p.path ? `${p.path}: ${p.message}` : p.message;
}

/** Problems found under a sub-tree, re-rooted: `prefixProblems('scenarios.a', [{ path: 'rampUp' }])`. */
export function prefixProblems(base: string, problems: readonly Problem[]): Problem[] {
  return problems.map((p) => ({
    ...p,
    path:
      p.path === ''
        ? base
        : base === ''
          ? p.path
          : p.path.startsWith('[')
            ? base + p.path
            : `${base}.${p.path}`,
  }));
}
