/**
 * The process that runs one API-started run (forked by `volley serve`). It runs exactly what
 * `volley run` runs — same validation, store recording and exit codes — and streams the run's
 * events to the server over IPC; the server's stop and live-control requests arrive the same way.
 */
import type { TestRun, RunListener } from '../engine/run.js';
import { VolleyError } from '../errors.js';
import type { StopRequest } from '../session/run-test.js';
import type { JobToServer, RunJob, ServerToJob } from '../server/job-protocol.js';
import { JOB_PROTOCOL_VERSION } from '../server/job-protocol.js';
import { liveThresholds } from '../summary/series-point.js';
import { ExitCode, exitCodeForError } from './exit-codes.js';
import { processIO } from './io.js';
import { runCommand, type RunFlags } from './run-command.js';
import { stressCommand, type StressFlags } from './stress-command.js';
import { benchCommand, type BenchFlags } from './bench-command.js';

function send(msg: JobToServer): void {
  if (process.connected) process.send?.(msg);
}

const relay: RunListener = {
  onStart: (info) => send({ type: 'started', startedAt: info.startedAt.toISOString() }),
  onSnapshot: (snapshot) => send({ type: 'snapshot', snapshot }),
  // Full precision (src/summary/series-point.ts): the dashboard rounds for display.
  onThresholds: (results) => send({ type: 'thresholds', thresholds: liveThresholds(results) }),
};

/** How long in-flight requests get when the server is gone: the load must stop within 5 s. */
const SERVER_GONE_GRACE_MS = 2000;

async function runJob(job: RunJob): Promise<number> {
  let run: TestRun | undefined;
  let ended = false;
  // The first stop is the run's (its reason and detail are the summary's); a later one, say the
  // server going away after a Stop, can only shorten the grace. The session applies a stop asked
  // before the run exists as soon as it does.
  const firstStop = new AbortController();
  const laterStop = new AbortController();
  const stop = (detail: string, graceMs?: number): void => {
    const request: StopRequest = { reason: 'api', detail };
    if (graceMs !== undefined) request.graceMs = graceMs;
    if (!firstStop.signal.aborted) firstStop.abort(request);
    // Without a grace of its own, a later stop would change nothing: the run already has the test's grace.
    else if (graceMs !== undefined && !laterStop.signal.aborted) laterStop.abort(request);
  };
  // Dead-man switch: a run must never outlive the server that started it (nobody could stop it).
  // The IPC channel closes when the server exits, however it died; the parent pid changing
  // (re-parented to init) is the fallback should the channel linger.
  const serverGone = (how: string): void => {
    if (ended) return;
    stop(
      `the server that started this run is gone (${how}): stopped, and what it measured is stored`,
      SERVER_GONE_GRACE_MS,
    );
  };
  process.once('disconnect', () => serverGone('its IPC channel closed'));
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) serverGone(`its process ${parent} exited`);
  }, 1000);
  watch.unref();
  // With the server gone, its end of the stderr pipe is closed: writing there must not kill the
  // run before it stores its summary (nobody is left to read those lines).
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  process.on('message', (m: ServerToJob) => {
    if (m.type === 'stop') {
      stop('stopped from the API');
    } else if (m.type === 'control') {
      try {
        const change: { vus?: number; ratePerSec?: number } = {};
        if (m.vus !== undefined) change.vus = m.vus;
        if (m.ratePerSec !== undefined) change.ratePerSec = m.ratePerSec;
        if (!run) throw new VolleyError('INVALID_USAGE', 'the run has not started yet');
        run.control(m.scenario, change);
        if (m.requestId !== undefined) send({ type: 'control-result', requestId: m.requestId });
      } catch (err) {
        const error = (err as Error).message;
        if (m.requestId !== undefined) send({ type: 'control-result', requestId: m.requestId, error });
        else send({ type: 'control-error', error });
      }
    }
  });
  const io = processIO();
  const flags = {
    ...(job.flags as RunFlags),
    runId: job.id,
    source: job.source,
    db: job.db,
    quiet: true,
  };
  try {
    const kind = job.kind ?? 'run';
    const code =
      kind === 'stress'
        ? await stressCommand(flags as StressFlags, io, job.file, {
            listeners: [relay],
            signal: firstStop.signal,
            onProbe: (probe, index, soFar) => send({ type: 'probe', probe, index, soFar }),
          })
        : kind === 'bench'
          ? await benchCommand({ ...(job.flags as BenchFlags), db: job.db, quiet: true }, io, {
              signal: firstStop.signal,
              onEndpoint: (result, index, total) => send({ type: 'endpoint', result, index, total }),
            })
          : await runCommand(flags, io, job.file, {
              listeners: [relay],
              signal: firstStop.signal,
              stopNow: laterStop.signal,
              onRun: (r) => (run = r),
            });
    ended = true;
    clearInterval(watch);
    send({ type: 'done', exitCode: code });
    return code;
  } catch (err) {
    const exitCode = err instanceof VolleyError ? exitCodeForError(err.code) : ExitCode.RUNTIME_ERROR;
    const details = err instanceof VolleyError ? [...err.details] : [];
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(
      `error: ${err instanceof Error && !(err instanceof VolleyError) ? (err.stack ?? message) : message}\n`,
    );
    ended = true;
    clearInterval(watch);
    send({ type: 'failed', error: message, details, exitCode });
    return exitCode;
  }
}

process.once('message', (m: ServerToJob) => {
  if (m.type !== 'job' || m.job.protocol !== JOB_PROTOCOL_VERSION) {
    process.stderr.write(
      `run-job: expected a protocol ${JOB_PROTOCOL_VERSION} job, got ${JSON.stringify(m)}\n`,
    );
    process.exit(ExitCode.RUNTIME_ERROR);
  }
  void runJob(m.job).then((code) => {
    process.exitCode = code;
    if (process.connected) process.disconnect?.(); // an already-closed channel would emit an uncaught error
    setTimeout(() => process.exit(code), 200).unref();
  });
});
