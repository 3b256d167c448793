/** Configuration shapes: what users write (durations as strings) and what the engine runs. */

/** How this process imports a test file: a bundle on its own disk, or a declarative file. */
export type ScriptRef =
  | { kind: 'bundle'; bundlePath: string; scriptPath: string; trackVu: boolean }
  | {
      kind: 'declarative';
      path: string;
      /** The file's text when this machine does not hold it at `path` (a generator elsewhere). */
      text?: string;
    };

/**
 * A test file as every generator receives it, wherever it runs: the content and its sha256 digest
 * (hex), so a generator needs no shared disk and can check what it got.
 */
export type ScriptSource =
  | {
      kind: 'bundle';
      /** The user's script (absolute): names it in messages; relative data paths resolve against its folder. */
      scriptPath: string;
      /** The script imports a free function that needs to know its VU (check, group, sleep, metrics). */
      trackVu: boolean;
      /** The bundled ES module. */
      code: string;
      sha256: string;
      /** The absolute path of 'volley' the bundle imports: a generator re-points it at its own volley. */
      volleyEntry: string;
    }
  | {
      kind: 'declarative';
      /** The YAML/JSON file (absolute). */
      path: string;
      text: string;
      sha256: string;
    };

/**
 * A data file (`data.csv()`, `data.json()`) in its portable form: the bytes and their digest, with
 * how the script asked to read them. A generator indexes the rows itself; threads of this process
 * share one SharedArrayBuffer instead (src/script/data/shared-data.ts).
 */
export interface DataFile {
  /** Identifies the file and the options it was read with. */
  key: string;
  /** `file`: bytes read whole (`data.file()`, e.g. an upload), no rows. */
  kind: 'csv' | 'json' | 'file';
  /** Absolute path of the file where the test was loaded. */
  path: string;
  /** The file's bytes, exactly as on disk (in this process, a view of the shared copy). */
  bytes: Uint8Array;
  sha256: string;
  rows: number;
  /** CSV: the field delimiter (one ASCII character). */
  delimiter?: string;
  /** CSV: whether the first row was read as the column names. */
  header?: boolean;
}

/** A script or declarative test: what every generator needs besides the scenarios. Serialisable. */
export interface ScriptAttachment {
  ref: ScriptSource;
  /**
   * Where the bundle already lies on this machine: a shortcut for generators here (threads), used
   * only when its content matches `ref.sha256`. A generator without it writes `ref.code` itself.
   */
  localBundlePath?: string;
  /** `-e KEY=VALUE`: set in every generator's process.env before the script loads. */
  env: Record<string, string>;
  /** What `setup()` returned (plain data: copied to each generator). */
  setupData: unknown;
  /** Data files the test loaded, with their content. */
  data: DataFile[];
}

export interface StageConfig {
  duration: string | number;
  target: number;
  /** What this stage is for (`warm-up`, `spike`): presets name theirs; `volley inspect` shows it. */
  phase?: string;
}

/** One scenario as written by a user (k6 field names). Executor-specific fields are validated by the executor. */
export interface ScenarioConfig {
  executor: string;
  startTime?: string;
  gracefulStop?: string;
  tags?: Record<string, string>;
  /** Name of the iteration function (scripts) — quick mode uses its built-in request. */
  exec?: string;
  vus?: number;
  duration?: string | number;
  iterations?: number;
  maxDuration?: string | number;
  startVUs?: number;
  stages?: StageConfig[];
  gracefulRampDown?: string;
  rate?: number;
  startRate?: number;
  timeUnit?: string;
  preAllocatedVUs?: number;
  maxVUs?: number;
  /** Arrival-rate only: iterations allowed to wait for a free VU before they are dropped. */
  maxQueue?: number;
}

export interface ThresholdObject {
  threshold: string;
  abortOnFail?: boolean;
  delayAbortEval?: string;
}

export type ThresholdSpec = string | ThresholdObject;

/** The request that quick mode (`volley run --url`) sends on every iteration. */
export interface QuickRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Body as text (the CLI resolved `@file` already). */
  body?: string;
  timeoutMs: number;
  maxRedirects: number;
  /** Think time after each request, uniform in [min, max] ms (0 = none). */
  thinkMs?: { min: number; max: number };
}

/** The unary call quick mode over gRPC (`volley run --grpc`) makes on every iteration. */
export interface GrpcQuickRequest {
  /** `host:port`. */
  target: string;
  /** `pkg.Service/Method`. */
  method: string;
  /** Empty: the definitions come from server reflection. */
  protoFiles: string[];
  importPaths: string[];
  /** The request message as JSON text; `{{iteration}}` and `{{uuid}}` are replaced per call. */
  data: string;
  metadata: Record<string, string>;
  deadlineMs: number;
  /** Absent: plaintext. PEM text (never paths). */
  tls?: { ca?: string; cert?: string; key?: string; insecureSkipVerify?: boolean };
}

/** A custom CA and a client certificate, as PEM text (never paths: a generator elsewhere has no files). */
export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
  passphrase?: string;
}

export interface TestConfig {
  scenarios: Record<string, ScenarioConfig>;
  thresholds: Record<string, ThresholdSpec[]>;
  /** Quick mode's request; scripts supply their own iteration functions instead. */
  request?: QuickRequest;
  /** Quick mode over gRPC (`--grpc`): the call instead of `request`. */
  grpcRequest?: GrpcQuickRequest;
  /** Script mode: the test file every worker loads. */
  script?: ScriptAttachment;
  /** Worker threads (0 = one per core). */
  workers: number;
  /** HTTP options shared by every VU. */
  http: {
    fastPath: boolean;
    insecureSkipTLSVerify: boolean;
    http2: boolean;
    /** HTTP/2: most connections per VU and origin (default 1); concurrent requests are streams on them. */
    http2Connections?: number;
    /** HTTP/2: VUs sharing one connection (default 1). */
    http2Streams?: number;
    /** Statuses that count as a success (default 200-399): codes and inclusive ranges. */
    expectedStatuses?: (number | { min: number; max: number })[];
    /** TLS material as PEM text (read from the files when the test loaded): plain data for the workers. */
    tls?: TlsMaterial;
    /** Forward proxy every request goes through, `http://host:port`. */
    proxy?: string;
    /** `--http-debug[=full]`: print each request's and response's head (full: bodies too) to stderr. */
    debug?: 'headers' | 'full';
  };
  /** gRPC options shared by every VU (`channel`: one per VU, default, or one per worker). */
  grpc?: { channel?: 'vu' | 'worker' };
  /** WebSocket options (quick mode's session length); TLS settings come from `http`. */
  ws?: { messagesPerSession?: number };
  /** Grace period for in-flight iterations after SIGINT/SIGTERM or abortOnFail, in ms. */
  stopGraceMs: number;
  /** Extra tags on every sample. */
  tags: Record<string, string>;
  /** Open loop: poll for sub-millisecond dispatch (costs a busy event loop) instead of 1 ms timers. */
  preciseSchedule: boolean;
  /** Width of the "current" percentile window, in seconds. */
  windowSeconds: number;
  /** The capacity plan's headroom, 0..1 (`--headroom`, option `capacityHeadroom`; default 0.3). */
  capacityHeadroom?: number;
  /** The resource monitor a test file (option `monitor`) or an API body asks for, besides `--monitor-*` flags. */
  monitor?: MonitorOptions;
  /** `--summary-trend-stats`: the trend statistics the summary shows, in this order (default: k6's). */
  summaryTrendStats?: string[];
}

/**
 * The resource monitor as a test file's `monitor` option and an API body's `monitor` field
 * (src/monitor/index.ts plans it with the `--monitor-*` flags).
 */
export interface MonitorOptions {
  /** Processes on this machine to watch through /proc. */
  pids?: number[];
  /** Watch every process whose name (/proc/PID/comm) or command line's first word is this. */
  processName?: string;
  /** A Prometheus endpoint to scrape, and the series to record (`name` or `name{label="v"}`). */
  prometheus?: { url: string; series: string[] };
  /** How often the Prometheus endpoint is scraped (default 5s, at least 1s). */
  interval?: string;
  /**
   * The target's memory limit (`512MB`, `1GiB`): `target_memory_percent` is its RSS as a share of
   * it. Without one, a cgroup v2 limit of the process (memory.max) is used when there is one.
   */
  memoryLimit?: string;
}
