/** Configuration shapes: what users write (durations as strings) and what the engine runs. */
import type { SharedDataTransfer } from '../script/data/shared-data.js';

/** How a worker loads the same test file the main thread loaded. */
export type ScriptRef =
  | { kind: 'bundle'; bundlePath: string; scriptPath: string; trackVu: boolean }
  | { kind: 'declarative'; path: string };

/** A script or declarative test: what every worker needs besides the scenarios. */
export interface ScriptAttachment {
  ref: ScriptRef;
  /** `-e KEY=VALUE`: set in every worker's process.env before the script loads. */
  env: Record<string, string>;
  /** What `setup()` returned (structured-cloned into each worker). */
  setupData: unknown;
  /** Data files the main thread loaded, shared (not copied) with the workers. */
  data: SharedDataTransfer[];
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

export interface TestConfig {
  scenarios: Record<string, ScenarioConfig>;
  thresholds: Record<string, ThresholdSpec[]>;
  /** Quick mode's request; scripts supply their own iteration functions instead. */
  request?: QuickRequest;
  /** Script mode: the test file every worker loads. */
  script?: ScriptAttachment;
  /** Worker threads (0 = one per core). */
  workers: number;
  /** HTTP options shared by every VU. */
  http: { fastPath: boolean; insecureSkipTLSVerify: boolean; http2: boolean };
  /** Grace period for in-flight iterations after SIGINT/SIGTERM or abortOnFail, in ms. */
  stopGraceMs: number;
  /** Extra tags on every sample. */
  tags: Record<string, string>;
  /** Open loop: poll for sub-millisecond dispatch (costs a busy event loop) instead of 1 ms timers. */
  preciseSchedule: boolean;
  /** Width of the "current" percentile window, in seconds. */
  windowSeconds: number;
}
