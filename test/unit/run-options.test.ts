/** The run options (src/session/run-options.ts) feed the CLI, the API's validation and the form: they must agree. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runOption } from '../../src/cli/program.js';
import { validateCreateRun } from '../../src/server/validate.js';
import {
  fileBodyFlags,
  QUICK_BODY_SCHEMA,
  quickBodyFlags,
  RUN_OPTIONS,
  runOptionsResponse,
  type QuickRunBody,
} from '../../src/session/run-options.js';

/** Every field of QuickRunBody: the compiler refuses this literal when one is missing or unknown. */
const BODY_FIELDS: Record<keyof QuickRunBody, true> = {
  url: true,
  rate: true,
  vus: true,
  maxVus: true,
  duration: true,
  method: true,
  headers: true,
  body: true,
  thresholds: true,
  executor: true,
  timeout: true,
  http2: true,
  agents: true,
  agentTags: true,
  monitor: true,
};

/** Body fields that are not command-line run options (the terminal has `--monitor-*`) nor in the form. */
const BODY_ONLY = ['monitor'];

describe('run options', () => {
  it('every API body field is a run option, and the form shows each of them', () => {
    const fields = RUN_OPTIONS.flatMap((o) => (o.api ? [o.api.field] : []));
    assert.deepEqual(
      [...fields].sort(),
      Object.keys(BODY_FIELDS)
        .filter((f) => !BODY_ONLY.includes(f))
        .sort(),
    );
    assert.deepEqual(Object.keys(QUICK_BODY_SCHEMA.properties).sort(), Object.keys(BODY_FIELDS).sort());
    const form = runOptionsResponse().fields;
    assert.deepEqual(
      form.map((f) => f.field),
      fields,
    );
    assert.equal(new Set(form.map((f) => f.testId)).size, form.length, 'test ids are unique');
    assert.deepEqual(
      form.filter((f) => f.required).map((f) => f.field),
      ['url'],
    );
  });

  it("each option's key is the name the CLI parser gives its value", () => {
    for (const o of RUN_OPTIONS) assert.equal(runOption(o).attributeName(), o.key, o.flags);
    assert.equal(new Set(RUN_OPTIONS.map((o) => o.key)).size, RUN_OPTIONS.length);
  });

  it('docs/cli.md documents every run option', () => {
    // dist/test/unit → the repository's docs.
    const doc = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
    for (const o of RUN_OPTIONS) {
      const written = (o.flags.split(/ [<[]/)[0] as string).trim(); // '--http-debug [full]' → '--http-debug'
      assert.ok(doc.includes(`\`${written}`), `docs/cli.md lacks \`${written}\``);
    }
  });

  it('a quick-mode body becomes the flags volley run would get', () => {
    assert.deepEqual(
      quickBodyFlags({
        url: 'http://127.0.0.1:1/x',
        rate: 50,
        maxVus: 20,
        duration: '3s',
        headers: { accept: 'text/plain' },
        thresholds: ['http_req_failed:rate<0.01'],
        executor: 'externally-controlled',
        http2: true,
      }),
      {
        url: 'http://127.0.0.1:1/x',
        rate: '50',
        maxVus: '20',
        duration: '3s',
        header: ['accept: text/plain'],
        threshold: ['http_req_failed:rate<0.01'],
        stage: [],
        literalBody: true,
        executor: 'externally-controlled',
        http2: true,
      },
    );
    assert.deepEqual(quickBodyFlags({ url: 'http://h/', vus: 3 }), {
      url: 'http://h/',
      vus: '3',
      header: [],
      threshold: [],
      stage: [],
      literalBody: true,
    });
  });

  it('the API validates a body with the same definition: http2 is a boolean, durations are bounded', () => {
    assert.equal(validateCreateRun({ url: 'http://h/', rate: 5, http2: true }).ok, true);
    const wrong = validateCreateRun({ url: 'http://h/', rate: 5, http2: 'yes', timeout: 'soon' });
    assert.equal(wrong.ok, false);
    assert.deepEqual(!wrong.ok && wrong.errors, [
      'timeout: must be a duration like 30s, 1m30s or 250ms',
      'http2: must be boolean',
    ]);
    const long = validateCreateRun({ url: 'http://h/', rate: 5, duration: '31d' });
    assert.deepEqual(!long.ok && long.errors, ['duration: must be at most 30d']);
    const unknown = validateCreateRun({ url: 'http://h/', rate: 5, out: 'json=-' });
    assert.deepEqual(!unknown.ok && unknown.errors, ["body: unknown field 'out'"]);
  });

  it('agents and agentTags: quick mode and test-file bodies take them, each refused value said once', () => {
    assert.equal(validateCreateRun({ url: 'http://h/', rate: 5, agents: 2, agentTags: 'zone=eu' }).ok, true);
    assert.equal(validateCreateRun({ url: 'http://h/', rate: 5, agents: 'all' }).ok, true);
    assert.equal(validateCreateRun({ script: 'a.ts', agents: 3, agentTags: 'a=1, b=2' }).ok, true);
    assert.equal(validateCreateRun({ config: {}, agents: 'all' }).ok, true);
    const bad = validateCreateRun({ url: 'http://h/', rate: 5, agents: 0, agentTags: 'zone' });
    assert.deepEqual(!bad.ok && bad.errors, [
      "agents: must be an integer from 1 to 10000, or 'all'",
      'agentTags: must be key=value pairs, comma-separated (zone=eu,size=large), at most 1024 characters',
    ]);
    for (const agents of ['2', 1.5, 'some', -1]) {
      const r = validateCreateRun({ script: 'a.ts', agents });
      assert.deepEqual(
        !r.ok && r.errors,
        ["agents: must be an integer from 1 to 10000, or 'all'"],
        String(agents),
      );
    }
    assert.deepEqual(quickBodyFlags({ url: 'http://h/', rate: 1, agents: 2, agentTags: 'zone=eu' }), {
      url: 'http://h/',
      rate: '1',
      agents: '2',
      agentTags: 'zone=eu',
      header: [],
      threshold: [],
      stage: [],
      literalBody: true,
    });
    assert.deepEqual(fileBodyFlags({ agents: 'all' }), { agents: 'all' });
    const form = runOptionsResponse().fields.filter((f) => f.requires === 'agent-pool');
    assert.deepEqual(
      form.map((f) => [f.field, f.input, f.initial]),
      [
        ['agents', 'count', undefined],
        ['agentTags', 'text', undefined],
      ],
    );
  });
});
