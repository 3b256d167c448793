/** mkdir -p for the store's database folder, and for the files `volley report` writes (src/cli/ is above the store). */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * mkdir -p one level at a time: Node's recursive mkdir spins forever under /proc (mkdir there
 * answers ENOENT), so a bad path would hang instead of failing.
 */
export function ensureFolder(dir: string): void {
  const missing: string[] = [];
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) {
    missing.unshift(d);
    d = dirname(d);
  }
  for (const m of missing) mkdirSync(m);
}
