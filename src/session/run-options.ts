/**
 * The options of a run, defined once: `volley run`'s flags are generated from this list
 * (src/cli/program.ts), the API validates a quick-mode body with the JSON Schema built from it
 * (src/server/validate.ts), turns that body into the same flags (src/server/run-manager.ts) and
 * serves the form's fields from it (`GET /api/run-options`), which the dashboard's new-run form
 * renders (web/src/views/NewRun.tsx). A field the form shows is a field the API accepts.
 */
import type { MonitorOptions } from '../config/types.js';
import { EXECUTOR_NAMES } from '../executors/names.js';

/** Quick mode from the API: one request, one scenario (the API fields of RUN_OPTIONS). */
export interface QuickRunBody {
  url: string;
  /** Arrivals per second (open loop). Give rate or vus (or both with executor externally-controlled). */
  rate?: number;
  vus?: number;
  maxVus?: number;
  /** e.g. '30s', '2m'. Default 10s. */
  duration?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** 'metric:expression', e.g. 'http_req_duration:p(99)<100'. */
  thresholds?: string[];
  /** Only 'externally-controlled' changes the executor picked from rate/vus. */
  executor?: 'externally-controlled';
  timeout?: string;
  /** HTTP/2: h2 over TLS (ALPN), h2c with prior knowledge for http:// URLs. */
  http2?: boolean;
  /** Run on this many agents of the server's pool (`volley serve --nats`), or every idle one. */
  agents?: number | 'all';
  /** Only agents with these tags: `k=v,k2=v2`. */
  agentTags?: string;
  /** Watch the target beside the load, as a test file's `monitor` option (docs/analysis.md). */
  monitor?: MonitorOptions;
}

/** The run options a test-file body (`script`, `config`) accepts besides its own fields. */
export type FileRunOptions = Pick<QuickRunBody, 'agents' | 'agentTags' | 'monitor'>;

/** How the dashboard's form shows an API field. */
export interface RunFormField {
  /** The body field. */
  field: keyof QuickRunBody;
  label: string;
  /** Shown after the label, muted: how to write the value. */
  hint?: string;
  /**
   * `lines`: one list item per line; `pairs`: `Name: value` per line, as a map; `switch`: a
   * checkbox that sends `value` (or true) when checked; `count`: a whole number above 0, or one of
   * `choices` as a word (agents: `2` or `all`).
   */
  input: 'url' | 'number' | 'count' | 'text' | 'textarea' | 'select' | 'lines' | 'pairs' | 'switch';
  required: boolean;
  placeholder?: string;
  /** The value the form starts with. */
  initial?: string | boolean;
  /** The choices of a select. */
  choices?: readonly string[];
  /** What a checked switch sends (default true). */
  value?: string;
  /** Fields of one `load` group are alternatives: the form sends the one picked (rate or VUs). */
  group?: { name: 'load'; label: string; choice: string };
  /** Its data-testid in the dashboard (`new-…`). */
  testId: string;
  /**
   * `agent-pool`: the field needs a server started with `volley serve --nats` (`GET /api/agents`
   * says `nats: null` otherwise, and the API refuses the field); a test-file run takes it too.
   */
  requires?: 'agent-pool';
}

/** `GET /api/run-options`: the quick-mode fields, in the order the form shows them. */
export interface RunOptionsResponse {
  fields: RunFormField[];
}

/** Where an option reaches the API (and the form), when it does. */
interface ApiOption {
  field: keyof QuickRunBody;
  /** JSON Schema of the field in a quick-mode body. */
  schema: Record<string, unknown>;
  required?: boolean;
  /** The body's value as the flag's (default: the value itself; numbers become strings as on a command line). */
  toFlag?: (value: unknown) => unknown;
  form: Omit<RunFormField, 'field' | 'required'>;
  /** A test-file body (`script`, `config`) accepts the field too (the run's shape, not its scenarios). */
  fileRuns?: true;
  /** The one problem to report when the schema refuses the value (instead of each keyword's). */
  invalid?: string;
}

export interface RunOption {
  /** The key the CLI's parser gives the value under (RunFlags): `--max-vus` → maxVus, `--no-store` → store. */
  key: string;
  /** commander's flags text. */
  flags: string;
  help: string;
  /** The flag may be given many times; its value is the list (default empty). */
  repeatable?: boolean;
  /** Left out of `--help` (an old spelling kept working). */
  hidden?: true;
  default?: string;
  choices?: readonly string[];
  api?: ApiOption;
}

/** The longest duration a body may ask for (a month-long soak is already beyond any real use). */
export const MAX_DURATION_MS = 30 * 86_400_000;

/** A duration as text: 30s, 1m30s, 250ms (parsed for real by tryParseDurationMs). */
export const DURATION_SCHEMA = {
  type: 'string',
  maxLength: 64,
  pattern: '^\\s*\\d+(\\.\\d+)?(us|µs|ms|s|m|h|d)?(\\d+(\\.\\d+)?(us|µs|ms|s|m|h|d))*\\s*$',
} as const;

/**
 * The JSON Schema of a body's `monitor` (any kind of run body): the shape of a test file's
 * `monitor` option. It becomes the run's `monitorOptions` flag (not a command-line flag: the
 * terminal has `--monitor-*`), which the run merges with a test file's own.
 */
const MONITOR_BODY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pids: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 4_194_304 }, maxItems: 64 },
    processName: { type: 'string', minLength: 1, maxLength: 256 },
    prometheus: {
      type: 'object',
      additionalProperties: false,
      required: ['url', 'series'],
      properties: {
        url: { type: 'string', minLength: 1, maxLength: 2048 },
        series: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 1024 }, maxItems: 100 },
      },
    },
    interval: DURATION_SCHEMA,
    memoryLimit: { type: 'string', minLength: 1, maxLength: 64 },
  },
};

/** `k=v,k2=v2` as volley agent --tags takes it (parseTagList in src/cli/agent-flags.ts). */
const AGENT_TAGS_PATTERN = '^\\s*[A-Za-z0-9_.-]+=[^,]+(,\\s*[A-Za-z0-9_.-]+=[^,]+)*$';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const asString = (v: unknown): unknown => String(v);

/** `volley run`'s options, in `--help` order. */
export const RUN_OPTIONS: readonly RunOption[] = [
  {
    key: 'url',
    flags: '--url <url>',
    help: 'quick mode: the URL to send every request to (http, https, ws, wss)',
    api: {
      field: 'url',
      required: true,
      schema: { type: 'string', pattern: '^(https?|wss?)://', maxLength: 4096 },
      form: { label: 'URL', input: 'url', placeholder: 'http://127.0.0.1:8117/api/teams', testId: 'new-url' },
    },
  },
  {
    key: 'env',
    flags: '-e, --env <KEY=VALUE>',
    help: 'set process.env.KEY for the script, in every worker (repeatable)',
    repeatable: true,
  },
  {
    key: 'typecheck',
    flags: '--typecheck',
    help: 'type-check a TypeScript script before running it (volley check)',
  },
  {
    key: 'scenario',
    flags: '-s, --scenario <name>',
    help: 'run only this scenario of the test file (repeatable)',
    repeatable: true,
  },
  {
    key: 'rate',
    flags: '--rate <n>',
    help: 'open loop: iterations started per second (constant-arrival-rate)',
    api: {
      field: 'rate',
      schema: { type: 'number', exclusiveMinimum: 0, maximum: 10_000_000 },
      toFlag: asString,
      form: {
        label: 'Rate (requests/s)',
        input: 'number',
        initial: '50',
        group: { name: 'load', label: 'Load model', choice: 'Open loop (arrivals/s)' },
        testId: 'new-rate',
      },
    },
  },
  {
    key: 'vus',
    flags: '-u, --vus <n>',
    help: 'closed loop: concurrent virtual users (constant-vus); with --rate: VUs ready at the start',
    api: {
      field: 'vus',
      schema: { type: 'integer', minimum: 1, maximum: 1_000_000 },
      toFlag: asString,
      form: {
        label: 'VUs',
        input: 'number',
        initial: '10',
        group: { name: 'load', label: 'Load model', choice: 'Closed loop (VUs)' },
        testId: 'new-vus',
      },
    },
  },
  {
    key: 'maxVus',
    flags: '--max-vus <n>',
    help: 'open loop: most VUs (connections) the run may use',
    api: {
      field: 'maxVus',
      schema: { type: 'integer', minimum: 1, maximum: 1_000_000 },
      toFlag: asString,
      form: { label: 'Max VUs (optional)', input: 'number', placeholder: 'auto', testId: 'new-max-vus' },
    },
  },
  {
    key: 'duration',
    flags: '-d, --duration <time>',
    help: 'how long to start iterations (e.g. 30s, 1m30s)',
    api: {
      field: 'duration',
      schema: DURATION_SCHEMA,
      form: {
        label: 'Duration',
        input: 'text',
        placeholder: '30s, 2m',
        initial: '30s',
        testId: 'new-duration',
      },
    },
  },
  {
    key: 'iterations',
    flags: '-i, --iterations <n>',
    help: 'total iterations (shared-iterations), instead of --duration (-n still works)',
  },
  // `-n`: volley's first spelling of --iterations, kept so scripts that use it keep working.
  { key: 'n', flags: '-n <n>', help: 'same as -i/--iterations', hidden: true },
  {
    key: 'stage',
    flags: '--stage <duration:target>',
    help: 'a ramp stage (ramping-vus, or with --executor ramping-arrival-rate)',
    repeatable: true,
  },
  {
    key: 'executor',
    flags: '--executor <name>',
    help: 'the executor, when the flags above do not pick the one you want',
    choices: EXECUTOR_NAMES,
    api: {
      field: 'executor',
      schema: { enum: ['externally-controlled'] },
      form: {
        label: 'Externally controlled (change the rate or the VUs live from the run view)',
        input: 'switch',
        value: 'externally-controlled',
        testId: 'new-external',
      },
    },
  },
  {
    key: 'think',
    flags: '--think <time|min-max>',
    help: "think time after each request, e.g. '1s' or '1-3s' (uniform)",
  },
  {
    key: 'method',
    flags: '-X, --method <method>',
    help: 'HTTP method (default GET, or POST with --body)',
    api: {
      field: 'method',
      schema: { type: 'string', pattern: '^[A-Za-z]+$', maxLength: 20 },
      form: { label: 'Method', input: 'select', choices: METHODS, initial: 'GET', testId: 'new-method' },
    },
  },
  {
    key: 'header',
    flags: '-H, --header <header>',
    help: "request header 'Name: value' (repeatable)",
    repeatable: true,
    api: {
      field: 'headers',
      schema: {
        type: 'object',
        propertyNames: { pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", maxLength: 256 },
        additionalProperties: { type: 'string', pattern: '^[^\\r\\n]*$', maxLength: 16_384 },
        maxProperties: 100,
      },
      toFlag: (v) => Object.entries(v as Record<string, string>).map(([k, x]) => `${k}: ${x}`),
      form: {
        label: 'Headers',
        hint: 'Name: value, one per line',
        input: 'pairs',
        placeholder: 'Authorization: Bearer abc\nAccept: application/json',
        testId: 'new-headers',
      },
    },
  },
  {
    key: 'body',
    flags: '--body <body>',
    help: 'request body, or @file to read it from a file',
    api: {
      field: 'body',
      schema: { type: 'string', maxLength: 1_000_000 },
      form: { label: 'Body', input: 'textarea', placeholder: '{"name": "volley"}', testId: 'new-body' },
    },
  },
  {
    key: 'timeout',
    flags: '--timeout <time>',
    help: 'request timeout (default 10s)',
    api: {
      field: 'timeout',
      schema: DURATION_SCHEMA,
      form: { label: 'Timeout', input: 'text', placeholder: '10s', testId: 'new-timeout' },
    },
  },
  { key: 'maxRedirects', flags: '--max-redirects <n>', help: 'follow up to n redirects (default 0: off)' },
  {
    key: 'threshold',
    flags: '--threshold <metric:expr>',
    help: "SLO, e.g. 'http_req_duration:p(99)<100' (repeatable; add :abortOnFail[=delay])",
    repeatable: true,
    api: {
      field: 'thresholds',
      schema: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 1024 }, maxItems: 100 },
      form: {
        label: 'Thresholds',
        hint: 'metric:expression, one per line',
        input: 'lines',
        initial: 'http_req_duration:p(99)<500\nhttp_req_failed:rate<0.01',
        testId: 'new-thresholds',
      },
    },
  },
  {
    key: 'thresholds',
    flags: '--no-thresholds',
    help: 'run without evaluating thresholds: they show as skipped and cannot fail the run (k6 --no-thresholds)',
  },
  {
    key: 'summaryTrendStats',
    flags: '--summary-trend-stats <list>',
    help: "trend statistics the summary shows, e.g. 'avg,min,med,max,p(90),p(95),p(99),p(99.9)' (avg, min, med, max, count, p(N))",
  },
  {
    key: 'allowConcurrent',
    flags: '--allow-concurrent',
    // Not an API field: `volley serve` runs one run at a time per store (409 for any active run).
    help: 'run even when another active run in the store targets the same host:port',
  },
  {
    key: 'httpDebug',
    flags: '--http-debug [full]',
    help: "print each HTTP request's and response's head to stderr (full: the bodies too, truncated); slow: for debugging runs",
  },
  {
    key: 'out',
    flags: '--out <kind=target>',
    help: 'json=FILE|- (summary), ndjson=FILE|- (a line per second), csv=FILE|- (a row per second), html=FILE, junit=FILE, prometheus[=HOST:PORT] (scrape endpoint), otlp=URL (OTLP/HTTP push) (repeatable; docs/outputs.md)',
    repeatable: true,
  },
  {
    key: 'workers',
    flags: '--workers <n|auto>',
    help: 'worker threads (default auto: one per core)',
    default: 'auto',
  },
  {
    key: 'nats',
    flags: '--nats <url>',
    help: 'run on agents (volley agent) over NATS: nats://host:4222 (default $VOLLEY_NATS_URL when --agents is given; docs/distributed.md)',
  },
  {
    key: 'agents',
    flags: '--agents <n|all>',
    help: 'with --nats: how many agents share the load, weighted by their threads (default all idle ones)',
    api: {
      field: 'agents',
      schema: { anyOf: [{ type: 'integer', minimum: 1, maximum: 10_000 }, { const: 'all' }] },
      toFlag: asString,
      fileRuns: true,
      invalid: "must be an integer from 1 to 10000, or 'all'",
      form: {
        label: 'Agents',
        hint: 'a number, or all idle ones; empty: run here',
        input: 'count',
        choices: ['all'],
        placeholder: '2 or all',
        requires: 'agent-pool',
        testId: 'new-agents',
      },
    },
  },
  {
    key: 'agentTags',
    flags: '--agent-tags <k=v,...>',
    help: 'with --nats: only agents with these tags (volley agent --tags)',
    api: {
      field: 'agentTags',
      schema: { type: 'string', pattern: AGENT_TAGS_PATTERN, maxLength: 1024 },
      fileRuns: true,
      invalid: 'must be key=value pairs, comma-separated (zone=eu,size=large), at most 1024 characters',
      form: {
        label: 'Agent tags',
        hint: 'k=v,k2=v2',
        input: 'text',
        placeholder: 'zone=eu',
        requires: 'agent-pool',
        testId: 'new-agent-tags',
      },
    },
  },
  {
    key: 'agentsWait',
    flags: '--agents-wait <time>',
    help: 'with --nats: how long to wait for enough idle agents (default 10s)',
  },
  { key: 'natsCreds', flags: '--nats-creds <file>', help: 'NATS credentials file (or $VOLLEY_NATS_CREDS)' },
  { key: 'natsToken', flags: '--nats-token <token>', help: 'NATS token (or $VOLLEY_NATS_TOKEN)' },
  {
    key: 'natsUser',
    flags: '--nats-user <user>',
    help: 'NATS user, with --nats-password (or $VOLLEY_NATS_USER)',
  },
  {
    key: 'natsPassword',
    flags: '--nats-password <password>',
    help: 'NATS password (or $VOLLEY_NATS_PASSWORD)',
  },
  { key: 'tag', flags: '--tag <name=value>', help: 'tag every sample (repeatable)', repeatable: true },
  {
    key: 'grace',
    flags: '--grace <time>',
    help: 'on SIGINT/SIGTERM or abortOnFail: time in-flight requests get to finish',
    default: '5s',
  },
  {
    key: 'gracefulStop',
    flags: '--graceful-stop <time>',
    help: 'at the natural end: time in-flight iterations get to finish (default 30s)',
  },
  {
    key: 'precise',
    flags: '--precise',
    help: 'open loop: dispatch arrivals with sub-millisecond accuracy by polling (uses more CPU)',
  },
  {
    key: 'wsMessagesPerSession',
    flags: '--ws-messages-per-session <n>',
    help: 'ws:// URLs: messages a VU sends on one session before reconnecting (default 0: keep the session)',
  },
  { key: 'insecure', flags: '--insecure', help: 'skip TLS certificate verification' },
  {
    key: 'http2',
    flags: '--http2',
    help: 'HTTP/2: h2 over TLS (ALPN), h2c with prior knowledge for http:// URLs',
    api: {
      field: 'http2',
      schema: { type: 'boolean' },
      form: { label: 'HTTP/2 (h2 over TLS, h2c for http://)', input: 'switch', testId: 'new-http2' },
    },
  },
  {
    key: 'http2Connections',
    flags: '--http2-connections <n>',
    help: "HTTP/2: most connections per VU (default 1); a VU's concurrent requests are streams on them",
  },
  {
    key: 'http2Streams',
    flags: '--http2-streams <n>',
    help: 'HTTP/2: n VUs share one connection, a stream each (h2load -c C -m M is --vus C*M --http2-streams M)',
  },
  {
    key: 'expectedStatus',
    flags: '--expected-status <list>',
    help: 'statuses that count as a success in http_req_failed, e.g. 200-399,404 (default 200-399)',
  },
  { key: 'ca', flags: '--ca <file>', help: 'TLS: PEM file of a CA to trust besides the system ones' },
  { key: 'cert', flags: '--cert <file>', help: 'TLS: PEM file of a client certificate (with --key)' },
  { key: 'key', flags: '--key <file>', help: 'TLS: PEM file of the client key (with --cert)' },
  {
    key: 'proxy',
    flags: '--proxy <url>',
    help: 'send every request through this forward proxy (http://host:port; CONNECT for https)',
  },
  { key: 'grpc', flags: '--grpc <host:port>', help: 'quick mode over gRPC: the server every call goes to' },
  {
    key: 'proto',
    flags: '--proto <file>',
    help: 'gRPC: a .proto file to load (repeatable; without it, server reflection)',
    repeatable: true,
  },
  {
    key: 'importPath',
    flags: '--import-path <dir>',
    help: 'gRPC: a directory .proto imports resolve against (repeatable)',
    repeatable: true,
  },
  { key: 'call', flags: '--call <pkg.Service/Method>', help: 'gRPC: the unary method every call invokes' },
  {
    key: 'data',
    flags: '--data <json>',
    help: 'gRPC: the request message as JSON, or @file; {{iteration}} and {{uuid}} change per call',
  },
  {
    key: 'metadata',
    flags: '--metadata <metadata>',
    help: "gRPC: call metadata 'key: value' (repeatable)",
    repeatable: true,
  },
  {
    key: 'tls',
    flags: '--tls',
    help: 'gRPC: connect with TLS (default plaintext; --ca/--cert/--key imply it)',
  },
  {
    key: 'grpcChannel',
    flags: '--grpc-channel <vu|worker>',
    help: 'gRPC: one channel per VU (default) or one per worker thread',
    choices: ['vu', 'worker'],
  },
  {
    key: 'fastPath',
    flags: '--no-fast-path',
    help: 'send plain HTTP/1.1 through undici instead of the raw-socket fast path',
  },
  { key: 'preflight', flags: '--no-preflight', help: 'skip the connection check made before the run' },
  {
    key: 'db',
    flags: '--db <path>',
    help: 'run store to record the run in (default $VOLLEY_DB or ~/.volley/volley.db)',
  },
  { key: 'store', flags: '--no-store', help: 'do not record the run in the run store' },
  {
    key: 'monitorPid',
    flags: '--monitor-pid <pid>',
    help: 'watch a target process: CPU, memory, threads, fds (repeatable)',
    repeatable: true,
  },
  {
    key: 'monitorPrometheus',
    flags: '--monitor-prometheus <url>',
    help: "scrape a target's Prometheus endpoint during the run (repeatable)",
    repeatable: true,
  },
  {
    key: 'monitorSeries',
    flags: '--monitor-series <names>',
    help: 'series to record from --monitor-prometheus: name or name{label="v"}, comma-separated (repeatable)',
    repeatable: true,
  },
  {
    key: 'monitorInterval',
    flags: '--monitor-interval <time>',
    help: 'how often --monitor-prometheus scrapes (default 5s)',
  },
  {
    key: 'monitorProcessName',
    flags: '--monitor-process-name <name>',
    help: 'watch every process of this name, as --monitor-pid (repeatable)',
    repeatable: true,
  },
  {
    key: 'monitorMemoryLimit',
    flags: '--monitor-memory-limit <size>',
    help: "the target's memory limit (512MB, 1GiB): target_memory_percent is its RSS over it",
  },
  {
    key: 'headroom',
    flags: '--headroom <share>',
    help: 'capacity plan of a ramping run: share of the highest passing load to leave unused (default 30%)',
  },
  { key: 'quiet', flags: '-q, --quiet', help: 'no progress and no terminal summary' },
];

const API_OPTIONS = RUN_OPTIONS.flatMap((o) => (o.api ? [{ key: o.key, api: o.api }] : []));

/** The JSON Schema of a quick-mode body (POST /api/runs with `url`). */
export const QUICK_BODY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: API_OPTIONS.filter((o) => o.api.required).map((o) => o.api.field),
  properties: {
    ...Object.fromEntries(API_OPTIONS.map((o) => [o.api.field, o.api.schema])),
    monitor: MONITOR_BODY_SCHEMA,
  },
};

/** The fields a test-file body (`script`, `config`) accepts besides its own, as JSON Schema properties. */
export const FILE_RUN_PROPERTIES: Record<string, Record<string, unknown>> = {
  ...Object.fromEntries(API_OPTIONS.filter((o) => o.api.fileRuns).map((o) => [o.api.field, o.api.schema])),
  monitor: MONITOR_BODY_SCHEMA,
};

/** Per body field, the one problem its refused value is reported as (when the option says it). */
export const FIELD_PROBLEMS: Readonly<Record<string, string>> = Object.fromEntries(
  API_OPTIONS.flatMap((o) => (o.api.invalid ? [[o.api.field, o.api.invalid]] : [])),
);

/** The body fields that need the server's agent pool (`volley serve --nats`). */
export const AGENT_POOL_FIELDS: readonly (keyof QuickRunBody)[] = API_OPTIONS.filter(
  (o) => o.api.form.requires === 'agent-pool',
).map((o) => o.api.field);

/** The body fields that are durations (each is bounded by MAX_DURATION_MS after the schema). */
export const DURATION_FIELDS: readonly (keyof QuickRunBody)[] = API_OPTIONS.filter(
  (o) => o.api.schema === DURATION_SCHEMA,
).map((o) => o.api.field);

/** A validated quick-mode body as `volley run` flags; the body text is always literal (never `@file`). */
export function quickBodyFlags(body: QuickRunBody): Record<string, unknown> {
  const flags: Record<string, unknown> = { header: [], threshold: [], stage: [], literalBody: true };
  for (const { key, api } of API_OPTIONS) {
    const value = body[api.field];
    if (value !== undefined) flags[key] = api.toFlag ? api.toFlag(value) : value;
  }
  if (body.monitor !== undefined) flags.monitorOptions = body.monitor;
  return flags;
}

/** A test-file body's run options (FILE_RUN_PROPERTIES) as `volley run` flags. */
export function fileBodyFlags(body: FileRunOptions): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const { key, api } of API_OPTIONS) {
    if (!api.fileRuns) continue;
    const value = body[api.field as keyof FileRunOptions];
    if (value !== undefined) flags[key] = api.toFlag ? api.toFlag(value) : value;
  }
  if (body.monitor !== undefined) flags.monitorOptions = body.monitor;
  return flags;
}

/** What `GET /api/run-options` answers. */
export function runOptionsResponse(): RunOptionsResponse {
  return {
    fields: API_OPTIONS.map(({ api }) => ({
      field: api.field,
      required: api.required === true,
      ...api.form,
    })),
  };
}
