/**
 * One-way layers: the folders of src/ import only downward (layers.config.js), so no two folders
 * import each other through any path. The lint rule (eslint.config.js) fails a wrong import where it
 * is written; this test reads the whole tree, so it also holds if the lint's resolver missed a file.
 *
 * While issue 13's branches merge, a few upward imports remain in code other branches rewrite. They
 * are listed here by name, with who removes them: when one goes, this test fails until its line is
 * deleted here and in layers.config.js's PENDING_UPWARD_IMPORTS — the list only shrinks.
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

/**
 * The imports against the layer order still in src/ (importing file -> imported file), with the
 * branch that removes each. Must end empty.
 */
const KNOWN_UPWARD: Record<string, string> = {
  'config/prepare.ts -> engine/run.ts': 'validation (H4): prepareTest belongs above the executors',
  'config/prepare.ts -> executors/registry.ts': 'validation (H4)',
  'config/prepare.ts -> metrics/definitions.ts': 'validation (H4)',
  'config/prepare.ts -> thresholds/parse.ts': 'validation (H4)',
  'config/quick.ts -> thresholds/parse.ts': 'protocols (H1)',
  'config/types.ts -> script/data/shared-data.ts': 'generator (H2)',
  'executors/common.ts -> engine/segments.ts': 'generator (H2) / validation (H4)',
  'executors/constant-arrival-rate.ts -> engine/segments.ts': 'generator (H2) / validation (H4)',
  'executors/types.ts -> engine/segments.ts': 'generator (H2) / validation (H4)',
  'metrics/http-recorder.ts -> protocols/http/types.ts': 'protocols (H1)',
  'script/load.ts -> declarative/index.ts': 'validation (H4)',
  'script/session.ts -> engine/run.ts': 'session (H3)',
};

/** The folder cycles those imports still close (sorted folder names). Must end empty. */
const KNOWN_CYCLES = [['config', 'declarative', 'engine', 'executors', 'script', 'summary', 'thresholds']];

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

  it('every import of src/ follows the layer order, but for the known ones other branches remove', () => {
    assert.ok(edges.length > 100, `read the imports of src/ (${edges.length} between folders)`);
    assert.deepEqual(againstTheOrder(edges), Object.keys(KNOWN_UPWARD).sort());
  });

  it("the lint's exemptions are exactly those imports", () => {
    const exempt = config.PENDING_UPWARD_IMPORTS.flatMap((p) =>
      p.imports.map((i) => `${p.file.replace(/^src\//, '')} -> ${i.replace(/^src\//, '')}`),
    );
    assert.deepEqual(exempt.sort(), Object.keys(KNOWN_UPWARD).sort());
  });

  it('no folder cycles but the one those imports close', () => {
    assert.deepEqual(folderCycles(edges), KNOWN_CYCLES);
    // The summary model is in it only through executors -> engine (segments): it imports nothing above.
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
