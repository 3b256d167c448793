/**
 * The JSON Schema (draft-07) of declarative test files, YAML or JSON: what `volley schema` prints,
 * what editors complete from (`# yaml-language-server: $schema=volley.schema.json`), and what
 * load.ts validates with ajv before the checks a schema cannot express. The model is the script
 * API's `TestDefinition` (src/script/api.ts) with flows (request lists) instead of functions.
 */

import { DEPTH_DEFINITION_SCHEMA, HTTP_STEP_OPTION_SCHEMA } from '../protocols/http/depth-options.js';
import { stepKindSchemas } from '../protocols/registry.js';
import { EXECUTORS, SCENARIO_FIELDS } from '../executors/registry.js';
import type { ScenarioConfig } from '../config/types.js';
import { PRESET_DURATION_OPTIONS, PRESET_OPTIONS, type PresetName } from '../script/presets.js';
import { PRESET_KEEPS } from '../script/validate-definition.js';

export { PRESET_KEEPS, PRESET_OPTIONS, type PresetName };

/** The executors' names, from the registry: the schema's enum cannot drift from the engine. */
export const EXECUTOR_NAMES: readonly string[] = [...EXECUTORS.keys()];

/** Executor fields (every executor's, from the registry), without `exec` (a file runs flows). */
export const EXECUTOR_FIELDS: readonly (keyof ScenarioConfig)[] = SCENARIO_FIELDS.filter((f) => f !== 'exec');

export const PRESET_NAMES = Object.keys(PRESET_OPTIONS) as PresetName[];

/** Every preset option name (the union of PRESET_OPTIONS) that is not also an executor field. */
export const PRESET_ONLY_OPTIONS: readonly string[] = [
  ...new Set(Object.values(PRESET_OPTIONS).flat() as string[]),
].filter((o) => !(EXECUTOR_FIELDS as readonly string[]).includes(o));

const duration = (description: string): Record<string, unknown> => ({
  anyOf: [{ type: 'string' }, { type: 'number', minimum: 0 }],
  description: `${description} — a duration: '500ms', '30s', '1m30s', '2h', or a number of seconds`,
});
const stringMap = (description: string): Record<string, unknown> => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string' },
});
const scalarMap = (description: string): Record<string, unknown> => ({
  type: 'object',
  description,
  additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
});
const int = (description: string, minimum = 0): Record<string, unknown> => ({
  type: 'integer',
  minimum,
  description,
});
const number = (description: string, minimum = 0): Record<string, unknown> => ({
  type: 'number',
  minimum,
  description,
});

const check = {
  type: 'object',
  additionalProperties: false,
  description:
    "checks on the response, each recorded in the `checks` metric as 'ENDPOINT: RULE' (e.g. 'GET /api/teams: status is 200')",
  properties: {
    status: {
      description: "expected status, or a list of accepted ones: 200 or [200, 201] ('status is 200')",
      anyOf: [
        { type: 'integer', minimum: 0 },
        { type: 'array', minItems: 1, items: { type: 'integer', minimum: 0 } },
      ],
    },
    json: {
      type: 'object',
      description:
        "JSON path → expected value (deep equality; string values may hold {{ }} templates): { total: 20, 'items.0.id': 1 } ('json total == 20')",
    },
    header: scalarMap(
      "response header name → expected value (exact; {{ }} templates allowed): { content-type: application/json } ('header content-type == application/json')",
    ),
    bodyContains: {
      type: 'string',
      description: 'text the body must contain ({{ }} templates allowed) (\'body contains "ok"\')',
    },
    maxDuration: duration("the response's http_req_duration must be below this ('duration < 200ms')"),
  },
};

const captureSpec = {
  type: 'object',
  additionalProperties: false,
  description:
    'where the value comes from: exactly one of { json: PATH }, { header: NAME }, { regex: PATTERN } or { status: true }',
  properties: {
    json: {
      type: 'string',
      description: "a JSON path into the response body: 'token', 'items.0.id', '$.items[0].id'",
    },
    header: { type: 'string', description: "a response header's name (case-insensitive), e.g. location" },
    regex: {
      type: 'string',
      description:
        "a regular expression over the body; its first group is captured (the whole match without a group): 'id=(\\\\d+)'",
    },
    status: { type: 'boolean', const: true, description: 'capture the status code' },
  },
};

const capture = {
  type: 'object',
  description:
    "variables to capture from the response into this VU's state (ctx.state); later steps, and every task after onStart, use them as {{ NAME }}. A capture that finds nothing fails the iteration.",
  propertyNames: { pattern: '^[A-Za-z_][\\w-]*$' },
  additionalProperties: captureSpec,
};

/**
 * The step kinds of the flow grammar, with their options: the one place that lists them. The
 * request kinds come from the protocol modules (src/protocols/registry.ts stepKindSchemas: HTTP's
 * get, post, …), and flow-checks.ts reads the same list; the request options below (headers, json,
 * check, capture, …) are still written here, as HTTP's — a second protocol's step options join them.
 */
export function stepSchema(): Record<string, unknown> {
  const stepProperties: Record<string, unknown> = {};
  // The step kinds (get, post, …) come from the protocol modules: a new module's kinds appear here.
  for (const kind of stepKindSchemas()) stepProperties[kind.key] = kind.schema;
  Object.assign(stepProperties, {
    headers: scalarMap('request headers; {{ }} templates allowed in values'),
    json: {
      description:
        "body sent as JSON (content-type: application/json); string leaves may hold {{ }} templates, and a leaf that is exactly one template keeps the value's type: id: '{{ userId }}' sends a number when userId is one",
    },
    body: { type: 'string', description: 'raw body text; {{ }} templates allowed' },
    form: scalarMap('body sent as application/x-www-form-urlencoded; {{ }} templates allowed in values'),
    query: scalarMap('query string parameters appended to the URL; {{ }} templates allowed in values'),
    params: scalarMap(
      "values for :name placeholders in the URL path ('/api/users/:id' with { id: 17 }); the endpoint is named after the placeholder path",
    ),
    name: {
      type: 'string',
      description:
        "endpoint name for metrics (the `name` tag), e.g. 'GET /api/users/:id'; a name starting with / gets the method prefixed",
    },
    tags: stringMap("extra tags on this request's samples"),
    timeout: duration('request timeout (default: http.timeout)'),
    redirects: int('redirects to follow for this request (default: http.maxRedirects)'),
    ...HTTP_STEP_OPTION_SCHEMA,
    capture,
    check,
    think: {
      anyOf: [{ type: 'string' }, { type: 'number', minimum: 0 }],
      description:
        "a pause: a duration ('2s', '500ms', or seconds) or a range drawn uniformly ('1-3s', '500ms-2s')",
    },
    group: {
      type: 'string',
      description: "a group: its `flow` runs with samples tagged group '::NAME' and group_duration recorded",
    },
    loop: { type: 'integer', minimum: 0, description: 'run its `flow` this many times' },
    flow: {
      $ref: '#/definitions/flow',
      description: 'the steps of a group or loop step',
    },
  });

  return {
    type: 'object',
    additionalProperties: false,
    description:
      'one step: a request (get/post/put/patch/delete/head/options: URL plus options), think: DURATION, group: NAME with flow, or loop: N with flow',
    properties: stepProperties,
  };
}

const stage = {
  type: 'object',
  additionalProperties: false,
  required: ['duration', 'target'],
  description: 'one stage: move linearly to target over duration',
  properties: {
    duration: duration('length of the stage'),
    target: number(
      'VUs (ramping-vus) or iterations per timeUnit (ramping-arrival-rate) at the end of the stage',
    ),
    phase: {
      type: 'string',
      description: 'a name for the stage (warm-up, spike, …), shown by volley inspect',
    },
  },
};

/**
 * What each executor field is, for the schema: its type and what it means. Which executors take
 * it is not written here but read from the registry, so the schema follows the executors.
 */
const SCENARIO_FIELD_DOCS: Readonly<Record<string, [(d: string) => Record<string, unknown>, string]>> = {
  executor: [
    (d) => ({ enum: [...EXECUTOR_NAMES], description: d }),
    'the k6 executor that schedules iterations (docs/executors.md); not with preset',
  ],
  startTime: [duration, 'when the scenario starts, from the start of the test (default 0s)'],
  gracefulStop: [duration, 'how long running iterations may finish after the scenario ends (default 30s)'],
  tags: [stringMap, "tags on this scenario's samples"],
  vus: [(d) => int(d), 'VUs (with a preset: the level in VUs)'],
  duration: [duration, 'how long the scenario runs'],
  iterations: [(d) => int(d, 1), 'iterations per VU (per-vu-iterations) or in total (shared-iterations)'],
  maxDuration: [duration, 'upper bound of an iteration-count scenario (default 10m)'],
  startVUs: [(d) => int(d), 'VUs at the start (default 1)'],
  stages: [
    (d) => ({ type: 'array', minItems: 1, items: stage, description: d }),
    'linear ramps, one after the other',
  ],
  gracefulRampDown: [duration, 'how long a VU being removed may finish its iteration (default 30s)'],
  rate: [
    (d) => number(d),
    'iterations started per timeUnit (with a preset: the level in arrivals per second)',
  ],
  startRate: [(d) => number(d), 'the rate at the start (default 0)'],
  timeUnit: [duration, 'the period of rate (default 1s)'],
  preAllocatedVUs: [(d) => int(d), 'VUs allocated at the start'],
  maxVUs: [(d) => int(d), 'most VUs at once'],
  maxQueue: [(d) => int(d), 'iterations that may wait for a free VU before they are dropped'],
};

/** `(constant-vus, ramping-vus)`: the executors that take a field, from the registry. */
function takenBy(field: string): string {
  if ((['executor', 'startTime', 'gracefulStop', 'tags'] as string[]).includes(field)) return '';
  const names = [...EXECUTORS.values()]
    .filter((e) => (e.fields as readonly string[]).includes(field))
    .map((e) => e.name);
  return ` (${names.join(', ')})`;
}

/** One preset option's schema: durations, flags, step counts and levels, by the presets registry. */
function presetOption(o: string): Record<string, unknown> {
  const presets = PRESET_NAMES.filter((p) => (PRESET_OPTIONS[p] as readonly string[]).includes(o)).join(', ');
  if (PRESET_DURATION_OPTIONS.includes(o)) return duration(`preset option (${presets}): ${o}`);
  if (o === 'openLoop')
    return { type: 'boolean', description: `preset option (${presets}): levels are arrivals per second` };
  if (o === 'steps')
    return { type: 'integer', minimum: 1, description: `preset option (${presets}): number of equal steps` };
  return number(`preset option (${presets}): the ${o} level`);
}

const scenarioProperties: Record<string, unknown> = {};
for (const f of EXECUTOR_FIELDS) {
  const doc = SCENARIO_FIELD_DOCS[f];
  if (!doc) throw new Error(`declarative/schema.ts: no description of executor field '${f}'`);
  scenarioProperties[f] = doc[0](`${doc[1]}${takenBy(f)}`);
}
Object.assign(scenarioProperties, {
  flow: { $ref: '#/definitions/flow', description: 'the steps of each iteration (instead of user or exec)' },
  user: {
    type: 'string',
    description: 'the name of an entry in users that each VU plays (instead of flow or exec)',
  },
  exec: {
    type: 'string',
    description:
      'the name of an entry in the top-level flows map, run as each iteration (instead of flow or user)',
  },
  preset: {
    enum: [...PRESET_NAMES],
    description:
      'a load-profile preset (docs/presets.md) instead of executor: its options (vus, rate, rampUp, hold, …) sit beside it',
  },
});
for (const o of PRESET_ONLY_OPTIONS) scenarioProperties[o] = presetOption(o);

const scenario = {
  type: 'object',
  additionalProperties: false,
  description:
    'a scenario: an executor with its k6 fields (or a preset with its options), and exactly one of flow, user or exec',
  properties: scenarioProperties,
};

const task = {
  type: 'object',
  additionalProperties: false,
  required: ['flow'],
  description: 'a weighted task: each iteration of a user picks one task',
  properties: {
    weight: number('relative weight (default 1): weight 3 runs three times as often as weight 1'),
    name: { type: 'string', description: "the task's name: shown in errors, tags its samples as `task`" },
    flow: { $ref: '#/definitions/flow', description: 'the steps of the task' },
  },
};

const user = {
  type: 'object',
  additionalProperties: false,
  required: ['tasks'],
  description:
    'a Locust-style user: onStart once per VU, then weighted tasks with think time, onStop at the end',
  properties: {
    wait: {
      type: 'object',
      additionalProperties: false,
      description:
        'think time after each task, in seconds: exactly one of { between: [1, 3] }, { constant: 2 } or { pacing: 5 } (start-to-start)',
      properties: {
        between: {
          type: 'array',
          items: { type: 'number', minimum: 0 },
          minItems: 2,
          maxItems: 2,
          description: '[min, max] seconds, drawn uniformly',
        },
        constant: number('the same seconds after every task'),
        pacing: number('start each task this many seconds after the previous one started'),
      },
    },
    onStart: {
      $ref: '#/definitions/flow',
      description: 'once per VU before its first task (e.g. log in and capture a token)',
    },
    onStop: { $ref: '#/definitions/flow', description: 'once per VU when it stops' },
    tasks: { type: 'array', minItems: 1, items: task, description: 'the weighted tasks' },
  },
};

const thresholdObject = {
  type: 'object',
  additionalProperties: false,
  required: ['threshold'],
  properties: {
    threshold: { type: 'string', description: "an expression such as 'p(99)<100' or 'rate<0.01'" },
    abortOnFail: { type: 'boolean', description: 'stop the run as soon as it fails' },
    delayAbortEval: duration('ignore failures during the first part of the run'),
  },
};

export const TEST_FILE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://volley.dev/schema/test-file.json',
  title: 'volley declarative test (YAML or JSON)',
  description:
    'The same model as a TypeScript test (TestDefinition): scenarios on k6 executors, Locust-style users, thresholds — with request lists (flows) instead of functions. See docs/yaml.md.',
  type: 'object',
  additionalProperties: false,
  required: ['scenarios'],
  definitions: {
    flow: { type: 'array', items: stepSchema(), description: 'steps, run in order' },
  },
  properties: {
    $schema: { type: 'string', description: 'the schema this file follows (for editors); ignored by volley' },
    baseUrl: {
      type: 'string',
      description:
        "relative request URLs resolve against it, e.g. http://127.0.0.1:8117; may read the environment: '{{ $env.BASE_URL ?? http://127.0.0.1:8117 }}'",
    },
    http: {
      type: 'object',
      additionalProperties: false,
      description: 'HTTP defaults for every request',
      properties: {
        timeout: duration('default request timeout (default 10s)'),
        maxRedirects: int('redirects followed by default (default 0)'),
        headers: scalarMap('headers on every request; values may use {{ $env.NAME }}'),
        insecureSkipTLSVerify: { type: 'boolean', description: 'accept any TLS certificate' },
        http2: {
          type: 'boolean',
          description: 'HTTP/2: h2 by ALPN on https://, h2c with prior knowledge on http://',
        },
        cookies: { type: 'boolean', description: 'a cookie jar per VU (default true)' },
        discardResponseBodies: {
          type: 'boolean',
          description:
            'keep no response body (bytes still counted in data_received); checks and captures then see an empty body',
        },
        maxResponseBytes: int(
          'most bytes of a response body kept (default 10485760 = 10 MB); a larger body is counted and dropped, and the request fails with error body_too_large',
        ),
        ...DEPTH_DEFINITION_SCHEMA,
      },
    },
    tags: stringMap('tags on every sample'),
    data: {
      type: 'object',
      description:
        'shared data files, loaded once and shared by every VU and worker: NAME → { csv: PATH } or { json: PATH } (paths relative to this file); templates read rows as {{ $data.NAME.perVu.FIELD }}',
      propertyNames: { pattern: '^[A-Za-z_][\\w-]*$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        description: 'exactly one of csv or json',
        properties: {
          csv: { type: 'string', description: 'a CSV file (RFC 4180)' },
          json: { type: 'string', description: 'a JSON file holding one top-level array' },
          header: { type: 'boolean', description: 'CSV: the first row names the columns (default true)' },
          delimiter: {
            type: 'string',
            minLength: 1,
            maxLength: 1,
            description: "CSV: the field delimiter (default ',')",
          },
        },
      },
    },
    flows: {
      type: 'object',
      description: 'named flows that scenarios run with exec: NAME',
      additionalProperties: { $ref: '#/definitions/flow' },
    },
    scenarios: {
      type: 'object',
      minProperties: 1,
      description: 'scenario name → scenario; they run in parallel (use startTime to chain them)',
      additionalProperties: scenario,
    },
    users: {
      type: 'object',
      description: 'user name → user (scenarios select one with user: NAME)',
      additionalProperties: user,
    },
    monitor: {
      type: 'object',
      additionalProperties: false,
      description:
        'watch the target beside the load: its CPU, memory, fds and sockets as target_* metrics (docs/analysis.md)',
      properties: {
        pids: {
          type: 'array',
          items: { type: 'integer', minimum: 1 },
          description: 'process ids on this machine',
        },
        processName: {
          type: 'string',
          minLength: 1,
          description: 'every process with this name (/proc/PID/comm)',
        },
        prometheus: {
          type: 'object',
          additionalProperties: false,
          required: ['url', 'series'],
          properties: {
            url: { type: 'string', description: 'the http(s) URL of a Prometheus text endpoint' },
            series: { type: 'array', items: { type: 'string' }, description: 'name or name{label="v"}' },
          },
        },
        interval: { type: 'string', description: 'how often Prometheus is scraped (default 5s)' },
        memoryLimit: {
          type: 'string',
          description: "the target's memory limit, e.g. 512MB: target_memory_percent is its RSS over it",
        },
      },
    },
    capacityHeadroom: {
      anyOf: [{ type: 'string' }, { type: 'number' }],
      description: "the capacity plan's headroom: '30%' (default) or 0.3",
    },
    thresholds: {
      type: 'object',
      description:
        "metric key (optionally with a tag filter: 'http_req_duration{name:GET /api/teams}') → expressions that must hold (docs/thresholds.md)",
      additionalProperties: {
        anyOf: [
          { type: 'string' },
          thresholdObject,
          { type: 'array', items: { anyOf: [{ type: 'string' }, thresholdObject] } },
        ],
      },
    },
  },
} as const;
