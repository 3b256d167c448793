/**
 * The one definition validator: scripts and declarative files get the same structured problems
 * (path from the definition's root, stable code) for what they share, and a declarative file
 * shows each where its path is written.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FILE_FORM } from '../../src/declarative/definition-checks.js';
import { parseTestFile } from '../../src/declarative/index.js';
import { SCRIPT_FORM } from '../../src/script/load.js';
import { PRESET_OPTIONS, PRESETS } from '../../src/script/presets.js';
import { validateDefinitionData, type DefinitionForm } from '../../src/script/validate-definition.js';

const SCRIPT: DefinitionForm = SCRIPT_FORM;
const FILE: DefinitionForm = { ...FILE_FORM, presets: { resolve: PRESETS, options: PRESET_OPTIONS } };

const shared = {
  http: { timeout: 'soon', maxRedirects: -1 },
  scenarios: {
    a: { executor: 'constant-vus', vus: 0, duraton: '1s' },
    b: { executor: 'constant-arrival-rate', rate: 10, duration: '10s', preAllocatedVUs: 5, maxVUs: 2 },
    c: { executor: 'shared-iterations', vus: 4, iterations: 2, user: 'ghost' },
  },
  thresholds: { http_req_durationn: ['p(99)<1'], http_req_failed: ['p(99)<1', 'rate<0.01'] },
};
const EXPECTED: [string, string][] = [
  ['http.timeout', 'not-a-duration'],
  ['http.maxRedirects', 'out-of-range'],
  ['scenarios.a', 'nothing-to-run'],
  // duraton, not "duration is required": one mistake, one problem.
  ['scenarios.a.duraton', 'unknown-field'],
  ['scenarios.a.vus', 'out-of-range'],
  ['scenarios.b', 'nothing-to-run'],
  ['scenarios.b.maxVUs', 'conflict'],
  ['scenarios.c.user', 'not-found'],
  ['scenarios.c.iterations', 'conflict'],
  ['thresholds.http_req_durationn', 'unknown-name'],
  ['thresholds.http_req_failed[0]', 'wrong-type'],
];

describe('the one definition validator', () => {
  it('gives a script and a declarative file the same problems, at the same paths, with the same codes', () => {
    const fromScript = validateDefinitionData(structuredClone(shared), SCRIPT);
    const fromFile = validateDefinitionData(structuredClone(shared), FILE);
    assert.deepEqual(
      fromScript.map((p) => [p.path, p.code]),
      EXPECTED,
    );
    assert.deepEqual(
      fromFile.map((p) => [p.path, p.code]),
      EXPECTED,
    );
    assert.deepEqual(
      fromScript.map((p) => p.message).filter((m) => !m.includes('nothing to run')),
      fromFile.map((p) => p.message).filter((m) => !m.includes('nothing to run')),
    );
    assert.equal(
      fromScript.find((p) => p.path === 'scenarios.a.vus')?.message,
      'must be an integer >= 1 (got 0)',
    );
  });

  it("a preset scenario's options are checked by the preset, each at its option", () => {
    const problems = validateDefinitionData(
      { scenarios: { s: { preset: 'load', vus: 10, rampUp: 'never', peak: 3, flow: [] } } },
      FILE,
    );
    assert.deepEqual(
      problems.map((p) => [p.path, p.code]),
      [['scenarios.s.peak', 'unknown-field']],
    );
    const values = validateDefinitionData(
      { scenarios: { s: { preset: 'load', vus: 10, rampUp: 'never', flow: [] } } },
      FILE,
    );
    assert.deepEqual(values, [
      {
        path: 'scenarios.s.rampUp',
        code: 'not-a-duration',
        message: `malformed duration "never" (e.g. '30s', '1m30s', or a number of seconds)`,
      },
    ]);
  });

  it('a declarative file lists them at their lines; a misspelt section hides nothing else', () => {
    const text = `scenarios:
  a: { executor: constant-vus, vus: 0, duration: 1s, flow: [] }
thresholds:
  http_req_durationn: ['p(99)<1']
tresholds: {}
`;
    assert.deepEqual(parseTestFile('f.yaml', text).errors, [
      'f.yaml:2:37: scenarios.a.vus: must be an integer >= 1 (got 0)',
      "f.yaml:4:3: thresholds.http_req_durationn: unknown metric 'http_req_durationn' (did you mean 'http_req_duration'?)",
      "f.yaml:5:1: tresholds: unknown field (did you mean 'thresholds'?)",
    ]);
  });
});
