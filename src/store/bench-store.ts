/**
 * The benches table (migration 2): one row per `volley bench`, the whole result document as JSON,
 * indexed by base URL and endpoint set so "the previous bench of these endpoints" is one lookup.
 * Each endpoint's measured run is also in `runs` (source 'bench'); the document names their ids.
 */
import type Database from 'better-sqlite3';

/**
 * What the table indexes in a bench document (src/analysis/bench.ts BenchDocument). The store sits
 * below the analysis that writes benches, so it names only these fields and keeps the rest as JSON.
 */
export interface StoredBench {
  id: string;
  /** ISO time. */
  createdAt: string;
  baseUrl: string;
  concurrency: number;
  durationMs: number;
}

interface BenchRow {
  id: string;
  created_at: number;
  base_url: string;
  endpoints_key: string;
  concurrency: number;
  duration_ms: number;
  result_json: string;
}

export interface BenchListItem {
  id: string;
  createdAt: string;
  baseUrl: string;
  endpoints: string[];
  concurrency: number;
  durationMs: number;
}

/** `D`: the document type stored, read back as it was written (one writer, `volley bench`). */
export class BenchStore<D extends StoredBench = StoredBench> {
  constructor(private readonly db: Database.Database) {}

  /** Saves a bench under its endpoint set's key (see endpointsKey in src/analysis/bench.ts). */
  add(doc: D, endpointsKey: string): void {
    this.db
      .prepare(
        `INSERT INTO benches (id, created_at, base_url, endpoints_key, concurrency, duration_ms, result_json)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        doc.id,
        Date.parse(doc.createdAt),
        doc.baseUrl,
        endpointsKey,
        doc.concurrency,
        doc.durationMs,
        JSON.stringify(doc),
      );
  }

  /** The newest bench of this endpoint set against this base URL, created before `before`. */
  previous(baseUrl: string, endpointsKey: string, before: Date): D | undefined {
    const row = this.db
      .prepare(
        `SELECT result_json FROM benches
         WHERE base_url = ? AND endpoints_key = ? AND created_at <= ?
         ORDER BY created_at DESC, rowid DESC LIMIT 1`,
      )
      .get(baseUrl, endpointsKey, before.getTime()) as Pick<BenchRow, 'result_json'> | undefined;
    return row ? (JSON.parse(row.result_json) as D) : undefined;
  }

  get(id: string): D | undefined {
    const row = this.db.prepare('SELECT result_json FROM benches WHERE id = ?').get(id) as
      Pick<BenchRow, 'result_json'> | undefined;
    return row ? (JSON.parse(row.result_json) as D) : undefined;
  }

  /** Every bench against this base URL, oldest first (at most `limit`, the newest ones). */
  forBaseUrl(baseUrl: string, limit = 500): D[] {
    const rows = this.db
      .prepare(
        `SELECT result_json FROM benches WHERE base_url = ?
         ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .all(baseUrl, limit) as Pick<BenchRow, 'result_json'>[];
    return rows.reverse().map((r) => JSON.parse(r.result_json) as D);
  }

  /** Recent benches, newest first. */
  list(limit = 20): BenchListItem[] {
    const rows = this.db
      .prepare(
        `SELECT id, created_at, base_url, endpoints_key, concurrency, duration_ms FROM benches
         ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .all(limit) as Omit<BenchRow, 'result_json'>[];
    return rows.map((r) => ({
      id: r.id,
      createdAt: new Date(r.created_at).toISOString(),
      baseUrl: r.base_url,
      endpoints: r.endpoints_key.split('\n'),
      concurrency: r.concurrency,
      durationMs: r.duration_ms,
    }));
  }
}
