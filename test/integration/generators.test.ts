/**
 * The generator spec is self-contained: thread generators given only what could cross a network as
 * JSON — the bundle's content (no local path, volley at another path), a YAML test's text, data
 * files as bytes — run the test against a real server, which counts what it received. And content
 * that does not match its digest is refused before anything runs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeSpec, encodeSpec, type Generator, type GeneratorFactory } from '../../src/engine/generator.js';
import type { GeneratorSpec } from '../../src/engine/protocol.js';
import { TestRun } from '../../src/engine/run.js';
import { ThreadGenerator } from '../../src/generators/thread/thread-generator.js';
import { VOLLEY_ENTRY } from '../../src/script/bundle.js';
import { loadTest, runSetup, type LoadedTest } from '../../src/loader/load-test.js';
import { IN_PROCESS_LOAD } from '../helpers/run-test.js';
import { startRouteServer, type RouteServer } from '../helpers/route-server.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const ELSEWHERE = '/opt/elsewhere/volley/dist/src/index.js';

/**
 * The spec as a generator on another machine would get it: through JSON, without the local bundle
 * path, and built by a volley installed elsewhere (its bundle imports volley from another path).
 */
function asIfRemote(spec: GeneratorSpec, damage?: (s: GeneratorSpec) => void): GeneratorSpec {
  const { script } = spec;
  assert.ok(script && script.ref.kind === 'bundle');
  const code = script.ref.code.split(JSON.stringify(VOLLEY_ENTRY)).join(JSON.stringify(ELSEWHERE));
  assert.notEqual(code, script.ref.code, 'the bundle imports volley by its path');
  const { localBundlePath: _local, ...portable } = script;
  const moved: GeneratorSpec = {
    ...spec,
    script: { ...portable, ref: { ...script.ref, code, sha256: sha256(code), volleyEntry: ELSEWHERE } },
  };
  const json = encodeSpec(moved);
  assert.doesNotMatch(json, /bundle\.mjs/, 'no local bundle path crosses');
  const arrived = decodeSpec(json);
  damage?.(arrived);
  return arrived;
}

/** Thread generators that receive the spec as if they were remote. */
const remoteThreads =
  (damage?: (s: GeneratorSpec) => void): GeneratorFactory =>
  (count) =>
    Array.from({ length: count }, (_, i): Generator => {
      const thread = new ThreadGenerator(i);
      return Object.assign(thread, {
        init: (spec: GeneratorSpec) => ThreadGenerator.prototype.init.call(thread, asIfRemote(spec, damage)),
      });
    });

describe('generators get a self-contained spec', () => {
  let srv: RouteServer;
  let dir: string;
  let test: LoadedTest;
  before(async () => {
    srv = await startRouteServer();
    dir = mkdtempSync(join(tmpdir(), 'volley-portable-'));
    writeFileSync(
      join(dir, 'rows.csv'),
      ['k', ...Array.from({ length: 40 }, (_, i) => `row${i}`)].join('\n'),
    );
    writeFileSync(
      join(dir, 'ids.json'),
      JSON.stringify(Array.from({ length: 40 }, (_, i) => ({ id: i * 3 }))),
    );
    const file = join(dir, 'portable.ts');
    writeFileSync(
      file,
      `import { defineTest, data, check } from 'volley';
const rows = data.csv<{ k: string }>('./rows.csv');
const ids = data.json<{ id: number }>('./ids.json');
export default defineTest({
  baseUrl: '${srv.url}',
  scenarios: { a: { executor: 'shared-iterations', vus: 4, iterations: 40, exec: async ({ http, iteration }) => {
    const res = await http.get('/r', { query: { k: rows.unique({ iteration }).k, id: String(ids.at(iteration).id) } });
    check(res, { ok: (r) => r.status === 200 });
  } } },
});`,
    );
    test = await loadTest(file, IN_PROCESS_LOAD);
    await runSetup(test);
    // Neither the data files nor the bundle are on disk any more: only the spec's content can serve.
    renameSync(join(dir, 'rows.csv'), join(dir, 'gone.csv'));
    renameSync(join(dir, 'ids.json'), join(dir, 'gone.json'));
    const local = test.config.script?.localBundlePath;
    assert.ok(local && existsSync(local));
    test.dispose();
    assert.ok(!existsSync(local));
  });
  after(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a script with data files from content alone: the server counts every row once', async () => {
    srv.reset();
    const result = await new TestRun(test.prepared, [], undefined, { generators: remoteThreads() }).run();
    assert.deepEqual(result.workerErrors, []);
    assert.deepEqual(result.runErrors, []);
    assert.equal(result.generator.workers, 2);
    const seen = srv.requests();
    assert.equal(seen.length, 40);
    assert.equal(new Set(seen.map((q) => q.query.get('k'))).size, 40, 'every CSV row once');
    assert.deepEqual(
      seen.map((q) => Number(q.query.get('id'))).sort((a, b) => a - b),
      Array.from({ length: 40 }, (_, i) => i * 3),
      'and every JSON row once',
    );
    assert.equal(result.aggregator.total('checks')?.trues, 40);
  });

  it("the test's config serialises as a summary (stores, logs); the spec as the content", () => {
    const script = test.config.script;
    assert.ok(script && script.ref.kind === 'bundle');
    const stored = JSON.parse(JSON.stringify(test.config)) as {
      script: { ref: Record<string, unknown>; data: Record<string, unknown>[] };
    };
    assert.deepEqual(stored.script.ref, {
      kind: 'bundle',
      scriptPath: script.ref.scriptPath,
      trackVu: true,
      sha256: script.ref.sha256,
      bytes: script.ref.code.length,
    });
    assert.deepEqual(
      stored.script.data.map((d) => [d.kind, d.rows, d.bytes, d.sha256]),
      script.data.map((d) => [d.kind, 40, d.bytes.byteLength, d.sha256]),
    );
    assert.ok(JSON.stringify(test.config).length < 4000, 'no bundle text, no bytes');
    const spec = decodeSpec(encodeSpec({ script } as GeneratorSpec));
    assert.equal(spec.script?.ref.kind === 'bundle' && spec.script.ref.code, script.ref.code);
    assert.deepEqual(
      spec.script?.data.map((d) => d.bytes),
      script.data.map((d) => new Uint8Array(d.bytes)),
    );
  });

  it('a declarative test from its text alone: the file and its data are gone, the server counts every row', async () => {
    srv.reset();
    const yamlDir = mkdtempSync(join(tmpdir(), 'volley-portable-yaml-'));
    try {
      writeFileSync(
        join(yamlDir, 'rows.csv'),
        ['k', ...Array.from({ length: 30 }, (_, i) => `y${i}`)].join('\n'),
      );
      const file = join(yamlDir, 'portable.yaml');
      writeFileSync(
        file,
        [
          `baseUrl: '${srv.url}'`,
          'data:',
          '  rows: { csv: ./rows.csv }',
          'scenarios:',
          '  a:',
          '    executor: shared-iterations',
          '    vus: 3',
          '    iterations: 30',
          '    flow:',
          "      - get: '/y?k={{ $data.rows.unique.k }}'",
          '        check: { status: 200 }',
          '',
        ].join('\n'),
      );
      const yamlTest = await loadTest(file, IN_PROCESS_LOAD);
      rmSync(file);
      renameSync(join(yamlDir, 'rows.csv'), join(yamlDir, 'gone.csv'));
      try {
        const factory: GeneratorFactory = (count) =>
          Array.from({ length: count }, (_, i): Generator => {
            const thread = new ThreadGenerator(i);
            return Object.assign(thread, {
              init: (spec: GeneratorSpec) =>
                ThreadGenerator.prototype.init.call(thread, decodeSpec(encodeSpec(spec))),
            });
          });
        const result = await new TestRun(yamlTest.prepared, [], undefined, { generators: factory }).run();
        assert.deepEqual(result.workerErrors, []);
        assert.deepEqual(result.runErrors, []);
      } finally {
        yamlTest.dispose();
      }
      const ks = srv.requests().map((q) => q.query.get('k'));
      assert.equal(ks.length, 30);
      assert.equal(new Set(ks).size, 30, 'every row once');
    } finally {
      rmSync(yamlDir, { recursive: true, force: true });
    }
  });

  it('a bundle that does not match its digest is refused: the run does not start', async () => {
    srv.reset();
    const run = new TestRun(test.prepared, [], undefined, {
      generators: remoteThreads((s) => {
        if (s.script?.ref.kind === 'bundle') s.script.ref.code += '\n// changed on the way';
      }),
    });
    await assert.rejects(
      run.run(),
      /a worker failed to start: .*portable\.ts: the bundled script does not match its sha256 digest/,
    );
    assert.equal(srv.total(), 0);
  });

  it('a data file that does not match its digest is refused: the run does not start', async () => {
    srv.reset();
    const run = new TestRun(test.prepared, [], undefined, {
      generators: remoteThreads((s) => {
        const f = s.script?.data[0];
        if (f) f.bytes.set([(f.bytes.at(-1) ?? 0) ^ 1], f.bytes.length - 1);
      }),
    });
    await assert.rejects(
      run.run(),
      /a worker failed to start: data file .*rows\.csv: its content does not match its sha256 digest/,
    );
    assert.equal(srv.total(), 0);
  });
});
