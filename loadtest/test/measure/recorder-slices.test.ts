import { describe, expect, it } from 'vitest';
import { StepRecorder } from '../../src/measure/recorder.ts';
import { decodeHistogram } from '../../src/results/histogram.ts';

const SECOND = 1_000_000_000n;
const MILLISECOND = 1_000_000n;

/** Counts per slice index, decoded from what a worker file would receive. */
function sliceCounts(recorder: StepRecorder): Record<number, { same: number; cross: number }> {
  const counts: Record<number, { same: number; cross: number }> = {};
  for (const interval of recorder.encode().intervals) {
    counts[interval.index] = {
      same: decodeHistogram(interval.same).totalCount,
      cross: decodeHistogram(interval.cross).totalCount,
    };
  }
  return counts;
}

describe('recorder slices', () => {
  it('encode a late delivery into an older slice', () => {
    const recorder = new StepRecorder(0n, 20n * SECOND, 5n * SECOND);
    recorder.recordDelivery(2n * MILLISECOND, 1n * SECOND, false);
    recorder.recordDelivery(3n * MILLISECOND, 6n * SECOND, true);
    const first = sliceCounts(recorder);

    recorder.recordDelivery(4n * MILLISECOND, 2n * SECOND, true);
    recorder.recordDelivery(5n * MILLISECOND, 3n * SECOND, false);
    const second = sliceCounts(recorder);

    expect(first).toEqual({ 0: { same: 1, cross: 0 }, 1: { same: 0, cross: 1 } });
    expect(second).toEqual({ 0: { same: 2, cross: 1 }, 1: { same: 0, cross: 1 } });
  });

  it('encode an unchanged slice the same way twice', () => {
    const recorder = new StepRecorder(0n, 20n * SECOND, 5n * SECOND);
    recorder.recordDelivery(2n * MILLISECOND, 1n * SECOND, false);

    const first = recorder.encode().intervals;
    recorder.recordDelivery(3n * MILLISECOND, 11n * SECOND, false);
    const second = recorder.encode().intervals;

    expect(second[0]).toEqual(first[0]);
    expect(second.map((interval) => interval.index)).toEqual([0, 2]);
  });
});
