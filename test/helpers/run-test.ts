/** Runs a test in-process through the library API (TestRun), for engine tests. */
import { localTestRun } from '../../src/generators/local-run.js';
import { prepareTest } from '../../src/loader/prepare.js';
import type { ScenarioConfig, TestConfig, ThresholdSpec } from '../../src/config/types.js';
import type { TestRun, RunListener, RunResult } from '../../src/engine/run.js';
import type { Snapshot } from '../../src/engine/snapshot.js';
import type { LoadOptions } from '../../src/loader/load-test.js';

/** loadTest's options for a test file run in this process on 2 workers, nothing else asked for. */
export const IN_PROCESS_LOAD: LoadOptions = {
  env: {},
  workers: 2,
  fastPath: true,
  insecureSkipTLSVerify: false,
  stopGraceMs: 1000,
  tags: {},
  preciseSchedule: false,
  thresholds: {},
};

export interface TestRunOptions {
  url: string;
  scenarios: Record<string, ScenarioConfig>;
  thresholds?: Record<string, ThresholdSpec[]>;
  workers?: number;
  method?: string;
  listeners?: RunListener[];
  precise?: boolean;
  /** The raw-socket HTTP/1.1 client (default true; false: undici). */
  fastPath?: boolean;
}

export function testConfig(o: TestRunOptions): TestConfig {
  return {
    scenarios: o.scenarios,
    thresholds: o.thresholds ?? {},
    request: { method: o.method ?? 'GET', url: o.url, headers: {}, timeoutMs: 10_000, maxRedirects: 0 },
    workers: o.workers ?? 2,
    http: { fastPath: o.fastPath ?? true, insecureSkipTLSVerify: false, http2: false },
    stopGraceMs: 2000,
    tags: {},
    windowSeconds: 10,
    preciseSchedule: o.precise ?? false,
  };
}

export async function runTest(
  o: TestRunOptions,
): Promise<{ result: RunResult; snapshots: Snapshot[]; run: TestRun }> {
  const snapshots: Snapshot[] = [];
  const run = localTestRun(prepareTest(testConfig(o)), [
    { onSnapshot: (s) => void snapshots.push(s) },
    ...(o.listeners ?? []),
  ]);
  const result = await run.run();
  return { result, snapshots, run };
}

export const total = (result: RunResult, metric: string, filter?: Record<string, string>): number => {
  const st = result.aggregator.total(metric, filter);
  if (!st) return 0;
  return st.type === 'counter' ? st.sum : st.count;
};
