#!/usr/bin/env node
/**
 * The `volley` executable. `volley --version` answers from package.json alone; everything else
 * loads the command line (program.ts), which loads each command's modules only when it runs.
 */
const argv = process.argv.slice(2);

if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const { VERSION } = await import('./version.js');
  process.stdout.write(`${VERSION}\n`);
} else {
  const [{ main }, { processIO }, { ExitCode }] = await Promise.all([
    import('./program.js'),
    import('./io.js'),
    import('./exit-codes.js'),
  ]);
  const io = processIO();
  main(argv, io).then(
    (code) => {
      process.exitCode = code;
      // Workers and sockets are closed by now; a straggler timer must not hold the exit.
      setTimeout(() => process.exit(code), 200).unref();
    },
    (err: unknown) => {
      io.stderr(`internal error: ${String(err)}\n`);
      process.exit(ExitCode.RUNTIME_ERROR);
    },
  );
}

export {};
