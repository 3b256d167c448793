/** `volley inspect FILE` (the resolved plan, no traffic) and `volley check FILE` (type check + validation). */
import { extname } from 'node:path';
import { VolleyError } from '../errors.js';
import { executorFor } from '../executors/registry.js';
import { formatDurationMs } from '../config/duration.js';
import { describeTest, type TestDescription } from '../loader/describe.js';
import { loadTest } from '../loader/load-test.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIO } from './io.js';
import { loadWithTypeProblems } from './problems.js';
import { parseEnv } from './run-command.js';

const dur = (ms: number): string => formatDurationMs(ms);

async function load(file: string, envList: string[], io: CliIO) {
  const errors: string[] = [];
  const env = parseEnv(envList, errors);
  if (errors.length > 0) throw new VolleyError('INVALID_USAGE', errors[0] as string, { details: errors });
  Object.assign(io.env, env);
  return loadTest(file, {
    env,
    processEnv: io.env,
    workers: 0,
    fastPath: true,
    insecureSkipTLSVerify: false,
    stopGraceMs: 5000,
    tags: {},
    preciseSchedule: false,
    thresholds: {},
  });
}

export function renderDescription(d: TestDescription): string {
  const out: string[] = [];
  out.push(
    `${d.file} — ${d.scenarios.length} scenario${d.scenarios.length === 1 ? '' : 's'}, up to ${d.maxVUs.toLocaleString('en-US')} VUs, ${dur(d.durationMs)} planned (${dur(d.maxDurationMs)} with graceful stops)`,
  );
  if (d.baseUrl) out.push(`base URL ${d.baseUrl}`);
  out.push('');
  for (const s of d.scenarios) {
    const what = s.user
      ? `user ${s.user.name}: ${s.user.tasks.map((t) => `${t.name} ${t.percent}%`).join(', ')}${s.user.wait ? `; wait ${s.user.wait}` : ''}${s.user.onStart ? '; onStart' : ''}${s.user.onStop ? '; onStop' : ''}`
      : `exec ${s.exec}`;
    out.push(`  ${s.name}  (${s.executor}${s.openLoop ? ', open loop' : ''})  ${what}`);
    const parts = [
      `start ${dur(s.startTimeMs)}`,
      `runs ${dur(s.durationMs)} (+${dur(s.gracefulStopMs)} graceful stop)`,
      `max ${s.maxVUs.toLocaleString('en-US')} VUs`,
    ];
    if (s.plannedIterations !== null) parts.push(`${s.plannedIterations.toLocaleString('en-US')} iterations`);
    out.push(`      ${parts.join(', ')}`);
    if (s.stages.length > 0)
      out.push(
        `      stages: ${s.stages.map((st) => `${st.phase ? `${st.phase} ` : ''}${dur(st.durationMs)}→${st.target}${s.openLoop ? '/s' : ''}`).join(', ')}`,
      );
    if (s.user?.wait && s.openLoop)
      out.push('      (wait is ignored under an arrival rate: the rate sets the pace)');
  }
  if (d.thresholds.length > 0) {
    out.push('');
    out.push('Thresholds');
    for (const t of d.thresholds) out.push(`  ${t.metric}: ${t.expressions.join(', ')}`);
  }
  if (d.data.length > 0) {
    out.push('');
    out.push('Data (loaded once, shared by every VU and worker)');
    for (const f of d.data)
      out.push(`  ${f.path}: ${f.rows.toLocaleString('en-US')} rows, ${(f.bytes / 1048576).toFixed(1)} MB`);
  }
  if (d.customMetrics.length > 0) {
    out.push('');
    out.push(`Custom metrics: ${d.customMetrics.map((m) => `${m.name} (${m.type})`).join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}

export async function inspectCommand(
  file: string,
  o: { env: string[]; json?: boolean },
  io: CliIO,
): Promise<ExitCodeValue> {
  const test = await load(file, o.env, io);
  try {
    const d = describeTest(test, executorFor);
    io.stdout(o.json ? `${JSON.stringify(d, null, 2)}\n` : renderDescription(d));
    return ExitCode.OK;
  } finally {
    test.dispose();
  }
}

export async function checkCommand(file: string, o: { env: string[] }, io: CliIO): Promise<ExitCodeValue> {
  const typed = ['.ts', '.mts', '.cts'].includes(extname(file).toLowerCase());
  // Every problem at once, as `volley run` lists them: the type errors, then what validation finds.
  const problems: string[] = [];
  if (typed) {
    const { typecheckScript } = await import('../script/typecheck.js');
    problems.push(...typecheckScript(file));
  }
  const test = await loadWithTypeProblems(
    problems,
    () => load(file, o.env, io),
    (t) => t.dispose(),
  );
  try {
    const n = Object.keys(test.config.scenarios).length;
    io.stdout(`✓ ${file}: ${typed ? 'types check, ' : ''}${n} scenario${n === 1 ? '' : 's'} valid\n`);
    return ExitCode.OK;
  } finally {
    test.dispose();
  }
}
