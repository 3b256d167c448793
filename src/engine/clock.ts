/**
 * The run clock: milliseconds on one time line shared by the main thread and every worker
 * (performance.timeOrigin + performance.now(): monotonic within a thread, sub-millisecond).
 */
import { performance } from 'node:perf_hooks';

const origin = performance.timeOrigin;
export const now = (): number => origin + performance.now();
