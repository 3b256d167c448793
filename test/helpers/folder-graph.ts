/**
 * The import graph between the top-level folders of a source tree (src/): every relative import,
 * `import type` and `export … from` and `import()` included, since a type names the layer that owns
 * it. The same reading as /work/shared/tools/folder-cycles.mjs, as a library the tests can assert on.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface ImportEdge {
  /** Top-level folder (or root file without extension: `errors`, `index`) that imports. */
  from: string;
  to: string;
  /** The importing file, relative to the root, with `/` separators. */
  file: string;
  /** The imported file as written resolved against the root (`engine/run.js`). */
  target: string;
}

const IMPORT =
  /(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const slash = (p: string): string => p.split(sep).join('/');

/** Every import between two different top-level entries of `root`. */
export function folderEdges(root: string): ImportEdge[] {
  const top = (p: string): string =>
    (slash(relative(root, p)).split('/')[0] as string).replace(/\.(ts|tsx|js)$/, '');
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(root)) {
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2] ?? m[3]) as string;
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(root + sep)) continue;
      const from = top(file);
      const to = top(target);
      if (from !== to)
        edges.push({ from, to, file: slash(relative(root, file)), target: slash(relative(root, target)) });
    }
  }
  return edges;
}

/** The folders that import each other through some path, as sets of two or more (Tarjan's SCCs). */
export function folderCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, new Set());
    (next.get(e.from) as Set<string>).add(e.to);
    if (!next.has(e.to)) next.set(e.to, new Set());
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1) cycles.push(scc.sort());
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles.sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
}

/** The folder pairs (`a->b`) whose imports hold the cycles together: removing them all breaks every cycle. */
export function edgesInCycles(edges: readonly ImportEdge[]): string[] {
  const member = new Map<string, number>();
  folderCycles(edges).forEach((c, i) => c.forEach((f) => member.set(f, i)));
  const pairs = new Set<string>();
  for (const e of edges)
    if (member.has(e.from) && member.get(e.from) === member.get(e.to)) pairs.add(`${e.from}->${e.to}`);
  return [...pairs].sort();
}
