/**
 * A test run on this machine: the engine's TestRun with one thread generator per worker. What the
 * session, the library API and the engine tests use when nothing else generates the load.
 */
import { TestRun, type PreparedTest, type RunListener, type TestRunOptions } from '../engine/run.js';
import { threadGenerators } from './thread/thread-generator.js';

export function localTestRun(
  test: PreparedTest,
  listeners: RunListener[] = [],
  runId?: string,
  options: Omit<TestRunOptions, 'generators'> = {},
): TestRun {
  return new TestRun(test, listeners, runId, { ...options, generators: threadGenerators });
}
