/** The generator host's CPU and memory for `GET /api/system`, sampled once a second. */
import { cpus, freemem, hostname, loadavg, totalmem } from 'node:os';

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const c of cpus()) {
    idle += c.times.idle;
    total += c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
  }
  return { idle, total };
}

export class SystemSampler {
  private last = cpuTimes();
  private busyPercent = 0;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => {
      const now = cpuTimes();
      const dt = now.total - this.last.total;
      if (dt > 0) this.busyPercent = Math.round((1 - (now.idle - this.last.idle) / dt) * 1000) / 10;
      this.last = now;
    }, 1000);
    this.timer.unref();
  }

  read() {
    const totalMB = Math.round(totalmem() / 1048576);
    const freeMB = Math.round(freemem() / 1048576);
    return {
      hostname: hostname(),
      cpus: cpus().length,
      cpuPercent: this.busyPercent,
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      memory: { totalMB, freeMB, usedPercent: Math.round(((totalMB - freeMB) / totalMB) * 1000) / 10 },
      serverRssMB: Math.round(process.memoryUsage.rss() / 1048576),
    };
  }

  close(): void {
    clearInterval(this.timer);
  }
}
