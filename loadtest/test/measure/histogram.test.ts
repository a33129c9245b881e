import { describe, expect, test } from 'vitest';
import {
  createHistogram,
  decodeHistogram,
  emptyLatencySummary,
  encodeHistogram,
  HistogramDecodeError,
  mergeEncoded,
  nanosecondsToMicroseconds,
  summariseEncoded,
  summariseHistogram,
} from '../../src/results/histogram.ts';

/** Generates a deterministic spread of latencies in microseconds, with a long tail. */
function latencies(count: number, seed: number): number[] {
  const values: number[] = [];
  let state = seed;
  for (let index = 0; index < count; index += 1) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const uniform = state / 2_147_483_648;
    values.push(Math.round(200 + 5_000 * uniform ** 6 + (index % 97 === 0 ? 250_000 : 0)));
  }
  return values;
}

describe('histogram helpers', () => {
  test('merge across workers equals one histogram of all values', () => {
    const workers = [latencies(5_000, 1), latencies(3_000, 2), latencies(7_000, 3)];
    const single = createHistogram();
    const encoded = workers.map((values) => {
      const histogram = createHistogram();
      for (const value of values) {
        histogram.recordValue(value);
        single.recordValue(value);
      }
      return encodeHistogram(histogram);
    });

    const merged = summariseEncoded(encoded);
    const direct = summariseHistogram(single);

    expect(merged.count).toBe(15_000);
    const { histogram: _mergedText, ...mergedFigures } = merged;
    const { histogram: _directText, ...directFigures } = direct;
    expect(mergedFigures).toEqual(directFigures);
    expect(decodeHistogram(merged.histogram).totalCount).toBe(15_000);
  });

  test('summary is in milliseconds within three digits', () => {
    const histogram = createHistogram();
    for (let value = 1; value <= 1_000; value += 1) {
      histogram.recordValue(value * 100);
    }

    const summary = summariseHistogram(histogram);

    expect(summary.count).toBe(1_000);
    expect(summary.min).toBeCloseTo(0.1, 3);
    expect(summary.p50).toBeCloseTo(50, -1);
    expect(Math.abs(summary.p99 - 99) / 99).toBeLessThan(0.001);
    expect(Math.abs(summary.max - 100) / 100).toBeLessThan(0.001);
  });

  test('empty histogram summarises to zeros', () => {
    const summary = emptyLatencySummary();

    expect(summary.count).toBe(0);
    expect(summary.p99).toBe(0);
    expect(summary.max).toBe(0);
    expect(mergeEncoded([summary.histogram]).totalCount).toBe(0);
  });

  test('values far past the initial range are kept', () => {
    const histogram = createHistogram();
    histogram.recordValue(3);
    histogram.recordValue(600_000_000);

    const decoded = decodeHistogram(encodeHistogram(histogram));

    expect(decoded.totalCount).toBe(2);
    expect(Math.abs(decoded.maxValue - 600_000_000) / 600_000_000).toBeLessThan(0.001);
  });

  test('invalid encoding names the problem', () => {
    expect(() => decodeHistogram('not a histogram')).toThrow(HistogramDecodeError);
  });

  test('nanoseconds convert to whole microseconds', () => {
    expect(nanosecondsToMicroseconds(1_999n)).toBe(1);
    expect(nanosecondsToMicroseconds(-5n)).toBe(0);
  });
});
