/**
 * Every `--out KIND=TARGET` volley knows, in one table (docs/outputs.md): how its target is parsed
 * and checked before any traffic, and how it becomes a listener of the run session. `--out` is
 * parsed here and nowhere else.
 */
import { writeFileSync } from 'node:fs';
import { VolleyError } from '../errors.js';
import { CsvOutput } from './csv.js';
import { assertWritable, NdjsonOutput, writeJsonSummary } from './files.js';
import type { SessionListener } from './listener.js';
import { parsePrometheusSpec } from './prometheus.js';

export type OutputKind = 'json' | 'ndjson' | 'csv' | 'html' | 'junit' | 'prometheus' | 'otlp';

export interface OutputSpec {
  kind: OutputKind;
  /** A file, '-' (stdout), HOST:PORT or '' (prometheus), or a URL (otlp). */
  target: string;
}

/** What an output may use: the run's id, stdout for '-', and a line sink for notices (stderr in the CLI). */
export interface OutputContext {
  runId: string;
  stdout: (s: string) => void;
  log: (line: string) => void;
}

export interface OutputEntry {
  kind: OutputKind;
  /** How `--out` usage text shows it: `json=FILE|-`. */
  usage: string;
  /** The target is a file, or '-' for stdout where `stdout` allows it. */
  file: boolean;
  /** Throws INVALID_USAGE when the target cannot be this kind's (syntax only: no I/O). */
  parse?(target: string): void;
  /** Checks against the machine before any traffic (a writable folder, a well-formed address). */
  check?(target: string): void;
  /** At most one per run. */
  single?: boolean;
  create(target: string, ctx: OutputContext): SessionListener | Promise<SessionListener>;
}

function writable(kind: OutputKind): (target: string) => void {
  return (target) => {
    if (target !== '-') assertWritable(target, `--out ${kind}=${target}`);
  };
}

/** html=FILE and junit=FILE: one report written once the summary exists; a failed write is reported, not thrown. */
function endReport(kind: 'html' | 'junit'): OutputEntry {
  return {
    kind,
    usage: `${kind}=FILE`,
    file: true,
    parse(target) {
      if (target === '-')
        throw new VolleyError('INVALID_USAGE', `--out ${kind}=-: write ${kind} to a file (${kind}=FILE)`);
    },
    check: writable(kind),
    create: (target, ctx) => ({
      async onSummary(summary) {
        // Loaded only when asked for: start-up stays fast (docs/benchmarks.md, section 6).
        const text =
          kind === 'html'
            ? (await import('../report/html-report.js')).renderHtmlReport(summary)
            : (await import('../report/junit-report.js')).renderJunitReport(summary);
        try {
          writeFileSync(target, text);
        } catch (err) {
          ctx.log(
            `error: --out ${kind}=${target}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
          );
        }
      },
    }),
  };
}

export const OUTPUTS: readonly OutputEntry[] = [
  {
    kind: 'json',
    usage: 'json=FILE|-',
    file: true,
    check: writable('json'),
    create: (target, ctx) => ({ onSummary: (summary) => writeJsonSummary(target, summary, ctx.stdout) }),
  },
  {
    kind: 'ndjson',
    usage: 'ndjson=FILE|-',
    file: true,
    check: writable('ndjson'),
    create: (target, ctx) => new NdjsonOutput(target, ctx.stdout),
  },
  {
    kind: 'csv',
    usage: 'csv=FILE|-',
    file: true,
    check: writable('csv'),
    create: (target, ctx) => new CsvOutput(target, ctx.stdout),
  },
  endReport('html'),
  endReport('junit'),
  {
    kind: 'prometheus',
    usage: 'prometheus[=HOST:PORT]',
    file: false,
    single: true,
    check: (target) => void parsePrometheusSpec(target),
    async create(target, ctx) {
      const { PrometheusOutput } = await import('./prometheus.js');
      return PrometheusOutput.start(target, ctx.log); // prints the URL through ctx.log
    },
  },
  {
    kind: 'otlp',
    usage: 'otlp=URL',
    file: false,
    parse(target) {
      let url: URL | undefined;
      try {
        url = new URL(target);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
        throw new VolleyError(
          'INVALID_USAGE',
          `--out otlp='${target}' must be an http(s) URL (for example http://127.0.0.1:4318/v1/metrics)`,
        );
    },
    async create(target, ctx) {
      // OpenTelemetry's SDK is loaded only when asked for.
      const { OtlpOutput } = await import('./otlp.js');
      return new OtlpOutput(target, { runId: ctx.runId, log: ctx.log });
    },
  },
];

const byKind = new Map(OUTPUTS.map((e) => [e.kind, e]));

function outputEntry(kind: OutputKind): OutputEntry {
  return byKind.get(kind) as OutputEntry;
}

const usages = OUTPUTS.map((e) => e.usage);
const OUT_USAGE = `${usages.slice(0, -1).join(', ')} or ${usages.at(-1)}`;

/** One `--out` value → its kind and target; throws INVALID_USAGE with the accepted forms. */
export function parseOutSpec(text: string): OutputSpec {
  if (text === 'prometheus') return { kind: 'prometheus', target: '' };
  const m = /^([a-z]+)=(.*)$/.exec(text);
  const entry = m ? byKind.get(m[1] as OutputKind) : undefined;
  const target = m?.[2] ?? '';
  if (!m || !entry) {
    throw new VolleyError(
      'INVALID_USAGE',
      m ? `--out '${text}': unknown kind '${m[1]}' (${OUT_USAGE})` : `--out '${text}' must be ${OUT_USAGE}`,
    );
  }
  if (target === '')
    throw new VolleyError('INVALID_USAGE', `--out '${text}': ${entry.kind}= needs a target (${OUT_USAGE})`);
  entry.parse?.(target);
  return { kind: entry.kind, target };
}

/** Whether an output writes to stdout (`json=-`): the human summary then goes to stderr. */
export const writesToStdout = (spec: OutputSpec): boolean =>
  outputEntry(spec.kind).file && spec.target === '-';

/** A run's `--out` list, parsed and checked before any traffic: every target usable, one stdout at most. */
export function parseOutputs(texts: readonly string[]): OutputSpec[] {
  const specs = texts.map(parseOutSpec);
  for (const s of specs) outputEntry(s.kind).check?.(s.target);
  const toStdout = specs.filter(writesToStdout);
  if (toStdout.length > 1) {
    throw new VolleyError(
      'INVALID_USAGE',
      `only one --out may write to stdout (-): got ${toStdout.map((o) => `${o.kind}=-`).join(', ')}`,
    );
  }
  for (const e of OUTPUTS)
    if (e.single && specs.filter((s) => s.kind === e.kind).length > 1)
      throw new VolleyError('INVALID_USAGE', `only one --out ${e.kind} per run`);
  return specs;
}

/**
 * Every output of the list as a listener, in order. If one cannot start (a port taken), those
 * already started are closed before the error goes on.
 */
export async function createOutputs(
  specs: readonly OutputSpec[],
  ctx: OutputContext,
): Promise<SessionListener[]> {
  const created: SessionListener[] = [];
  try {
    for (const s of specs) created.push(await outputEntry(s.kind).create(s.target, ctx));
  } catch (err) {
    for (const l of created) await l.close?.();
    throw err;
  }
  return created;
}
