/** A generator's health, measured in its own event loop: utilisation and delay, heap. Sampled once per report. */
import {
  monitorEventLoopDelay,
  performance,
  type EventLoopUtilization,
  type IntervalHistogram,
} from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { WorkerHealth } from './protocol.js';

export class HealthSampler {
  private readonly delay: IntervalHistogram;
  private lastElu: EventLoopUtilization;

  constructor() {
    this.delay = monitorEventLoopDelay({ resolution: 5 });
    this.delay.enable();
    this.lastElu = performance.eventLoopUtilization();
  }

  sample(): WorkerHealth {
    const elu = performance.eventLoopUtilization(this.lastElu);
    this.lastElu = performance.eventLoopUtilization();
    const h: WorkerHealth = {
      elu: Math.round(elu.utilization * 1000) / 1000,
      loopDelayP99Ms: this.delay.count > 0 ? this.delay.percentile(99) / 1e6 : 0,
      loopDelayMaxMs: this.delay.count > 0 ? this.delay.max / 1e6 : 0,
      heapUsedMB: Math.round(getHeapStatistics().used_heap_size / 1048576),
    };
    this.delay.reset();
    return h;
  }

  close(): void {
    this.delay.disable();
  }
}
