/**
 * The HTTP and WebSocket contract of `volley serve`: the only types the dashboard (web/) imports.
 * Type-only: nothing here runs, so the dashboard bundle never pulls engine code.
 */
import type { Snapshot } from '../engine/snapshot.js';
import type { LatencyStats } from '../metrics/summary-values.js';
import type { Summary } from '../summary/summary.js';

import type { LiveThreshold, RunListItem, SeriesPoint } from '../store/types.js';

export type { Snapshot, Summary, LatencyStats };
export type { EndpointSummary } from '../summary/summary.js';
export type { StressResult, ProbeResult } from '../analysis/stress.js';
/** `GET /api/compare?base=ID&new=ID[&tolerance=10%]`: `volley compare` of two stored runs. */
export type {
  Comparison,
  CompareRow,
  EndpointComparison,
  Regression,
  RowStatus,
} from '../analysis/compare.js';
export type {
  ControllableScenario,
  LiveThreshold,
  RunListItem,
  RunSource,
  RunStatus,
  SeriesPoint,
  Verdict,
} from '../store/types.js';

/** `GET /api/runs/:id` */
export interface RunDetail extends RunListItem {
  /** The `--out json` document; null until the run finished. */
  summary: Summary | null;
  /** What was asked for (the POST body), when the run came from the API. */
  request: CreateRunBody | null;
}

export interface SeriesResponse {
  runId: string;
  points: SeriesPoint[];
}

/** Quick mode from the API (its fields are the run options': src/session/run-options.ts). */
export type {
  FileRunOptions,
  QuickRunBody,
  RunFormField,
  RunOptionsResponse,
} from '../session/run-options.js';
import type { FileRunOptions, QuickRunBody } from '../session/run-options.js';
import type { AgentInfo } from '../generators/agent/wire.js';

export type { AgentInfo, AgentState } from '../generators/agent/wire.js';
export type { AgentPart, DistributedSummary } from '../summary/summary.js';
export type { CapacityPlan, CapacityRow } from '../summary/capacity.js';

/** A declarative test document (the YAML/JSON format of docs/yaml.md, as JSON). */
export interface ConfigRunBody extends FileRunOptions {
  config: Record<string, unknown>;
  env?: Record<string, string>;
  scenarios?: string[];
}

/** A test file inside the server's --scripts folder, by path relative to it. */
export interface ScriptRunBody extends FileRunOptions {
  script: string;
  env?: Record<string, string>;
  scenarios?: string[];
}

export type CreateRunBody = QuickRunBody | ConfigRunBody | ScriptRunBody;

/** `PATCH /api/runs/:id`: the scenario defaults to the run's only controllable one. */
export interface ControlRunBody {
  scenario?: string;
  vus?: number;
  rate?: number;
}

/** Messages on the WebSocket `/api/runs/:id/live`. */
export type LiveMessage =
  /** First message: the run as it is, every second measured so far, the latest snapshot. */
  | {
      type: 'hello';
      run: RunListItem;
      points: SeriesPoint[];
      latest: Snapshot | null;
      thresholds: LiveThreshold[];
    }
  | { type: 'snapshot'; snapshot: Snapshot; point: SeriesPoint }
  | { type: 'thresholds'; thresholds: LiveThreshold[] }
  /** Status changes (starting → running → finished/error); the last one carries the verdict. */
  | { type: 'status'; run: RunListItem };

/** `GET /api/system`: the generator host. */
export interface SystemInfo {
  hostname: string;
  cpus: number;
  /** Whole-host CPU busy over the last ~1 s, percent of all cores (0–100). */
  cpuPercent: number;
  loadAverage: number[];
  memory: { totalMB: number; freeMB: number; usedPercent: number };
  serverRssMB: number;
  activeRunId: string | null;
  version: string;
}

/** `GET /api/agents`: the agent pool of `volley serve --nats`. */
export interface AgentsResponse {
  /** The NATS server (without credentials); null when the server has no agent pool. */
  nats: string | null;
  /** Whether the server's NATS connection is up now (false while it reconnects; false without a pool). */
  connected: boolean;
  /** This server's volley version: an agent of another version is refused by runs. */
  controllerVersion: string;
  /** Every agent that answered discovery within ~500 ms, by name. */
  agents: AgentInfo[];
}

/** `GET /api/scripts`: test files in --scripts (relative paths). */
export interface ScriptsResponse {
  dir: string | null;
  scripts: string[];
}

/** Every error response: a message, and every problem when there were several. */
export interface ApiError {
  error: string;
  details?: string[];
}
