/** The volley command line: every command and option, and how errors become messages and exit codes (main.ts runs it). */
import { Command, CommanderError, Option } from 'commander';
import { VolleyError } from '../errors.js';
import { RUN_OPTIONS, type RunOption } from '../session/run-options.js';
// Commands are imported when they run (await import): `volley --version` must not load esbuild,
// OpenTelemetry, the store or the server. Only their types are imported here.
import type { BenchFlags } from './bench-command.js';
import type { DemoFlags } from './demo-command.js';
import type { ServeFlags } from './serve-command.js';
import type { StressFlags } from './stress-command.js';
import { ExitCode, exitCodeForError, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';
import type { RunFlags } from './run-command.js';

import { VERSION } from './version.js';
const collect = (v: string, prev: string[]): string[] => [...prev, v];
/** `--db`, the same on every command that reads or writes the run store. */
const STORE_OPTION = ['--db <path>', 'run store (default $VOLLEY_DB or ~/.volley/volley.db)'] as const;
type StoreFlagsJson = { db?: string; json?: boolean };

/** A run option as a commander option: repeatable ones collect into a list, choices are checked. */
export function runOption(o: RunOption): Option {
  const option = new Option(o.flags, o.help);
  if (o.repeatable) option.argParser(collect).default([]);
  else if (o.default !== undefined) option.default(o.default);
  if (o.choices) option.choices([...o.choices]);
  if (o.hidden) option.hideHelp();
  return option;
}

/** A `--monitor-*` run option, which `volley stress` and `volley bench` take too. */
function monitorOption(key: string): RunOption {
  const o = RUN_OPTIONS.find((x) => x.key === key);
  if (!o) throw new Error(`no run option ${key}`);
  return o;
}

function program(io: CliIO, setCode: (c: ExitCodeValue) => void): Command {
  const p = new Command('volley')
    .description('Load testing with honest numbers: open-loop arrivals, corrected latency, every core.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)');

  const run = p
    .command('run')
    .description('run a load test: a test file (.ts, .js, .yaml, .json) or quick mode (--url)')
    .argument('[file]', 'test script (.ts/.mts/.js/.mjs) or declarative test (.yaml/.yml/.json)');
  // The flags are the run options (src/session/run-options.ts), which the API and the dashboard share.
  for (const o of RUN_OPTIONS) run.addOption(runOption(o));
  run.action(async (file: string | undefined, flags: RunFlags) => {
    const { runCommand } = await import('./run-command.js');
    // commander names `--max-vus` maxVus, `--fast-path` fastPath: the QuickFlags names.
    setCode(await runCommand({ ...flags, stage: flags.stage ?? [], header: flags.header ?? [] }, io, file));
  });

  p.command('agent')
    .description('join the agent pool over NATS and run shares of distributed tests (docs/distributed.md)')
    .option('--nats <url>', 'NATS server, nats://host:4222 (default $VOLLEY_NATS_URL)')
    .option('--name <name>', 'how the pool names this agent (default HOSTNAME-PID)')
    .option('--tags <k=v,...>', 'tags a run can select agents by (volley run --agent-tags)')
    .option('--workers <n|auto>', 'worker threads for a share (default auto: one per core)')
    .option('--creds <file>', 'NATS credentials file (or $VOLLEY_NATS_CREDS)')
    .option('--token <token>', 'NATS token (or $VOLLEY_NATS_TOKEN)')
    .option('--user <user>', 'NATS user, with --password (or $VOLLEY_NATS_USER)')
    .option('--password <password>', 'NATS password (or $VOLLEY_NATS_PASSWORD)')
    .addOption(new Option('--announce-version <v>').hideHelp())
    .addOption(new Option('--dead-man-ms <ms>').hideHelp())
    .action(async (o: import('./agent-command.js').AgentFlags) => {
      const { agentCommand } = await import('./agent-command.js');
      setCode(await agentCommand(o, io));
    });
  p.command('agents')
    .description('list the agent pool: name, tags, version, cores, threads, state, current run')
    .option('--nats <url>', 'NATS server, nats://host:4222 (default $VOLLEY_NATS_URL)')
    .option('--creds <file>', 'NATS credentials file (or $VOLLEY_NATS_CREDS)')
    .option('--token <token>', 'NATS token (or $VOLLEY_NATS_TOKEN)')
    .option('--user <user>', 'NATS user, with --password (or $VOLLEY_NATS_USER)')
    .option('--password <password>', 'NATS password (or $VOLLEY_NATS_PASSWORD)')
    .option('--json', 'print the pool as JSON')
    .action(async (o: import('./agent-command.js').AgentsFlags) => {
      const { agentsCommand } = await import('./agent-command.js');
      setCode(await agentsCommand(o, io));
    });

  p.command('inspect')
    .description(
      'print the resolved plan of a test file (scenarios, executors, VUs, durations, stages) without sending traffic',
    )
    .argument('<file>', 'test script or YAML/JSON file')
    .option('-e, --env <KEY=VALUE>', 'set process.env.KEY for the script (repeatable)', collect, [])
    .option('--json', 'print the plan as JSON')
    .action(async (file: string, o: { env: string[]; json?: boolean }) => {
      const { inspectCommand } = await import('./inspect-command.js');
      setCode(await inspectCommand(file, o, io));
    });

  p.command('check')
    .description('type-check a TypeScript test script (strict) and validate it, without sending traffic')
    .argument('<file>', 'test script or YAML/JSON file')
    .option('-e, --env <KEY=VALUE>', 'set process.env.KEY for the script (repeatable)', collect, [])
    .action(async (file: string, o: { env: string[] }) => {
      const { checkCommand } = await import('./inspect-command.js');
      setCode(await checkCommand(file, o, io));
    });

  p.command('init')
    .description('scaffold a typed example test (test.ts, tsconfig.json, data) so editor completion works')
    .argument('[dir]', 'folder to create the files in', '.')
    .option('--force', 'overwrite existing files')
    .action(async (dir: string, o: { force?: boolean }) => {
      const { initCommand } = await import('./init-command.js');
      setCode(await initCommand(dir, o, io));
    });

  p.command('schema')
    .description('print the JSON Schema of YAML/JSON test files (for editors and CI validation)')
    .action(async () => {
      const { TEST_FILE_SCHEMA } = await import('../declarative/schema.js');
      io.stdout(`${JSON.stringify(TEST_FILE_SCHEMA, null, 2)}\n`);
    });

  p.command('target')
    .description('serve the demo system under test (see docs/target.md)')
    .option('--port <port>', 'port (0 = any free port)', '8117')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--latency <time|min-max>', "added latency per request, e.g. '20ms' or '20-80ms'")
    .option('--error-rate <0..1>', 'share of requests answered 500')
    .option('--stall <stall/period>', "stall the whole server, e.g. '1s/5s' = 1 s every 5 s")
    .option('--max-inflight <n>', 'concurrent requests before answering 503')
    .option('--seed <n>', 'seed for the latency and error draws')
    .option('--grpc-port <port>', 'port of the gRPC task queue (default 8118; 0 = any free port)')
    .action(async (o: Record<string, string | undefined>) => {
      const raw: Record<string, string> = {};
      for (const [k, v] of Object.entries(o)) if (v !== undefined) raw[k] = v;
      const { targetCommand } = await import('./target-command.js');
      setCode(await targetCommand(raw, io));
    });

  p.command('demo')
    .description(
      'start the demo target and the dashboard (volley serve), and run a sample open-loop test you can watch live',
    )
    .option('-d, --duration <time>', 'test duration', '15s')
    .option('--rate <n>', 'arrivals per second', '300')
    .option('--port <port>', 'dashboard port (default 8089, or any free port when taken)')
    .option(...STORE_OPTION)
    .option('--exit', 'exit when the sample run ends, even in a terminal')
    .option('--keep', 'keep serving after the sample run, even without a terminal')
    .action(async (o: DemoFlags) => {
      const { demoCommand } = await import('./demo-command.js');
      setCode(await demoCommand(o, io, io.stdoutIsTTY && !io.ci, VERSION));
    });

  p.command('serve')
    .description('serve the REST API, the live WebSocket stream and the web dashboard over the run store')
    .option('--port <port>', 'port (0 = any free port)', '8089')
    .option('--host <host>', 'address to bind; anything but loopback needs --token', '127.0.0.1')
    .option(...STORE_OPTION)
    .option('--token <token>', 'require Authorization: Bearer TOKEN on the API (default $VOLLEY_TOKEN)')
    .option('--scripts <dir>', 'folder of test files the API and dashboard may run')
    .option(
      '--public-url <url>',
      "the dashboard's address as others reach it, for the run links in schedule webhooks",
    )
    .option('--nats <url>', 'agent pool: NATS server, nats://host:4222 (default $VOLLEY_NATS_URL)')
    .option('--nats-creds <file>', 'NATS credentials file (or $VOLLEY_NATS_CREDS)')
    .option('--nats-token <token>', 'NATS token (or $VOLLEY_NATS_TOKEN)')
    .option('--nats-user <user>', 'NATS user, with --nats-password (or $VOLLEY_NATS_USER)')
    .option('--nats-password <password>', 'NATS password (or $VOLLEY_NATS_PASSWORD)')
    .action(async (o: ServeFlags) => {
      const { serveCommand } = await import('./serve-command.js');
      setCode(await serveCommand(o, io, VERSION));
    });

  const runs = p
    .command('runs')
    .description('the run history in the run store (terminal, CI, API and demo runs)');
  runs
    .command('list', { isDefault: true })
    .description('list recent runs, newest first')
    .option(...STORE_OPTION)
    .option('-n, --limit <n>', 'how many runs', '20')
    .option('--json', 'print the runs as JSON')
    .action(async (o: StoreFlagsJson & { limit?: string }) => {
      const { runsListCommand } = await import('./runs-command.js');
      setCode(runsListCommand(o, io));
    });
  runs
    .command('show')
    .description('show one run: its summary, or how far it got')
    .argument('<id>', 'run id or a unique prefix (at least 4 characters)')
    .option(...STORE_OPTION)
    .option('--json', 'print the stored run (with the summary document) as JSON')
    .option(
      '-p, --percentile <p>',
      'recompute a percentile from the stored histogram, e.g. 99.9 (repeatable)',
      collect,
      [],
    )
    .option(
      '--metric <name>',
      "the metric for --percentile (default: the run's headline duration, http_req_duration for HTTP)",
    )
    .action(async (id: string, o: StoreFlagsJson & { percentile: string[]; metric?: string }) => {
      const { runsShowCommand } = await import('./runs-command.js');
      setCode(runsShowCommand(id, o, io));
    });
  runs
    .command('delete')
    .description('delete runs and everything stored for them')
    .argument('<ids...>', 'run ids or unique prefixes')
    .option(...STORE_OPTION)
    .action(async (ids: string[], o: StoreFlagsJson) => {
      const { runsDeleteCommand } = await import('./runs-command.js');
      setCode(runsDeleteCommand(ids, o, io));
    });
  runs
    .command('prune')
    .description('delete ended runs older than a duration')
    .requiredOption('--older-than <time>', 'e.g. 30d, 12h')
    .option(...STORE_OPTION)
    .action(async (o: StoreFlagsJson & { olderThan: string }) => {
      const { runsPruneCommand } = await import('./runs-command.js');
      setCode(runsPruneCommand(o, io));
    });
  p.command('stress')
    .description(
      'find the highest arrival rate the target sustains within its SLOs: open-loop probes double the rate, then a binary search narrows it',
    )
    .argument('[file]', 'a test file whose one scenario (or -s NAME) runs at each probe rate; or --url')
    .option('--url <url>', 'quick mode: the URL every request goes to')
    .option('-X, --method <method>', 'HTTP method (quick mode)')
    .option('-H, --header <header>', "request header 'Name: value' (quick mode, repeatable)", collect, [])
    .option('--body <body>', 'request body, or @file (quick mode)')
    .option('--timeout <time>', 'request timeout (quick mode, default 10s)')
    .option('--start-rate <n>', 'the first probe rate, arrivals per second', '10')
    .option('--max-rate <n>', 'never probe above this rate', '100000')
    .option('--probe-duration <time>', 'how long each probe runs', '10s')
    .option('--cooldown <time>', 'pause between probes', '2s')
    .option('--error-threshold <share>', 'a probe fails above this error rate (5% or 0.05)', '5%')
    .option(
      '--slo <expr>',
      "a probe fails when this breaks: 'p(99)<300' (http_req_duration) or 'metric:expr' (repeatable)",
      collect,
      [],
    )
    .option('--resolution <share>', 'stop when the gap between passing and failing rates is this small', '5%')
    .option('--max-vus <n>', 'most VUs a probe may use (default: its rate, 20..5000)')
    .option('--max-probes <n>', 'stop after this many probes', '20')
    .option('--workers <n|auto>', 'worker threads (default auto)')
    .option('-e, --env <KEY=VALUE>', 'process.env for the script (repeatable)', collect, [])
    .option('-s, --scenario <name>', 'the scenario of the test file to drive', collect, [])
    .option('--out <kind=target>', 'json=FILE|-: the summary with its stress section', collect, [])
    .option(
      '--headroom <share>',
      'capacity plan: share of the highest passing rate to leave unused (default 30%)',
    )
    .option(...STORE_OPTION)
    .addOption(runOption(monitorOption('monitorPid')))
    .addOption(runOption(monitorOption('monitorProcessName')))
    .addOption(runOption(monitorOption('monitorPrometheus')))
    .addOption(runOption(monitorOption('monitorSeries')))
    .addOption(runOption(monitorOption('monitorInterval')))
    .addOption(runOption(monitorOption('monitorMemoryLimit')))
    .option('--no-store', 'do not record the stress test in the run store')
    .option('--insecure', 'skip TLS certificate verification')
    .option('-q, --quiet', 'no probe lines and no result block')
    .action(async (file: string | undefined, o: StressFlags) => {
      const { stressCommand } = await import('./stress-command.js');
      setCode(await stressCommand(o, io, file));
    });
  p.command('report')
    .description('render a finished run as a report: html, md (Markdown + SVG charts), junit or csv')
    .argument(
      '<run>',
      'a summary file (volley run --out json=FILE), an NDJSON stream (--out ndjson=FILE), - for stdin, or a stored run id/prefix',
    )
    .option('--format <format>', 'html, md, junit or csv')
    .option(
      '--output <file>',
      'write the report there (md: charts go into a directory beside it); default stdout',
    )
    .option('--baseline <run>', 'html and md: compare with this run (summary file or stored run id)')
    .option('--db <path>', 'run store for run ids (default $VOLLEY_DB or ~/.volley/volley.db)')
    .action(async (run: string, o: import('./report-command.js').ReportFlags) => {
      const { reportCommand } = await import('./report-command.js');
      setCode(reportCommand(run, o, io));
    });
  // [analysis: stress]
  p.command('bench')
    .description(
      'measure endpoints one at a time (closed loop, fixed concurrency) and compare with the previous bench',
    )
    .option('--url <url>', 'base URL the endpoint paths are appended to')
    .option(
      '--endpoint <spec>',
      "an endpoint, 'METHOD /path' (method optional, default GET; repeatable)",
      collect,
      [],
    )
    .option('--file <file>', 'YAML or JSON list of endpoints: { method, path, headers?, body? }')
    .option('-c, --concurrency <n>', 'connections (closed-loop VUs) per endpoint', '10')
    .option('-d, --duration <time>', 'measured time per endpoint', '10s')
    .option('--warmup <time>', 'uncounted warm-up per endpoint before it is measured (0: none)', '1s')
    .option('-H, --header <header>', "header 'Name: value' for every endpoint (repeatable)", collect, [])
    .option('--out <kind=target>', 'json=FILE|- (the bench document)', collect, [])
    .option('--workers <n|auto>', 'worker threads (default auto: one per core, at most one per connection)')
    .option('--timeout <time>', 'request timeout (default 10s)')
    .option(
      '--max-error-rate <share>',
      'an endpoint with a higher error rate fails the bench, exit 99 (5% or 0.05; default 0: any error)',
    )
    .option('--insecure', 'skip TLS certificate verification')
    .option('--no-preflight', 'skip the connection check made before the first endpoint')
    .option(...STORE_OPTION)
    .addOption(runOption(monitorOption('monitorPid')))
    .addOption(runOption(monitorOption('monitorProcessName')))
    .addOption(runOption(monitorOption('monitorPrometheus')))
    .addOption(runOption(monitorOption('monitorSeries')))
    .addOption(runOption(monitorOption('monitorInterval')))
    .addOption(runOption(monitorOption('monitorMemoryLimit')))
    .option('--no-store', 'do not record the bench (and do not compare with a previous one)')
    .option('-q, --quiet', 'no progress lines and no table')
    .option('--list', 'list recent benches in the store instead of running one')
    .option('-n, --limit <n>', 'with --list: how many benches', '20')
    .option('--json', 'with --list: print the benches as JSON')
    .action(async (o: BenchFlags) => {
      const { benchCommand } = await import('./bench-command.js');
      setCode(await benchCommand(o, io));
    });
  // [analysis: bench]
  p.command('compare')
    .description(
      'compare two runs (summary files or stored run ids): deltas per metric and endpoint, exit 98 on a regression',
    )
    .argument(
      '<base>',
      'the reference: a summary file (volley run --out json=FILE), - for stdin, or a stored run id/prefix',
    )
    .argument('<new>', 'the run to judge, same forms as BASE')
    .option('--tolerance <pct>', 'how much worse NEW may be, relative: 10% or 0.1', '10%')
    .option(
      '--metric <name:stat>',
      "what gates, e.g. 'http_req_duration:p(99)', 'http_req_failed:rate', 'my_metric:avg:higher-is-better' (repeatable; default p(95), p(99), error rate, throughput, iteration_latency p(99), checks)",
      collect,
      [],
    )
    .option('--min-delta-ms <ms>', 'latency changes of at most this many ms never count', '1')
    .option(
      '--min-delta-rate <pct>',
      'rate changes (error rate, checks) of at most this much never count',
      '0.1%',
    )
    .option(
      '--min-requests <n>',
      'endpoints with fewer requests in either run are shown but do not gate',
      '50',
    )
    .option(
      '--out <json=FILE|->',
      'write the comparison as JSON (volley.compare/1) (repeatable)',
      collect,
      [],
    )
    .option('--db <path>', 'run store for run ids (default $VOLLEY_DB or ~/.volley/volley.db)')
    .option('-q, --quiet', 'no table; warnings, errors and the exit code only')
    .action(async (base: string, next: string, o: import('./compare-command.js').CompareFlags) => {
      const { compareCommand } = await import('./compare-command.js');
      setCode(compareCommand(base, next, o, io));
    });
  // [analysis: compare]
  return p;
}

export async function main(argv: string[], io: CliIO): Promise<ExitCodeValue> {
  let code: ExitCodeValue = ExitCode.OK;
  try {
    await program(io, (c) => (code = c)).parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0)
        return ExitCode.OK;
      return ExitCode.INVALID_USAGE;
    }
    if (err instanceof VolleyError) {
      // details, when present, list every problem (the first is the message, possibly with a stack).
      for (const d of err.details.length > 0 ? err.details : [err.message]) io.stderr(`error: ${d}\n`);
      if (err.hint) io.stderr(`hint: ${err.hint}\n`);
      return exitCodeForError(err.code);
    }
    io.stderr(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return ExitCode.RUNTIME_ERROR;
  }
}
