/** `volley check` and `volley run --typecheck`: the type errors and the validation problems, all at once. */
import { VolleyError } from '../errors.js';

/**
 * Loads (and so validates) a test after its type check found `typeProblems`: whatever the load
 * finds is listed after them, so one pass shows every problem of the file. Throws when there is
 * any; `dispose` frees a test that loaded despite type errors.
 */
export async function loadWithTypeProblems<T>(
  typeProblems: readonly string[],
  load: () => Promise<T>,
  dispose: (t: T) => void,
  hint?: string,
): Promise<T> {
  const problems = [...typeProblems];
  let test: T;
  try {
    test = await load();
  } catch (err) {
    if (!(err instanceof VolleyError) || problems.length === 0) throw err;
    for (const d of err.details.length > 0 ? err.details : [err.message])
      if (!problems.includes(d)) problems.push(d);
    throw new VolleyError(err.code, problems[0] as string, {
      details: problems,
      problems: err.problems,
      ...(hint && { hint }),
    });
  }
  if (problems.length > 0) {
    dispose(test);
    throw new VolleyError('INVALID_SCRIPT', problems[0] as string, {
      details: problems,
      ...(hint && { hint }),
    });
  }
  return test;
}
