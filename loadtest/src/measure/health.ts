/**
 * Health of one load-generator thread over the measure window: its event-loop delay, the
 * CPU time the thread itself used (`process.threadCpuUsage`, Node 23.9 and later) and the
 * process's resident memory. A busy generator delays its own sends and receipts, so these
 * decide whether a step's latencies can be trusted.
 */
import { type ELDHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

export interface HealthFigures {
  /** Event-loop delay p99 of this thread over the window so far, ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** CPU time of this thread over the window so far, percent of one core. */
  cpuPercent: number;
  /** Resident memory of the whole process, bytes. */
  rssBytes: number;
  /** Seconds of the window observed so far. */
  seconds: number;
}

/**
 * Sampling period of the event-loop delay monitor, ms. Node's monitor records the time
 * between runs of its own timer, which includes this period, so the period is subtracted.
 */
const LOOP_DELAY_RESOLUTION_MS = 10;

export class HealthMonitor {
  private loopDelay: ELDHistogram | null = null;
  private startedAt = 0n;
  private stoppedAt: bigint | null = null;
  private cpuAtStart: NodeJS.CpuUsage = { user: 0, system: 0 };
  private cpuUsed: NodeJS.CpuUsage | null = null;

  get running(): boolean {
    return this.loopDelay !== null && this.stoppedAt === null;
  }

  /** Starts observing; a second call does nothing. */
  start(): void {
    if (this.loopDelay !== null) {
      return;
    }
    this.loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
    this.loopDelay.enable();
    this.startedAt = process.hrtime.bigint();
    this.cpuAtStart = process.threadCpuUsage();
  }

  /** Freezes the figures at the end of the window. */
  stop(): void {
    if (this.loopDelay === null || this.stoppedAt !== null) {
      return;
    }
    this.loopDelay.disable();
    this.stoppedAt = process.hrtime.bigint();
    this.cpuUsed = process.threadCpuUsage(this.cpuAtStart);
  }

  figures(): HealthFigures {
    const rssBytes = process.memoryUsage.rss();
    if (this.loopDelay === null) {
      return { loopDelayP99Ms: 0, loopDelayMaxMs: 0, cpuPercent: 0, rssBytes, seconds: 0 };
    }

    const end = this.stoppedAt ?? process.hrtime.bigint();
    const wallMicroseconds = Number((end - this.startedAt) / 1000n);
    const cpu = this.cpuUsed ?? process.threadCpuUsage(this.cpuAtStart);
    const cpuMicroseconds = cpu.user + cpu.system;
    const hasSamples = this.loopDelay.count > 0;
    return {
      loopDelayP99Ms: hasSamples ? delayMilliseconds(this.loopDelay.percentile(99)) : 0,
      loopDelayMaxMs: hasSamples ? delayMilliseconds(this.loopDelay.max) : 0,
      cpuPercent: wallMicroseconds > 0 ? round((100 * cpuMicroseconds) / wallMicroseconds) : 0,
      rssBytes,
      seconds: round(wallMicroseconds / 1e6),
    };
  }
}

/** Converts a recorded timer period (ns) to the delay beyond the expected period (ms). */
function delayMilliseconds(periodNanoseconds: number): number {
  return round(Math.max(0, periodNanoseconds / 1e6 - LOOP_DELAY_RESOLUTION_MS));
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
