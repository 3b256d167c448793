/**
 * Self time by group in a V8 .cpuprofile (as written by `node --cpu-prof`, one file per thread:
 * CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile, threadId 0 = main thread).
 */
import { readFileSync } from 'node:fs';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileBreakdown {
  threadId: number;
  /** µs per group over the window. */
  groups: Map<string, number>;
  totalUs: number;
  idleUs: number;
  windowUs: number;
}

export function threadIdOf(file: string): number | undefined {
  const m = /CPU\.\d+\.\d+\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(file);
  return m ? Number(m[1]) : undefined;
}

/**
 * Groups: "(idle)", "(program)", "(garbage collector)", native functions by name, and JS by file
 * (relative to `root`, or node:internal/...). `steadyUrl`: when given, only samples between the
 * first and the last sample in a file whose URL contains it are counted (drops module loading
 * at start and the final flush at the end).
 */
export function breakdown(file: string, root: string, steadyUrl?: string): ProfileBreakdown {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const group = new Map<number, string>();
  const rootUrl = `file://${root}/`;
  for (const n of p.nodes) {
    const { url, functionName } = n.callFrame;
    let g: string;
    if (!url) g = functionName || '(anonymous native)';
    else if (url.startsWith(rootUrl)) g = url.slice(rootUrl.length);
    else g = url.replace(/^file:\/\//, '');
    group.set(n.id, g);
  }
  let from = 0;
  let to = p.samples.length - 1;
  if (steadyUrl) {
    const hits = p.samples
      .map((id, i) => ((group.get(id) ?? '').includes(steadyUrl) ? i : -1))
      .filter((i) => i >= 0);
    if (hits.length > 1) {
      from = hits[0] as number;
      to = hits[hits.length - 1] as number;
    }
  }
  const groups = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = from; i <= to; i++) {
    // DevTools convention: a sample owns the time until the next sample.
    const dt = p.timeDeltas[i + 1] ?? 0;
    const id = p.samples[i] as number;
    const g = group.get(id) ?? byId.get(id)?.callFrame.functionName ?? '?';
    groups.set(g, (groups.get(g) ?? 0) + dt);
    total += dt;
    if (g === '(idle)') idle += dt;
  }
  return { threadId: threadIdOf(file) ?? -1, groups, totalUs: total, idleUs: idle, windowUs: total };
}

export const isMetricsGroup = (g: string): boolean =>
  g.includes('dist/src/metrics/') || g.includes('/hdr-histogram-js/');
