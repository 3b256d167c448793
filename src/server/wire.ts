/**
 * The HTTP and WebSocket contract of `volley serve`: the only types the dashboard (web/) imports.
 * Type-only: nothing here runs, so the dashboard bundle never pulls engine code.
 */
import type { Snapshot } from '../engine/snapshot.js';
import type { LatencyStats } from '../metrics/summary-values.js';
import type { Summary } from '../summary/summary.js';

import type { LiveThreshold, RunListItem, SeriesPoint } from '../store/types.js';
import type { FiringItem, FiringOutcome, ScheduleItem, ScheduleWebhook } from '../store/schedule-store.js';

export type { Snapshot, Summary, LatencyStats };
export type { EndpointSummary } from '../summary/summary.js';
export type { StressResult, ProbeResult, StressCeilingSoFar } from '../analysis/stress.js';
import type { ProbeResult, StressCeilingSoFar } from '../analysis/stress.js';
import type { BenchDocument, BenchEndpointResult } from '../analysis/bench.js';
export type { BenchDocument, BenchEndpointResult } from '../analysis/bench.js';
export type { BenchListItem } from '../store/bench-store.js';
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
      /** A stress search (`POST /api/stress`): its probes ended so far and the ceiling they bound. */
      stress?: { probes: ProbeResult[]; soFar: StressCeilingSoFar };
    }
  /** A stress search's probe ended: its numbers, its verdict, and the ceiling so far. */
  | { type: 'probe'; probe: ProbeResult; index: number; soFar: StressCeilingSoFar }
  | { type: 'snapshot'; snapshot: Snapshot; point: SeriesPoint }
  | { type: 'thresholds'; thresholds: LiveThreshold[] }
  /** Status changes (starting → running → finished/error); the last one carries the verdict. */
  | { type: 'status'; run: RunListItem };

/**
 * `POST /api/stress`: `volley stress` from the API. Durations as text ('1s'), shares as
 * numbers 0..1 or text ('5%'); every field but url has the CLI's default.
 */
export interface StressRunBody {
  /** Quick mode: one request at rising rates. Give url or script. */
  url?: string;
  /** A test file in --scripts whose one scenario (or `scenario`) becomes each probe's load. */
  script?: string;
  scenario?: string;
  env?: Record<string, string>;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeout?: string;
  startRate?: number;
  maxRate?: number;
  probeDuration?: string;
  cooldown?: string;
  errorThreshold?: number | string;
  slos?: string[];
  resolution?: number | string;
  maxVus?: number;
  maxProbes?: number;
  workers?: number;
  insecure?: boolean;
}

/** `POST /api/bench`: `volley bench` from the API; endpoints are 'METHOD /path' relative to url. */
export interface BenchRunBody {
  url: string;
  endpoints: string[];
  concurrency?: number;
  duration?: string;
  warmup?: string;
  headers?: Record<string, string>;
  timeout?: string;
  maxErrorRate?: number | string;
  workers?: number;
  insecure?: boolean;
}

/** One endpoint in one stored bench: a point of its trend across benches. */
export interface BenchHistoryEntry {
  benchId: string;
  createdAt: string;
  concurrency: number;
  durationMs: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errorRate: number;
  failed: boolean;
}

/**
 * `GET /api/benches/:id`: a bench measuring (`status: 'running'`, the endpoints done so far), one
 * that ended without being stored (stopped, failed), or a stored one with every endpoint's history
 * across every stored bench of the same base URL, oldest first (the one shown included).
 */
export interface BenchDetail {
  id: string;
  status: 'running' | 'finished' | 'stopped' | 'error';
  /** Endpoints measured so far (running) or in the stored document. */
  endpoints: BenchEndpointResult[];
  /** Endpoints the bench measures in all (while running). */
  total: number | null;
  error: string | null;
  bench: BenchDocument | null;
  /** By endpoint label, 'GET /path'. */
  history: Record<string, BenchHistoryEntry[]>;
}

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

export type {
  FiringItem,
  FiringOutcome,
  ScheduleItem,
  ScheduleWebhook,
  WebhookDelivery,
} from '../store/schedule-store.js';

/** `GET /api/schedules`: a schedule with when it fires next (null when paused) and its last firing. */
export interface ScheduleListItem extends ScheduleItem {
  nextFireAt: string | null;
  lastFiring: FiringItem | null;
}

/** `POST /api/schedules`. */
export interface CreateScheduleBody {
  name?: string;
  /** 5 fields, or 6 with seconds first (`*\/30 * * * * *`). */
  cron: string;
  /** A quick-mode body (`url`, …) or a test file of the scripts folder (`script`), as POST /api/runs takes. */
  run: CreateRunBody;
  /** A run id, or `previous` (default). */
  baseline?: string;
  /** `10%` or `0.1` (default 10%). */
  tolerance?: string | number;
  webhooks?: ScheduleWebhook[];
  paused?: boolean;
}

/** `PATCH /api/schedules/:id`: any of the create fields. */
export type PatchScheduleBody = Partial<CreateScheduleBody>;

/** What a schedule's `json` webhook receives (its `slack` webhook gets `{ text, blocks }` built from it). */
export interface ScheduleWebhookBody {
  schema: 'volley.schedule-firing/1';
  schedule: { id: string; name: string; cron: string };
  firedAt: string;
  /** The firing's outcome: failed (SLOs), regressed, error. */
  verdict: FiringOutcome;
  runId: string | null;
  /** The run's own SLO verdict. */
  runVerdict: string | null;
  regressed: boolean;
  /** `volley compare`'s regression messages. */
  regressions: string[];
  baselineRunId: string | null;
  tolerance: number;
  /** The run's page on the dashboard. */
  dashboardUrl: string;
  error: string | null;
}
