/**
 * HDR histograms of latencies in microseconds: creation, the compressed base64 encoding kept
 * in worker files and summary.json, exact merging, and the millisecond summary reports show.
 * Everything uses the pure JavaScript histograms of hdr-histogram-js, never the WebAssembly
 * ones, because those need an asynchronous start-up in every worker thread.
 */
import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';
import type { LatencySummary } from './summary.ts';

export type { Histogram } from 'hdr-histogram-js';

/** Significant decimal digits every histogram keeps: values are exact to 0.1 %. */
export const SIGNIFICANT_DIGITS = 3;

const BUCKET_BITS = 32;

export class HistogramDecodeError extends Error {
  override name = 'HistogramDecodeError';
}

/**
 * Creates an empty histogram for microsecond values. It starts small and grows to fit the
 * largest value recorded, so one slow outlier never throws.
 */
export function createHistogram(): Histogram {
  return build({
    bitBucketSize: BUCKET_BITS,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    autoResize: true,
    useWebAssembly: false,
  });
}

/** Converts a duration in nanoseconds to whole microseconds; negative durations become 0. */
export function nanosecondsToMicroseconds(nanoseconds: bigint): number {
  return nanoseconds > 0n ? Number(nanoseconds / 1000n) : 0;
}

export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  try {
    return decodeFromCompressedBase64(encoded, BUCKET_BITS, false);
  } catch (error) {
    const start = encoded.slice(0, 24);
    throw new HistogramDecodeError(
      `cannot decode the histogram "${start}...": ${(error as Error).message}. Expected ` +
        'the compressed base64 form written by encodeHistogram.',
      { cause: error },
    );
  }
}

/**
 * Adds every count of the encoded histograms into one new histogram. Counts add exactly,
 * so percentiles of the result equal those of one histogram fed all the values.
 */
export function mergeEncoded(encoded: Iterable<string>): Histogram {
  const merged = createHistogram();
  for (const item of encoded) {
    merged.add(decodeHistogram(item));
  }
  return merged;
}

/** Merges encoded histograms and returns the encoding of the result. */
export function mergeEncodedToEncoded(encoded: Iterable<string>): string {
  return encodeHistogram(mergeEncoded(encoded));
}

/**
 * Summarises a microsecond histogram in milliseconds. Min and max are the lowest and
 * highest values equivalent to the recorded extremes, so the figures are the same whether
 * computed before or after encoding.
 */
export function summariseHistogram(histogram: Histogram): LatencySummary {
  const histogramText = encodeHistogram(histogram);
  if (histogram.totalCount === 0) {
    return { ...ZERO_FIGURES, histogram: histogramText };
  }

  const at = (percentile: number): number =>
    toMilliseconds(histogram.getValueAtPercentile(percentile));
  return {
    count: histogram.totalCount,
    min: at(0),
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: at(100),
    histogram: histogramText,
  };
}

/** Merges encoded histograms and summarises the result. */
export function summariseEncoded(encoded: Iterable<string>): LatencySummary {
  return summariseHistogram(mergeEncoded(encoded));
}

/** Returns one percentile of a histogram in milliseconds, or 0 when it is empty. */
export function percentileMilliseconds(histogram: Histogram, percentile: number): number {
  if (histogram.totalCount === 0) {
    return 0;
  }
  return toMilliseconds(histogram.getValueAtPercentile(percentile));
}

/** Returns the summary of no values, with the encoding of an empty histogram. */
export function emptyLatencySummary(): LatencySummary {
  return summariseHistogram(createHistogram());
}

const ZERO_FIGURES = { count: 0, min: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };

/** Microseconds to milliseconds, keeping the microsecond resolution. */
function toMilliseconds(microseconds: number): number {
  return Math.round(microseconds) / 1000;
}
