/** What workers send the aggregator once per second (and once at the end). Versioned with the worker protocol. */
import type { MetricContains, MetricType } from './definitions.js';

export interface SeriesPoint {
  metric: string;
  type: MetricType;
  contains: MetricContains;
  tags: Record<string, string>;
  /** counter: sum added this interval. trend: sum of values. */
  sum: number;
  /** trend: values recorded; rate: total samples. */
  count: number;
  /** rate: samples that were true. */
  trues: number;
  /** gauge: last value; trend: min/max of the interval. */
  value: number;
  min: number;
  max: number;
  /** trend: this interval's HDR counts as `[index, count, …]` pairs in our layout (see `sparseCounts`). */
  hist?: number[];
}
