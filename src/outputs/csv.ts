/**
 * `--out csv=FILE`: the per-second series as CSV, one row written (and flushed to the file) as each
 * second closes, so a crashed run keeps every second it measured. Same columns and formatting as
 * `volley report --format csv`. The monitored-metric columns are those present in the first
 * second (a metric first seen later is left out of the live file; the report has it).
 */
import type { RunListener } from '../engine/run.js';
import type { Snapshot } from '../engine/snapshot.js';
import { csvHeader, csvRow, snapshotMonitored } from '../report/csv-report.js';
import { OutputStream } from './files.js';
import { seriesPoint } from '../summary/series-point.js';

export class CsvOutput implements RunListener {
  private readonly out: OutputStream;
  private columns: string[] | undefined;

  constructor(target: string, stdout: (s: string) => void) {
    this.out = new OutputStream('--out csv', target, stdout);
  }

  onSnapshot(s: Snapshot): void {
    if (!this.columns) {
      this.columns = snapshotMonitored(s);
      this.out.write(csvHeader(this.columns));
    }
    this.out.write(
      csvRow(
        seriesPoint(s),
        this.columns.map((n) => s.metrics[n]?.avg ?? null),
      ),
    );
  }

  /** A run with no closed second still gets its header. */
  close(): void {
    if (!this.columns) {
      this.columns = [];
      this.out.write(csvHeader([]));
    }
    this.out.close();
  }
}
