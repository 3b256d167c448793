/**
 * `GET /api/benches/:id`: a bench as the dashboard shows it — the stored document with each
 * endpoint's trend across every stored bench of its base URL, or a bench this server is running
 * (or ran without storing: stopped, failed).
 */
import type { BenchDocument } from '../analysis/bench.js';
import { endpointLabel } from '../analysis/bench.js';
import type { BenchStore } from '../store/bench-store.js';
import type { BenchJobState } from './run-manager.js';
import type { BenchDetail, BenchHistoryEntry } from './wire.js';

export function benchDetail(
  store: BenchStore,
  job: BenchJobState | undefined,
  id: string,
): BenchDetail | undefined {
  const doc = store.get(id) as BenchDocument | undefined;
  if (doc) {
    const history: Record<string, BenchHistoryEntry[]> = {};
    for (const e of doc.endpoints) history[endpointLabel(e)] = [];
    for (const b of store.forBaseUrl(doc.baseUrl) as BenchDocument[])
      for (const e of b.endpoints) {
        const list = history[endpointLabel(e)];
        if (!list) continue;
        list.push({
          benchId: b.id,
          createdAt: b.createdAt,
          concurrency: b.concurrency,
          durationMs: b.durationMs,
          rps: e.rps,
          p50Ms: e.latency.p50,
          p99Ms: e.latency.p99,
          errorRate: e.errorRate,
          failed: e.failed,
        });
      }
    return {
      id,
      status: 'finished',
      endpoints: doc.endpoints,
      total: doc.endpoints.length,
      error: null,
      bench: doc,
      history,
    };
  }
  if (!job) return undefined;
  // 'ended' without a stored document: the bench had no store to write to, or its write failed.
  return {
    id,
    status: job.status === 'ended' ? 'error' : job.status,
    endpoints: job.endpoints,
    total: job.total,
    error: job.status === 'ended' ? 'the bench ended but is not in the store' : job.error,
    bench: null,
    history: {},
  };
}
