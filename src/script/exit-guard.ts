/**
 * A test script must not end its process or worker thread behind the engine's back: the load that
 * thread owned would vanish uncounted. While a script's code can run, `process.exit` throws instead
 * (an iteration error during the run, a clear load error before it).
 */
import { VolleyError } from '../errors.js';

type Exit = (code?: number | string | null) => never;

/** Replaces `proc.exit` with one that throws; returns the function that restores it. */
export function forbidProcessExit(
  proc: { exit: Exit },
  where: string,
  onRefuse?: (code: string) => void,
): () => void {
  const original = proc.exit;
  const refuse = (code?: number | string | null): never => {
    // Node itself ends a worker this way after an uncaught exception: let it (the engine reports
    // the worker's death). Only calls from script code are refused.
    const caller = new Error().stack?.split('\n')[2] ?? '';
    if (caller.includes('node:internal/')) return original.call(proc, code);
    onRefuse?.(String(code ?? ''));
    throw new VolleyError(
      'INVALID_SCRIPT',
      `${where}: process.exit(${code ?? ''}) is not allowed in a test script (it would end volley, or a worker and its share of the load, without a summary)`,
      {
        hint: 'throw an Error to fail an iteration or setup(); to stop the whole run, use a threshold with abortOnFail',
      },
    );
  };
  proc.exit = refuse;
  return () => {
    if (proc.exit === refuse) proc.exit = original;
  };
}
