/**
 * Bundling: which scripts need AsyncLocalStorage (they import a VU-aware free function), and how a
 * generator turns the script it received (content and digest) into a module it can import.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ScriptAttachment, ScriptSource } from '../../src/config/types.js';
import { localScriptRef, needsVuTracking, VOLLEY_ENTRY } from '../../src/script/bundle.js';

const from = JSON.stringify(VOLLEY_ENTRY);

describe('needsVuTracking', () => {
  it('only the VU-aware imports (check, group, sleep, metrics) or an opaque import need it', () => {
    assert.equal(
      needsVuTracking(`import { defineTest, between, data } from ${from};\nexport default defineTest({});`),
      false,
    );
    assert.equal(needsVuTracking(`import { defineTest, check } from ${from};`), true);
    assert.equal(needsVuTracking(`import { Trend as T, defineTest } from ${from};`), true);
    assert.equal(needsVuTracking(`import * as volley from ${from};`), true);
    assert.equal(needsVuTracking(`const v = await import(${from});`), true);
    assert.equal(needsVuTracking(`import { check } from "/elsewhere/index.js";`), false);
  });
});

describe('localScriptRef: where a generator imports the test from', () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-localref-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const code = `import { defineTest } from ${from};\nexport default defineTest({ scenarios: {} });\n`;
  const source = (text: string, entry = VOLLEY_ENTRY): ScriptSource => ({
    kind: 'bundle',
    scriptPath: join(dir, 'test.ts'),
    trackVu: false,
    code: text,
    sha256: createHash('sha256').update(text).digest('hex'),
    volleyEntry: entry,
  });
  const attach = (ref: ScriptSource, localBundlePath?: string): ScriptAttachment => ({
    ref,
    ...(localBundlePath === undefined ? {} : { localBundlePath }),
    env: {},
    setupData: undefined,
    data: [],
  });

  it('uses the bundle already on this machine when its content matches the digest', () => {
    const local = join(dir, 'test.bundle.mjs');
    writeFileSync(local, code);
    const got = localScriptRef(attach(source(code), local));
    assert.deepEqual(got.ref, {
      kind: 'bundle',
      bundlePath: local,
      scriptPath: join(dir, 'test.ts'),
      trackVu: false,
    });
    got.dispose();
    assert.ok(existsSync(local), 'not its own to remove');
  });

  it('writes the content when the local file is missing or differs, re-pointing volley at this one', () => {
    const stale = join(dir, 'stale.bundle.mjs');
    writeFileSync(stale, '// another version');
    const elsewhere = '/opt/other/volley/dist/src/index.js';
    const shipped = code.replace(from, JSON.stringify(elsewhere));
    for (const got of [
      localScriptRef(attach(source(code), stale)),
      localScriptRef(attach(source(shipped, elsewhere))),
    ]) {
      assert.equal(got.ref.kind, 'bundle');
      const path = got.ref.kind === 'bundle' ? got.ref.bundlePath : '';
      assert.notEqual(path, stale);
      assert.equal(readFileSync(path, 'utf8'), code, 'the import of volley points at this volley');
      got.dispose();
      assert.ok(!existsSync(path), 'dispose removes what it wrote');
    }
  });

  it('refuses a bundle that does not match its digest', () => {
    const damaged = { ...source(code), code: `${code}// changed` };
    assert.throws(
      () => localScriptRef(attach(damaged)),
      /test\.ts: the bundled script does not match its sha256 digest/,
    );
  });

  it('a declarative file: read from its path when it holds the content, parsed from the text otherwise', () => {
    const yaml = join(dir, 'test.yaml');
    const text = 'scenarios: {}\n';
    writeFileSync(yaml, text);
    const decl: ScriptSource = {
      kind: 'declarative',
      path: yaml,
      text,
      sha256: createHash('sha256').update(text).digest('hex'),
    };
    assert.deepEqual(localScriptRef(attach(decl)).ref, { kind: 'declarative', path: yaml });
    writeFileSync(yaml, 'scenarios: { changed: {} }\n');
    assert.deepEqual(localScriptRef(attach(decl)).ref, { kind: 'declarative', path: yaml, text });
    assert.throws(
      () => localScriptRef(attach({ ...decl, text: 'scenarios: { other: {} }\n' })),
      /test\.yaml: the test file does not match its sha256 digest/,
    );
  });
});
