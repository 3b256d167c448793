/**
 * The TypeScript compiler (~30 MB of heap, 70 MB RSS) is loaded only by `--typecheck` and
 * `volley check`, not by every `volley run`: it was the largest part of the process baseline that
 * 10,000 VUs sit on.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

const loadedTypescript = (): boolean =>
  Object.keys(createRequire(import.meta.url).cache).some((k) => /[\\/]typescript[\\/]/.test(k));

describe('the TypeScript compiler is loaded on demand', () => {
  it('importing the run command does not load it; a type check does', async () => {
    await import('../../src/cli/run-command.js');
    assert.equal(loadedTypescript(), false);
    const { scriptCompilerOptions } = await import('../../src/script/typecheck.js');
    assert.equal(scriptCompilerOptions().strict, true);
    assert.equal(loadedTypescript(), true);
  });
});
