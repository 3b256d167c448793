/**
 * `GET /api/compare?base=ID&new=ID[&tolerance=10%]`: `volley compare` of two stored runs, so the
 * dashboard's compare page shows the same verdict and the same ok/regressed/improved judgement
 * (tolerance and absolute floors) as the CLI gate.
 */
import { compareSummaries, parseFraction, type Comparison } from '../analysis/compare.js';
import { VolleyError } from '../errors.js';
import type { Summary } from '../summary/summary.js';
import type { RunStore } from '../store/run-store.js';
import { ApiProblem } from './run-manager.js';

export function compareStoredRuns(
  store: RunStore,
  resolveRun: (raw: string) => string,
  query: URLSearchParams,
): Comparison {
  const baseRaw = query.get('base');
  const newRaw = query.get('new');
  if (!baseRaw || !newRaw) throw new ApiProblem(400, 'give base and new: /api/compare?base=ID&new=ID');
  const ids = { base: resolveRun(baseRaw), new: resolveRun(newRaw) };
  const summaries = [ids.base, ids.new].map((id) => {
    const run = store.get(id);
    if (!run?.summary)
      throw new ApiProblem(
        409,
        `run ${id} has no summary (status ${run?.status ?? 'unknown'}): nothing to compare`,
      );
    return run.summary;
  });
  try {
    const tolerance = query.get('tolerance');
    return compareSummaries(
      summaries[0] as Summary,
      summaries[1] as Summary,
      { base: { id: ids.base, source: 'store' }, new: { id: ids.new, source: 'store' } },
      tolerance === null ? {} : { tolerance: parseFraction(tolerance, 'tolerance') },
    );
  } catch (err) {
    if (err instanceof VolleyError) throw new ApiProblem(400, err.message, [...err.details]);
    throw err;
  }
}
