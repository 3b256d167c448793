/** The process as the CLI sees it, injected so commands stay testable and library code never touches it. */
export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stderrIsTTY: boolean;
  stdoutIsTTY: boolean;
  ci: boolean;
  color: boolean;
  env: NodeJS.ProcessEnv;
  /**
   * Subscribes to SIGINT/SIGTERM, and with `hangup` to SIGHUP too (a run whose terminal closes
   * stops like SIGTERM: summary written, store updated); returns the unsubscribe.
   */
  onSignals: (cb: (name: string) => void, opts?: { hangup?: boolean }) => () => void;
}

export function processIO(): CliIO {
  const env = process.env;
  const ci = env.CI === 'true' || env.CI === '1';
  // A reader that goes away (`volley run … --out ndjson=- | head -1`) closes the pipe: stop
  // writing to it instead of crashing; the run itself goes on and ends normally.
  let stdoutOpen = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') stdoutOpen = false;
    else throw err;
  });
  return {
    stdout: (s) => void (stdoutOpen && process.stdout.write(s)),
    stderr: (s) => void process.stderr.write(s),
    stderrIsTTY: process.stderr.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    ci,
    color: process.stdout.isTTY === true && env.NO_COLOR === undefined && !ci,
    env,
    onSignals(cb, opts = {}) {
      const int = (): void => cb('SIGINT');
      const term = (): void => cb('SIGTERM');
      const hup = (): void => cb('SIGHUP');
      process.on('SIGINT', int);
      process.on('SIGTERM', term);
      if (opts.hangup) process.on('SIGHUP', hup);
      return () => {
        process.off('SIGINT', int);
        process.off('SIGTERM', term);
        process.off('SIGHUP', hup);
      };
    },
  };
}
