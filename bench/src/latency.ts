/**
 * One-way latency of the bench's own drivers: HDR histograms of microseconds (the project's
 * helpers in loadtest/src/results/histogram.ts) and their percentiles in microseconds.
 */
import {
  createHistogram,
  type Histogram,
  nanosecondsToMicroseconds,
  summariseHistogram,
} from '../../loadtest/src/results/histogram.ts';
import type { LatencySummary } from '../../loadtest/src/results/summary.ts';

/** Latency percentiles in microseconds, with the encoded histogram they came from. */
export interface LatencyFigures {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  /** hdr-histogram-js compressed base64 encoding of the microsecond values. */
  histogram: string;
}

/** Records send-to-receive times read from `process.hrtime.bigint()` in one process. */
export class LatencyRecorder {
  readonly histogram: Histogram = createHistogram();

  /** Records the time from `sentAtUs` (monotonic clock, µs) to now. */
  recordSince(sentAtUs: number): void {
    const now = process.hrtime.bigint();
    this.histogram.recordValue(nanosecondsToMicroseconds(now - BigInt(sentAtUs) * 1000n));
  }

  figures(): LatencyFigures {
    return fromSummary(summariseHistogram(this.histogram));
  }
}

/** Converts a millisecond summary of the loadtest into microsecond figures. */
export function fromSummary(summary: LatencySummary): LatencyFigures {
  const micro = (milliseconds: number) => Math.round(milliseconds * 1000);
  return {
    count: summary.count,
    min: micro(summary.min),
    p50: micro(summary.p50),
    p90: micro(summary.p90),
    p95: micro(summary.p95),
    p99: micro(summary.p99),
    p999: micro(summary.p999),
    max: micro(summary.max),
    histogram: summary.histogram,
  };
}

/** Returns the current monotonic time in whole microseconds, as messages carry it. */
export function nowMicroseconds(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
