/**
 * `GET /api/compare?base=ID&new=ID[&tolerance=10%][&min-delta-ms=1][&min-delta-rate=0.1%]
 * [&min-requests=50][&metric=NAME:STAT...]`: `volley compare` of two stored runs. The same parser,
 * the same comparison as `volley compare BASE NEW --out json=-` on the same store: every row,
 * status, regression, warning and the verdict are the CLI's, so the dashboard can never disagree
 * with the CI gate. Only the runs' `source` differs: `store`, where the CLI says `store:<db path>`
 * (a client is not told where the server keeps its files). The dashboard's compare view renders
 * this document and judges nothing itself.
 */
import { compareSummaries, parseCompareOptions, type Comparison } from '../analysis/compare.js';
import { VolleyError } from '../errors.js';
import type { RunStore } from '../store/run-store.js';
import type { Summary } from '../summary/summary.js';
import { ApiProblem } from './run-manager.js';

/** Query parameters: the run ids, then `volley compare`'s flags under their own names. */
const PARAMS = new Set([
  'base',
  'new',
  'tolerance',
  'min-delta-ms',
  'min-delta-rate',
  'min-requests',
  'metric',
]);

export function compareStoredRuns(
  store: RunStore,
  resolveRun: (raw: string) => string,
  query: URLSearchParams,
): Comparison {
  const unknown = [...new Set(query.keys())].filter((k) => !PARAMS.has(k));
  if (unknown.length > 0)
    throw new ApiProblem(
      400,
      `unknown parameter ${unknown.map((k) => `'${k}'`).join(', ')} (known: ${[...PARAMS].join(', ')})`,
    );
  const baseRaw = query.get('base');
  const newRaw = query.get('new');
  if (!baseRaw || !newRaw) throw new ApiProblem(400, 'give base and new: /api/compare?base=ID&new=ID');
  const { options, problems } = parseCompareOptions({
    tolerance: query.get('tolerance') ?? undefined,
    minDeltaMs: query.get('min-delta-ms') ?? undefined,
    minDeltaRate: query.get('min-delta-rate') ?? undefined,
    minRequests: query.get('min-requests') ?? undefined,
    metric: query.getAll('metric'),
  });
  if (problems.length > 0) throw new ApiProblem(400, problems[0] as string, problems);
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
  const source = 'store';
  try {
    return compareSummaries(
      summaries[0] as Summary,
      summaries[1] as Summary,
      { base: { id: ids.base, source }, new: { id: ids.new, source } },
      {
        ...options,
        // A percentile the summaries lack (p(99.9)) comes from each run's stored histograms.
        percentiles: {
          base: (metric, p) => store.percentiles(ids.base, metric, [p])?.[`p(${p})`],
          new: (metric, p) => store.percentiles(ids.new, metric, [p])?.[`p(${p})`],
        },
      },
    );
  } catch (err) {
    // A --metric that names nothing in the two summaries.
    if (err instanceof VolleyError) throw new ApiProblem(400, err.message, [...err.details]);
    throw err;
  }
}
