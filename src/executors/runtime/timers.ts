/** Node's timers behind the `Timers` interface: what every runtime half uses outside unit tests. */
import type { TimerHandle, Timers } from '../types.js';

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setImmediate: (fn) => setImmediate(fn),
  clearImmediate: (h) => clearImmediate(h as NodeJS.Immediate),
  unref: (h: TimerHandle) => void (h as NodeJS.Timeout).unref(),
};
