/**
 * Open-loop sending for the bench's own drivers. Message k is due at start + k / rate,
 * whatever happened to earlier messages. A late send records how late it left, so a slow
 * driver shows up as schedule lag instead of as lower latency.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createHistogram,
  nanosecondsToMicroseconds,
} from '../../loadtest/src/results/histogram.ts';

export interface PaceOptions {
  /** Messages per second over all senders. */
  rate: number;
  durationMs: number;
  /** Sends message number `sequence` (from 0); called once per due slot. */
  send: (sequence: number) => void;
}

export interface PaceResult {
  sent: number;
  /** How late sends left relative to their slot, p99 and max, µs. */
  lagP99Us: number;
  lagMaxUs: number;
}

const ONE_MILLISECOND_NS = 1_000_000n;

export class PaceError extends Error {
  override name = 'PaceError';
}

/** Sends `rate × duration` messages on schedule and returns when the last one is sent. */
export async function sendAtRate(options: PaceOptions): Promise<PaceResult> {
  if (!(options.rate > 0) || !(options.durationMs > 0)) {
    throw new PaceError(
      `cannot pace ${options.rate} messages/s for ${options.durationMs} ms; both must be > 0`,
    );
  }

  const total = Math.max(1, Math.round((options.rate * options.durationMs) / 1000));
  const intervalNs = BigInt(Math.round(1e9 / options.rate));
  const start = process.hrtime.bigint();
  const lag = createHistogram();

  for (let sequence = 0; sequence < total; ) {
    const now = process.hrtime.bigint();
    const due = start + BigInt(sequence) * intervalNs;
    // Timers fire in whole milliseconds, so a slot less than 1 ms away is sent at once
    // rather than spinning. Latency is measured from the actual send, so this is harmless.
    if (due - now >= ONE_MILLISECOND_NS) {
      await sleep(Math.floor(Number(due - now) / 1e6));
      continue;
    }
    lag.recordValue(nanosecondsToMicroseconds(now - due));
    options.send(sequence);
    sequence += 1;
  }

  return {
    sent: total,
    lagP99Us: lag.getValueAtPercentile(99),
    lagMaxUs: lag.maxValue,
  };
}
