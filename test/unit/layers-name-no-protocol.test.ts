/**
 * The layer rule of issue 13: only protocol modules (src/protocols/**) name HTTP. The engine,
 * executors, metrics and thresholds must not — no identifier, type, import path or string that
 * says `http`, and no `http_` metric name — so a new protocol never needs an edit there.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const GENERIC = ['src/engine', 'src/executors', 'src/metrics', 'src/thresholds'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every line of the folders' sources that names HTTP, as `path:line: text`. */
function httpMentions(folders: readonly string[]): string[] {
  const out: string[] = [];
  for (const folder of folders)
    for (const file of tsFiles(join(ROOT, folder))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\bhttp/i.test(line) || /http_/i.test(line))
            out.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
        });
    }
  return out;
}

describe('layers: only protocol modules name HTTP', () => {
  it('src/engine, src/executors, src/metrics and src/thresholds do not', () => {
    const mentions = httpMentions(GENERIC);
    assert.deepEqual(mentions, [], `HTTP named outside src/protocols:\n${mentions.join('\n')}`);
  });

  it('the check finds a mention where there is one (src/protocols names HTTP)', () => {
    // Guards the test itself: a broken path or pattern would pass the check above vacuously.
    assert.ok(tsFiles(join(ROOT, 'src/engine')).length > 3, 'engine sources found');
    assert.ok(httpMentions(['src/protocols']).length > 10);
  });
});
