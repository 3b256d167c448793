/**
 * `--out csv=FILE`: the per-second series as CSV, one row written (and flushed to the file) as each
 * second closes, so a crashed run keeps every second it measured. Same columns and formatting as
 * `volley report --format csv`. The monitored-metric columns are those present in the first
 * second (a metric first seen later is left out of the live file; the report has it).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { RunListener } from '../engine/run.js';
import type { Snapshot } from '../engine/snapshot.js';
import { VolleyError } from '../errors.js';
import { csvHeader, csvRow, snapshotMonitored } from '../report/csv-report.js';
import { seriesPoint } from '../store/series-point.js';

export class CsvOutput implements RunListener {
  private fd: number | undefined;
  private columns: string[] | undefined;

  constructor(
    private readonly target: string,
    private readonly stdout: (s: string) => void,
  ) {
    if (target !== '-') {
      try {
        this.fd = openSync(target, 'w');
      } catch (err) {
        throw new VolleyError(
          'UNREADABLE_FILE',
          `--out csv=${target}: cannot open for writing (${(err as NodeJS.ErrnoException).code})`,
        );
      }
    }
  }

  private write(text: string): void {
    if (this.target === '-') this.stdout(text);
    else if (this.fd !== undefined) writeSync(this.fd, text);
  }

  onSnapshot(s: Snapshot): void {
    if (!this.columns) {
      this.columns = snapshotMonitored(s);
      this.write(csvHeader(this.columns));
    }
    this.write(
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
      this.write(csvHeader([]));
    }
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
