/** `volley run`: quick mode today (scripts arrive with the scripting issue). Owns signals, outputs and the exit code. */
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { prepareTest } from '../config/prepare.js';
import { quickConfig, type QuickFlags } from '../config/quick.js';
import { TestRun, type RunResult } from '../engine/run.js';
import { VolleyError } from '../errors.js';
import { NdjsonOutput, parseOutSpec, writeJsonSummary, type OutputSpec } from '../outputs/files.js';
import { preflight } from '../protocols/http/preflight.js';
import { Progress } from '../report/progress.js';
import { buildSummary, type Summary } from '../report/summary.js';
import { renderSummary } from '../report/terminal.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';

export interface RunFlags extends QuickFlags {
  out?: string[];
  preflight?: boolean;
  quiet?: boolean;
}

function checkWritable(spec: OutputSpec): void {
  if (spec.target === '-') return;
  try {
    if (existsSync(spec.target)) accessSync(spec.target, constants.W_OK);
    else accessSync(dirname(resolve(spec.target)), constants.W_OK);
  } catch (err) {
    throw new VolleyError(
      'UNREADABLE_FILE',
      `--out ${spec.kind}=${spec.target}: cannot write there (${(err as NodeJS.ErrnoException).code})`,
    );
  }
}

export function exitCodeFor(summary: Summary, result: RunResult): ExitCodeValue {
  if (result.aborted?.reason === 'signal') return ExitCode.ABORTED_BY_SIGNAL;
  if (!summary.thresholds.ok) return ExitCode.THRESHOLDS_FAILED;
  if (result.workerErrors.length > 0 && (summary.metrics.iterations?.values.count ?? 0) === 0)
    return ExitCode.RUNTIME_ERROR;
  return ExitCode.OK;
}

export async function runCommand(flags: RunFlags, io: CliIO): Promise<ExitCodeValue> {
  const config = quickConfig(flags);
  const test = prepareTest(config);
  const outs = (flags.out ?? []).map(parseOutSpec);
  outs.forEach(checkWritable);
  if (outs.filter((o) => o.target === '-').length > 1) {
    throw new VolleyError('INVALID_USAGE', 'only one --out may write to stdout (-)');
  }
  if (flags.preflight !== false && config.request) {
    await preflight(new URL(config.request.url), 3000, config.http.insecureSkipTLSVerify);
  }
  const dataToStdout = outs.some((o) => o.target === '-');
  const human = dataToStdout ? io.stderr : io.stdout;
  const ndjson = outs.filter((o) => o.kind === 'ndjson').map((o) => new NdjsonOutput(o.target, io.stdout));
  const listeners = [...ndjson];
  if (!flags.quiet)
    listeners.push(
      new Progress({ write: io.stderr, tty: io.stderrIsTTY && !io.ci, plainEverySeconds: 5 }) as never,
    );
  const run = new TestRun(test, listeners);

  let signals = 0;
  const onSignal = (name: string): void => {
    signals++;
    if (signals === 1) {
      io.stderr(
        `\n${name}: stopping — in-flight requests get ${config.stopGraceMs / 1000}s (press Ctrl-C again to stop now)\n`,
      );
      run.stop('signal', `stopped by ${name}`);
    } else {
      run.stop('signal', `stopped by ${name}`, 0);
    }
  };
  const offSignals = io.onSignals(onSignal);
  let result: RunResult;
  try {
    result = await run.run();
  } finally {
    offSignals();
  }
  const summary = buildSummary(result, config);
  for (const o of outs) if (o.kind === 'json') writeJsonSummary(o.target, summary, io.stdout);
  for (const n of ndjson) {
    n.writeSummary(summary);
    n.close();
  }
  if (!flags.quiet) human(renderSummary(summary, { color: io.color }));
  return exitCodeFor(summary, result);
}
