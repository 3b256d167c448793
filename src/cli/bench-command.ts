/**
 * `volley bench`: validates every endpoint, checks the target is reachable, measures each
 * endpoint alone (src/analysis/bench.ts), records each endpoint's run and the bench in the store,
 * compares with the previous bench of the same endpoint set, and prints the table.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  benchFailure,
  endpointLabel,
  endpointLine,
  endpointsKey,
  parseEndpointFile,
  parseEndpointSpec,
  planBench,
  renderBench,
  runBench,
  warmupText,
  withPrevious,
  type BenchEndpoint,
  type BenchEndpointResult,
} from '../analysis/bench.js';
import { VolleyError } from '../errors.js';
import { writeJsonSummary } from '../outputs/files.js';
import { parseOutSpec, type OutputSpec } from '../outputs/registry.js';
import { preflight } from '../protocols/http/preflight.js';
import { table } from '../summary/format.js';
import { runTest, type StopRequest } from '../session/run-test.js';
import { BenchStore } from '../store/bench-store.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import { parseShare } from './stress-command.js';
import { planMonitors, type MonitorFlags } from '../monitor/index.js';
import type { CliIO } from './io.js';
import { volleyCommand } from './self-command.js';
import { openStore, openStoreFor, type StoreFlags } from './store-flags.js';

export interface BenchFlags extends StoreFlags, MonitorFlags {
  url?: string;
  endpoint?: string[];
  file?: string;
  concurrency?: string;
  duration?: string;
  warmup?: string;
  header?: string[];
  out?: string[];
  workers?: string;
  timeout?: string;
  insecure?: boolean;
  /** false with --no-preflight. */
  preflight?: boolean;
  quiet?: boolean;
  list?: boolean;
  json?: boolean;
  limit?: string;
  maxErrorRate?: string;
  /** The bench's id (the API chooses it); default a new one. */
  benchId?: string;
}

/** What the API's job process adds: its stop, and each endpoint as it is measured. */
export interface BenchCommandHooks {
  signal?: AbortSignal;
  onEndpoint?: (result: BenchEndpointResult, index: number, total: number) => void;
}

function outputs(list: readonly string[]): OutputSpec[] {
  const specs = list.map(parseOutSpec);
  for (const s of specs) {
    if (s.kind !== 'json')
      throw new VolleyError(
        'INVALID_USAGE',
        `--out ${s.kind}=…: volley bench writes json=FILE or json=- only`,
      );
    if (s.target === '-') continue;
    try {
      if (existsSync(s.target)) accessSync(s.target, constants.W_OK);
      else accessSync(dirname(resolve(s.target)), constants.W_OK);
    } catch (err) {
      throw new VolleyError(
        'UNREADABLE_FILE',
        `--out json=${s.target}: cannot write there (${(err as NodeJS.ErrnoException).code})`,
      );
    }
  }
  if (specs.filter((o) => o.target === '-').length > 1)
    throw new VolleyError('INVALID_USAGE', 'only one --out may write to stdout (-)');
  return specs;
}

/** Endpoints from --file, then --endpoint flags; every problem at once. */
function readEndpoints(flags: BenchFlags, errors: string[]): BenchEndpoint[] {
  const endpoints: BenchEndpoint[] = [];
  if (flags.file !== undefined) {
    let text: string | undefined;
    try {
      text = readFileSync(flags.file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      errors.push(
        `--file ${flags.file}: cannot read the file (${code === 'ENOENT' ? 'no such file' : code})`,
      );
    }
    if (text !== undefined) {
      const parsed = parseEndpointFile(flags.file, text);
      endpoints.push(...parsed.endpoints);
      errors.push(...parsed.errors);
      if (parsed.errors.length === 0 && parsed.endpoints.length === 0)
        errors.push(`--file ${flags.file}: the file lists no endpoints`);
    }
  }
  for (const spec of flags.endpoint ?? []) {
    const e = parseEndpointSpec(spec);
    if (typeof e === 'string') errors.push(e);
    else endpoints.push(e);
  }
  return endpoints;
}

function listBenches(flags: BenchFlags, io: CliIO): ExitCodeValue {
  const limit = Number(flags.limit ?? '20');
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new VolleyError('INVALID_USAGE', `--limit must be an integer >= 1 (got '${flags.limit}')`);
  const store = openStore(flags, io);
  try {
    const benches = new BenchStore(store.database).list(limit);
    if (flags.json) {
      io.stdout(`${JSON.stringify(benches, null, 2)}\n`);
      return ExitCode.OK;
    }
    if (benches.length === 0) {
      io.stdout(`no benches in ${store.path}\n`);
      return ExitCode.OK;
    }
    const rows = [['id', 'created', 'base URL', 'concurrency', 'duration', 'endpoints']];
    for (const b of benches)
      rows.push([
        b.id.slice(0, 8),
        b.createdAt.replace('T', ' ').slice(0, 19),
        b.baseUrl,
        String(b.concurrency),
        `${b.durationMs / 1000}s`,
        b.endpoints.join(', '),
      ]);
    io.stdout(`${table(rows)}\n`);
    return ExitCode.OK;
  } finally {
    store.close();
  }
}

export async function benchCommand(
  flags: BenchFlags,
  io: CliIO,
  hooks: BenchCommandHooks = {},
): Promise<ExitCodeValue> {
  if (flags.list) return listBenches(flags, io);

  const errors: string[] = [];
  const endpoints = readEndpoints(flags, errors);
  const maxErrorRate = parseShare(flags.maxErrorRate ?? '0', '--max-error-rate', errors);
  planMonitors(flags, errors, process.pid);
  let plan: ReturnType<typeof planBench> | undefined;
  try {
    plan = planBench({
      url: flags.url,
      endpoints,
      headers: flags.header ?? [],
      concurrency: flags.concurrency,
      duration: flags.duration,
      warmup: flags.warmup,
      ...(flags.workers !== undefined && { workers: flags.workers }),
      ...(flags.timeout !== undefined && { timeout: flags.timeout }),
      insecure: flags.insecure === true,
      maxErrorRate,
    });
  } catch (err) {
    if (!(err instanceof VolleyError)) throw err;
    // "no endpoints" only misleads when the endpoints given were all malformed.
    const details = (err.details.length ? err.details : [err.message]).filter(
      (d) => errors.length === 0 || !d.startsWith('no endpoints'),
    );
    errors.push(...details);
  }
  if (errors.length > 0 || !plan) {
    throw new VolleyError('INVALID_USAGE', errors[0] as string, {
      details: errors,
      hint: "endpoints are 'METHOD /path' relative to --url, e.g. --endpoint 'GET /health'",
    });
  }
  const outs = outputs(flags.out ?? []);
  if (flags.preflight !== false) await preflight(plan.base, 3000, plan.insecure);

  const store = openStoreFor(flags, io);
  const human = outs.some((o) => o.target === '-') ? io.stderr : io.stdout;
  const progress = flags.quiet ? () => {} : io.stderr;
  const total = plan.entries.length;
  const perEndpointS = (plan.warmupMs + plan.durationMs) / 1000;
  progress(
    `bench: ${total} endpoint${total === 1 ? '' : 's'} against ${plan.baseUrl}, concurrency ${plan.concurrency}, ` +
      `${plan.durationMs / 1000}s each ${warmupText(plan.warmupMs)} (about ${Math.ceil(perEndpointS * total)}s of traffic)\n`,
  );

  const abort = new AbortController();
  let signals = 0;
  const offSignals = io.onSignals((name) => {
    signals++;
    if (signals === 1) {
      io.stderr(
        `\n${name}: stopping the bench — the endpoints measured so far are reported, nothing is stored as a bench\n`,
      );
      abort.abort({ reason: 'signal', detail: 'bench stopped by a signal' } satisfies StopRequest);
    }
  });
  const onHookStop = (): void =>
    abort.abort({ reason: 'api', detail: 'bench stopped from the API' } satisfies StopRequest);
  if (hooks.signal?.aborted) onHookStop();
  else hooks.signal?.addEventListener('abort', onHookStop, { once: true });
  try {
    let doc = await runBench(plan, {
      signal: abort.signal,
      ...(flags.benchId !== undefined && { id: flags.benchId }),
      // Each endpoint's warm-up and measured run is a run session; only the measured one is
      // recorded (source bench), and the preflight above covered them all.
      run: async (run, { entry, measured, runId }) =>
        runTest(
          { ...run, name: `bench ${entry.endpoint.method} ${entry.url}` },
          {
            io,
            signal: abort.signal,
            preflight: false,
            source: 'bench',
            monitors: flags,
            ...(measured && store && { store }),
            ...(runId !== undefined && { runId }),
          },
        ),
      onEndpoint: (result, ctx) => {
        const aborted = abort.signal.aborted;
        if (!aborted) hooks.onEndpoint?.(result, ctx.index, ctx.total);
        if (!aborted) progress(`${endpointLine(result, ctx.index, ctx.total)}\n`);
        else progress(`[${ctx.index + 1}/${ctx.total}] ${endpointLabel(result)}: stopped, not reported\n`);
      },
    });
    const benches = store ? new BenchStore<typeof doc>(store.database) : undefined;
    if (!doc.aborted && benches) {
      const key = endpointsKey(doc.endpoints);
      doc = withPrevious(doc, benches.previous(doc.baseUrl, key, new Date(doc.createdAt)));
      benches.add(doc, key);
    }
    for (const o of outs) writeJsonSummary(o.target, doc, io.stdout);
    if (!flags.quiet) {
      human(`\n${renderBench(doc, { stored: store !== undefined, color: io.color })}`);
      if (store && !doc.aborted)
        io.stderr(
          `bench ${doc.id.slice(0, 8)} stored in ${store.path}; each endpoint's run is in ${volleyCommand(io.env)} runs (source bench)\n`,
        );
    }
    if (doc.aborted) return ExitCode.ABORTED_BY_SIGNAL;
    const failure = benchFailure(doc);
    // Also with -q, and on stderr: a failing bench must be visible even when the table is not.
    if (failure && flags.quiet) io.stderr(`${failure}\n`);
    return failure ? ExitCode.THRESHOLDS_FAILED : ExitCode.OK;
  } finally {
    offSignals();
    hooks.signal?.removeEventListener('abort', onHookStop);
    store?.close();
  }
}
