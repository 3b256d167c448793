/** Bundling: which scripts need AsyncLocalStorage (they import a VU-aware free function). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { needsVuTracking, VOLLEY_ENTRY } from '../../src/script/bundle.js';

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
