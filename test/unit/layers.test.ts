/**
 * One-way layers: the folders of src/ import only downward (layers.config.js), so no two folders
 * import each other through any path. The lint rule (eslint.config.js) fails a wrong import where it
 * is written; this test reads the whole tree, so it also holds if the lint's resolver missed a file.
 *
 * No import goes against the order and no folder cycle remains (issue 13 removed the last); the
 * lint's list of tolerated upward imports (layers.config.js PENDING_UPWARD_IMPORTS) is empty.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { edgesInCycles, folderCycles, folderEdges, type ImportEdge } from '../helpers/folder-graph.js';

const SRC = fileURLToPath(new URL('../../../src', import.meta.url));

interface LayersConfig {
  LAYERS: readonly (readonly string[])[];
  PENDING_UPWARD_IMPORTS: { file: string; imports: string[]; owner: string }[];
}
// The layer order is plain JavaScript beside eslint.config.js, which reads it too; the test
// compiles to dist/test/unit/, three folders below it.
const config = (await import(new URL('../../../layers.config.js', import.meta.url).href)) as LayersConfig;

/** Top-level entry -> layer rank; root files keep their extension in layers.config.js. */
function rankOf(entry: string): number | undefined {
  const i = config.LAYERS.findIndex((l) => l.includes(entry) || l.includes(`${entry}.ts`));
  return i < 0 ? undefined : i;
}

/** Imports against the order: upward, sideways between two folders of one layer, or touching the demo target. */
function againstTheOrder(edges: readonly ImportEdge[]): string[] {
  const out = new Set<string>();
  for (const e of edges) {
    const from = rankOf(e.from);
    const to = rankOf(e.to);
    const wrong =
      e.from === 'target'
        ? !['errors', 'config'].includes(e.to)
        : e.to === 'target'
          ? e.from !== 'cli'
          : from === undefined || to === undefined || to >= from;
    // `.js` in the import names the `.ts` file it compiles from.
    if (wrong) out.add(`${e.file} -> ${e.target.replace(/\.js$/, '.ts')}`);
  }
  return [...out].sort();
}

describe('one-way layers', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('the graph sees type-only imports, re-exports and import() as edges, and finds the cycle they close', () => {
    const root = mkdtempSync(join(tmpdir(), 'volley-layers-'));
    dirs.push(root);
    for (const d of ['low', 'high', 'side']) mkdirSync(join(root, d));
    writeFileSync(join(root, 'high', 'a.ts'), "import { b } from '../low/b.js';\nexport const a = b;\n");
    // Only a type flows back down-up: still an import of the layer above.
    writeFileSync(
      join(root, 'low', 'b.ts'),
      "import type { A } from '../high/c.js';\nexport const b: A = 1;\n",
    );
    writeFileSync(join(root, 'high', 'c.ts'), 'export type A = number;\n');
    writeFileSync(
      join(root, 'side', 'd.ts'),
      "export * from '../low/b.js';\nexport const d = () => import('../high/a.js');\n",
    );
    const edges = folderEdges(root);
    assert.deepEqual(edges.map((e) => `${e.file} -> ${e.target}`).sort(), [
      'high/a.ts -> low/b.js',
      'low/b.ts -> high/c.js',
      'side/d.ts -> high/a.js',
      'side/d.ts -> low/b.js',
    ]);
    assert.deepEqual(folderCycles(edges), [['high', 'low']]);
    assert.deepEqual(edgesInCycles(edges), ['high->low', 'low->high']);
  });

  const edges = folderEdges(SRC);

  it('every import of src/ follows the layer order', () => {
    assert.ok(edges.length > 100, `read the imports of src/ (${edges.length} between folders)`);
    assert.deepEqual(againstTheOrder(edges), []);
  });

  it('the lint tolerates no upward import', () => {
    assert.deepEqual(config.PENDING_UPWARD_IMPORTS, []);
  });

  it('no folder cycles', () => {
    assert.deepEqual(folderCycles(edges), []);
    // The summary model imports nothing above it.
    assert.deepEqual(
      edges.filter((e) => e.from === 'summary' && (rankOf(e.to) ?? 99) >= (rankOf('summary') as number)),
      [],
    );
    // The second cycle of before issue 13 ({analysis, outputs, report, server, store}) is gone.
    for (const pair of [
      'store->report',
      'report->store',
      'analysis->report',
      'outputs->server',
      'store->outputs',
      'store->analysis',
    ])
      assert.ok(!edgesInCycles(edges).includes(pair), pair);
  });
});
