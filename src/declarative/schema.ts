/** The JSON Schema of declarative test files (YAML/JSON): what `volley schema` prints and ajv validates. */

const str = { type: 'string' } as const;
const num = { type: 'number' } as const;
const duration = {
  anyOf: [{ type: 'string' }, { type: 'number', minimum: 0 }],
  description: "a duration: '30s', '1m30s', '250ms' or a number of seconds",
} as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;

const check = {
  type: 'object',
  additionalProperties: false,
  description: 'checks on the response, recorded in the `checks` metric',
  properties: {
    status: {
      anyOf: [{ type: 'integer' }, { type: 'array', items: { type: 'integer' } }],
      description: 'expected status, or any of a list',
    },
    json: {
      type: 'object',
      description: 'JSON path → expected value, e.g. { "total": 20, "items.0.id": 1 }',
    },
    header: { ...stringMap, description: 'header name → expected value' },
    bodyContains: { type: 'string', description: 'text the body must contain' },
    maxDuration: { ...duration, description: 'the response must take less than this (http_req_duration)' },
  },
} as const;

const capture = {
  type: 'object',
  description: 'variables to capture from the response; later steps use them as {{ name }}',
  additionalProperties: {
    type: 'object',
    additionalProperties: false,
    properties: {
      json: { type: 'string', description: 'JSON path, e.g. token or items.0.id' },
      header: { type: 'string', description: 'response header name' },
      regex: { type: 'string', description: 'regular expression over the body; the first group is captured' },
      status: { type: 'boolean', description: 'capture the status code' },
    },
  },
} as const;

const requestProps: Record<string, unknown> = {
  headers: { ...stringMap, description: 'request headers ({{ }} templates allowed in values)' },
  json: { description: 'body sent as JSON; string leaves may hold {{ }} templates' },
  body: { type: 'string', description: 'raw body' },
  form: { type: 'object', description: 'body sent as application/x-www-form-urlencoded' },
  query: { type: 'object', description: 'query parameters' },
  params: { type: 'object', description: 'values for :name placeholders in the path' },
  name: { type: 'string', description: 'endpoint name for metrics (the name tag)' },
  tags: stringMap,
  timeout: duration,
  capture,
  check,
};
for (const m of METHODS)
  requestProps[m] = {
    type: 'string',
    description: `${m.toUpperCase()} this URL (absolute or relative to baseUrl)`,
  };

const step = {
  type: 'object',
  description: 'a request (get/post/… URL), think, group or loop',
  additionalProperties: false,
  properties: {
    ...requestProps,
    think: { ...duration, description: "pause: '2s', or a range '1-3s' drawn uniformly" },
    group: { type: 'string', description: 'name of a group; its flow runs tagged with it' },
    loop: { type: 'integer', minimum: 1, description: 'run the flow this many times' },
    flow: { $ref: '#/definitions/flow' },
  },
} as const;

const executorFields = {
  executor: {
    enum: [
      'constant-vus',
      'ramping-vus',
      'per-vu-iterations',
      'shared-iterations',
      'constant-arrival-rate',
      'ramping-arrival-rate',
      'externally-controlled',
    ],
    description: 'the k6 executor (see docs/executors.md)',
  },
  startTime: duration,
  gracefulStop: duration,
  tags: stringMap,
  vus: { type: 'integer', minimum: 0 },
  duration,
  iterations: { type: 'integer', minimum: 1 },
  maxDuration: duration,
  startVUs: { type: 'integer', minimum: 0 },
  stages: {
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['duration', 'target'],
      properties: { duration, target: { type: 'number', minimum: 0 } },
    },
  },
  gracefulRampDown: duration,
  rate: { type: 'number', minimum: 0 },
  startRate: { type: 'number', minimum: 0 },
  timeUnit: duration,
  preAllocatedVUs: { type: 'integer', minimum: 0 },
  maxVUs: { type: 'integer', minimum: 0 },
  maxQueue: { type: 'integer', minimum: 0 },
};

/** Option names of the presets (docs/presets.md), allowed beside `preset`. */
export const PRESET_OPTIONS = [
  'base',
  'peak',
  'spike',
  'openLoop',
  'rampUp',
  'hold',
  'rampDown',
  'steps',
  'stepDuration',
  'baseDuration',
  'spikeRampUp',
  'spikeHold',
  'recovery',
  'warmUp',
  'sustained',
  'spikeDuration',
] as const;

const presetProps: Record<string, unknown> = {};
for (const o of PRESET_OPTIONS)
  presetProps[o] = o === 'openLoop' ? { type: 'boolean' } : { anyOf: [num, str] };

export const TEST_FILE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://volley.dev/schema/test-file.json',
  title: 'volley declarative test',
  type: 'object',
  additionalProperties: false,
  required: ['scenarios'],
  definitions: { flow: { type: 'array', items: step, description: 'steps run in order' } },
  properties: {
    baseUrl: { type: 'string', description: 'relative request URLs resolve against it' },
    http: {
      type: 'object',
      additionalProperties: false,
      properties: {
        timeout: duration,
        maxRedirects: { type: 'integer', minimum: 0 },
        headers: stringMap,
        insecureSkipTLSVerify: { type: 'boolean' },
        cookies: { type: 'boolean', description: 'per-VU cookie jar (default true)' },
      },
    },
    tags: stringMap,
    data: {
      type: 'object',
      description:
        'shared data files: NAME → { csv: PATH } or { json: PATH }; templates read rows as {{ $data.NAME.perVu.field }}',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          csv: str,
          json: str,
          header: { type: 'boolean' },
          delimiter: { type: 'string', minLength: 1, maxLength: 1 },
        },
      },
    },
    scenarios: {
      type: 'object',
      minProperties: 1,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        description: 'an executor and exactly one of flow or user (or a preset with its options)',
        properties: {
          ...executorFields,
          flow: { $ref: '#/definitions/flow' },
          user: { type: 'string', description: 'a name in users' },
          preset: {
            enum: ['smoke', 'load', 'stress', 'spike', 'soak', 'breakpoint', 'fivePhase'],
            description: 'a load-profile preset (docs/presets.md); its options sit beside it',
          },
          ...presetProps,
        },
      },
    },
    users: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['tasks'],
        properties: {
          wait: {
            type: 'object',
            additionalProperties: false,
            description:
              'think time after each task, seconds: { between: [1, 3] }, { constant: 2 } or { pacing: 5 }',
            properties: {
              between: { type: 'array', items: num, minItems: 2, maxItems: 2 },
              constant: { type: 'number', minimum: 0 },
              pacing: { type: 'number', minimum: 0 },
            },
          },
          onStart: { $ref: '#/definitions/flow' },
          onStop: { $ref: '#/definitions/flow' },
          tasks: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['flow'],
              properties: {
                weight: { type: 'number', minimum: 0 },
                name: str,
                flow: { $ref: '#/definitions/flow' },
              },
            },
          },
        },
      },
    },
    thresholds: {
      type: 'object',
      additionalProperties: {
        anyOf: [
          { type: 'string' },
          {
            type: 'array',
            items: {
              anyOf: [
                { type: 'string' },
                {
                  type: 'object',
                  required: ['threshold'],
                  additionalProperties: false,
                  properties: { threshold: str, abortOnFail: { type: 'boolean' }, delayAbortEval: str },
                },
              ],
            },
          },
        ],
      },
    },
  },
} as const;
