/**
 * `volley report RUN --format html|md|junit|csv [--output FILE] [--baseline RUN]`: renders a finished
 * run (a summary file, an NDJSON stream, or a stored run id) as a report. Docs: docs/cli.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { VolleyError } from '../errors.js';
import { assertWritable } from '../outputs/files.js';
import { ensureFolder } from '../store/ensure-folder.js';
import { renderSeriesCsv } from '../report/csv-report.js';
import { renderHtmlReport } from '../report/html-report.js';
import { renderJunitReport } from '../report/junit-report.js';
import { renderMarkdownReport } from '../report/markdown-report.js';
import type { Summary } from '../summary/summary.js';
import type { RunStore } from '../store/run-store.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';
import { loadSummary } from './load-summary.js';
import { openStore as openStoreFlags, type StoreFlags } from './store-flags.js';

export const REPORT_FORMATS = ['html', 'md', 'junit', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportFlags extends StoreFlags {
  format?: string;
  output?: string;
  baseline?: string;
}

/** The output's folder is created when missing (`--output perf/report.md` in a fresh checkout). */
function checkOutput(path: string): void {
  try {
    ensureFolder(dirname(resolve(path)));
  } catch (err) {
    throw new VolleyError(
      'UNREADABLE_FILE',
      `--output ${path}: cannot write there (${(err as NodeJS.ErrnoException).code})`,
    );
  }
  assertWritable(path, `--output ${path}`);
}

function write(path: string, text: string, what: string): void {
  try {
    writeFileSync(path, text);
  } catch (err) {
    throw new VolleyError(
      'UNREADABLE_FILE',
      `${what} ${path}: cannot write (${(err as NodeJS.ErrnoException).code})`,
    );
  }
}

/** Every flag problem at once, before anything is read. */
function parseFlags(flags: ReportFlags): ReportFormat {
  const problems: string[] = [];
  const format = flags.format;
  if (format === undefined) problems.push(`--format is required: ${REPORT_FORMATS.join(', ')}`);
  else if (!(REPORT_FORMATS as readonly string[]).includes(format))
    problems.push(`--format '${format}': must be one of ${REPORT_FORMATS.join(', ')}`);
  if (flags.baseline !== undefined && (format === 'junit' || format === 'csv'))
    problems.push(`--baseline applies to --format html and md, not ${format}`);
  if (flags.output !== undefined && flags.output === '') problems.push('--output needs a file name');
  if (problems.length > 0)
    throw new VolleyError('INVALID_USAGE', problems[0] as string, { details: problems });
  return format as ReportFormat;
}

export function reportCommand(
  input: string,
  flags: ReportFlags,
  io: CliIO,
  stdin: () => string = () => readFileSync(0, 'utf8'),
): ExitCodeValue {
  const format = parseFlags(flags);
  if (flags.output !== undefined) checkOutput(flags.output);
  if (input === '-' && flags.baseline === '-')
    throw new VolleyError('INVALID_USAGE', 'only one of RUN and --baseline can be - (stdin)');
  let store: RunStore | undefined;
  const openStore = (): RunStore => (store ??= openStoreFlags(flags, io));
  try {
    const { summary } = loadSummary(input, 'RUN', flags, io, stdin, openStore);
    let baseline: Summary | undefined;
    if (flags.baseline !== undefined)
      baseline = loadSummary(flags.baseline, '--baseline', flags, io, stdin, openStore).summary;
    const out = flags.output;
    const emit = (text: string): void => {
      if (out === undefined) io.stdout(text);
      else write(out, text, '--output');
    };
    switch (format) {
      case 'html':
        emit(renderHtmlReport(summary, baseline ? { baseline } : {}));
        break;
      case 'junit':
        emit(renderJunitReport(summary));
        break;
      case 'csv':
        emit(renderSeriesCsv(summary));
        break;
      case 'md': {
        if (out === undefined) {
          const { markdown } = renderMarkdownReport(summary, baseline ? { baseline } : {});
          io.stdout(markdown);
          io.stderr('note: charts are omitted without --output (they are written next to the report)\n');
          break;
        }
        // Charts go into a directory beside the report, linked relative to it: report.md -> report-charts/.
        const chartsDir = `${basename(out, extname(out))}-charts`;
        const { markdown, charts } = renderMarkdownReport(
          summary,
          baseline ? { baseline, chartsDir } : { chartsDir },
        );
        const base = dirname(resolve(out));
        for (const c of charts) {
          const rel = c.file.startsWith(`${chartsDir}/`) ? c.file : join(chartsDir, basename(c.file));
          const path = isAbsolute(c.file) ? c.file : join(base, rel);
          try {
            ensureFolder(dirname(path));
          } catch (err) {
            throw new VolleyError(
              'UNREADABLE_FILE',
              `chart directory ${dirname(path)}: cannot create (${(err as NodeJS.ErrnoException).code})`,
            );
          }
          write(path, c.svg, 'chart');
        }
        emit(markdown);
        if (charts.length > 0) io.stderr(`${charts.length} chart(s) written to ${join(base, chartsDir)}\n`);
        break;
      }
    }
    if (out !== undefined) io.stderr(`${format} report written to ${out}\n`);
    return ExitCode.OK;
  } finally {
    store?.close();
  }
}
