import { describe, expect, test } from 'vitest';
import type { InjectedFault } from '../../src/faults/fault-outcome.ts';
import { summariseFaults } from '../../src/faults/fault-outcome.ts';
import { DeliveryAccounting } from '../../src/measure/accounting.ts';
import { SendTimeCounts, type SendTimeSlices } from '../../src/measure/send-time-counts.ts';
import type { WorkerFile } from '../../src/measure/worker-file.ts';
import { createHistogram, summariseHistogram } from '../../src/results/histogram.ts';

const MS = 1_000_000n;
const WINDOW = { measureStart: 1_000n * MS, measureEnd: 3_000n * MS, drainEnd: 4_000n * MS };
const ROOM = 'gen.1.1.0';

function at(milliseconds: number): bigint {
  return WINDOW.measureStart + BigInt(milliseconds) * MS;
}

describe('SendTimeCounts in the accounting', () => {
  test('counts by send time add up to the totals', () => {
    const bySendTime = new SendTimeCounts(WINDOW.measureStart, WINDOW.measureEnd, 100);
    const accounting = new DeliveryAccounting(WINDOW, 100n * MS, bySendTime);
    for (const [member, replica] of [
      [1, 'a'],
      [2, 'a'],
      [3, 'b'],
    ] as const) {
      accounting.joinRequested(member, ROOM, at(-10));
      accounting.joined(member, replica);
    }

    accounting.send(1, at(50));
    accounting.send(1, at(550));
    accounting.receive(
      { receiver: 2, sender: 1, sequence: 0, origin: 'a', sentAt: at(50) },
      at(52),
    );
    accounting.receive(
      { receiver: 3, sender: 1, sequence: 0, origin: 'a', sentAt: at(50) },
      at(53),
    );
    accounting.receive(
      { receiver: 2, sender: 1, sequence: 0, origin: 'a', sentAt: at(50) },
      at(54),
    );
    accounting.receive(
      { receiver: 2, sender: 1, sequence: 1, origin: 'a', sentAt: at(550) },
      at(552),
    );
    accounting.finish();
    const slices = bySendTime.encode();
    const totals = accounting.snapshot();

    expect(slices.expected.length).toBe(20);
    expect(slices.expected[0]).toBe(2);
    expect(slices.crossExpected[0]).toBe(1);
    expect(slices.delivered[0]).toBe(2);
    expect(slices.duplicated[0]).toBe(1);
    expect(slices.expected[5]).toBe(2);
    expect(slices.delivered[5]).toBe(1);
    expect(slices.lost[5]).toBe(1);
    expect(slices.crossLost[5]).toBe(1);
    expect(sum(slices.expected)).toBe(totals.expected);
    expect(sum(slices.delivered)).toBe(totals.delivered);
    expect(sum(slices.lost)).toBe(totals.lost);
    expect(sum(slices.duplicated)).toBe(totals.duplicated);
  });

  test('a rejected message leaves its slice', () => {
    const bySendTime = new SendTimeCounts(WINDOW.measureStart, WINDOW.measureEnd, 100);
    const accounting = new DeliveryAccounting(WINDOW, 100n * MS, bySendTime);
    accounting.joinRequested(1, ROOM, at(-10));
    accounting.joined(1, 'a');
    accounting.joinRequested(2, ROOM, at(-10));
    accounting.joined(2, 'b');

    const sequence = accounting.send(1, at(120))!;
    accounting.rejected(1, sequence);
    accounting.finish();
    const slices = bySendTime.encode();

    expect(slices.expected[1]).toBe(0);
    expect(slices.crossExpected[1]).toBe(0);
    expect(slices.lost[1]).toBe(0);
  });
});

/** Slices of 100 ms over 2 s: every slice expects 10, and `lost` of them are lost. */
function slicesWith(lost: Record<number, number>, crossLost: Record<number, number> = lost) {
  const length = 20;
  const fill = (read: (index: number) => number) => Array.from({ length }, (_, i) => read(i));
  const slices: SendTimeSlices = {
    sliceMs: 100,
    expected: fill(() => 10),
    delivered: fill((i) => 10 - (lost[i] ?? 0)),
    lost: fill((i) => lost[i] ?? 0),
    lostToDisconnects: fill(() => 0),
    duplicated: fill((i) => (i === 12 ? 1 : 0)),
    crossExpected: fill(() => 4),
    crossLost: fill((i) => crossLost[i] ?? 0),
  };
  return slices;
}

function worker(slices: SendTimeSlices, drops: [number, number | null][]): WorkerFile {
  return { sendTimeSlices: slices, drops } as WorkerFile;
}

const START_MS = 50_000;

function fault(
  kind: 'kill-replica' | 'restart-redis',
  atMs: number,
  injectedMs: number,
  recoveredMs: number | null,
): InjectedFault {
  return {
    spec: { kind, atMs },
    event: {
      kind,
      target: kind === 'kill-replica' ? 'replica-1' : 'redis',
      injectedAtMs: START_MS + injectedMs,
      recoveredAtMs: recoveredMs === null ? null : START_MS + recoveredMs,
      error: null,
    },
  };
}

describe('summariseFaults', () => {
  test('parts split at the fault edges, rounded outward', () => {
    const slices = slicesWith({ 9: 1, 10: 3, 11: 2, 15: 1 });
    const drops: [number, number | null][] = [
      [500, 20],
      [1_060, 300],
      [1_080, 900],
      [1_090, null],
    ];

    const [summary] = summariseFaults(
      [worker(slices, drops)],
      [fault('kill-replica', 1_000, 1_050, 1_520)],
      START_MS,
    );

    expect(summary!.spec).toBe('kill-replica@1s');
    expect(summary!.injectedAtMs).toBe(1_050);
    expect(summary!.recoveredAtMs).toBe(1_520);
    expect(summary!.beforeFault).toMatchObject({ fromMs: 0, toMs: 1_000, expected: 100, lost: 1 });
    expect(summary!.duringOutage).toMatchObject({
      fromMs: 1_000,
      toMs: 1_600,
      expected: 60,
      delivered: 54,
      lost: 6,
      duplicated: 1,
    });
    expect(summary!.afterRecovery).toMatchObject({
      fromMs: 1_600,
      toMs: 2_000,
      expected: 40,
      delivered: 40,
      lost: 0,
      duplicated: 0,
    });
    expect(summary!.clients.disconnected).toBe(3);
    expect(summary!.clients.reconnected).toBe(2);
    expect(summary!.clients.reconnect.p50).toBeCloseTo(300, 0);
    expect(summary!.clients.reconnect.max).toBeCloseTo(900, 0);
    expect(summary!.crossResumedAfterMs).toBe(550);
  });

  test('parts of every fault add up to the window', () => {
    const slices = slicesWith({ 3: 2, 4: 1, 14: 5 });
    const workers = [worker(slices, []), worker(slicesWith({ 4: 1 }), [])];

    const summaries = summariseFaults(
      workers,
      [fault('restart-redis', 1_300, 1_300, 1_800), fault('kill-replica', 300, 300, 700)],
      START_MS,
    );

    expect(summaries.map((summary) => summary.kind)).toEqual(['kill-replica', 'restart-redis']);
    const parts = summaries.flatMap((s) => [s.beforeFault, s.duringOutage, s.afterRecovery]);
    expect(parts.map((part) => [part.fromMs, part.toMs])).toEqual([
      [0, 300],
      [300, 700],
      [700, 1_300],
      [1_300, 1_300],
      [1_300, 1_800],
      [1_800, 2_000],
    ]);
    expect(sum(parts.map((part) => part.expected))).toBe(400);
    expect(sum(parts.map((part) => part.lost))).toBe(9);
    for (const part of parts) {
      expect(part.expected).toBe(part.delivered + part.lost);
    }
    expect(summaries[1]!.duringOutage.lost).toBe(5);
    expect(summaries[1]!.afterRecovery.lost).toBe(0);
  });

  test('no recovery leaves losses to the end', () => {
    const slices = slicesWith({ 18: 1, 19: 1 });

    const [summary] = summariseFaults(
      [worker(slices, [])],
      [fault('kill-replica', 1_700, 1_700, null)],
      START_MS,
    );

    expect(summary!.recoveredAtMs).toBeNull();
    expect(summary!.duringOutage).toMatchObject({ fromMs: 1_700, toMs: 2_000, lost: 2 });
    expect(summary!.afterRecovery.expected).toBe(0);
    expect(summary!.crossResumedAfterMs).toBeNull();
  });

  test('outage latency merges overlapping slices', () => {
    const timeline = [0, 1, 2].map((second) => {
      const histogram = createHistogram();
      histogram.recordValue((second + 1) * 1_000_000);
      return {
        start: second * 0.7,
        seconds: 0.7,
        delivered: 1,
        same: summariseHistogram(createHistogram()),
        cross: summariseHistogram(histogram),
      };
    });

    const [summary] = summariseFaults(
      [worker(slicesWith({}), [])],
      [fault('restart-redis', 800, 800, 1_500)],
      START_MS,
      timeline,
    );

    expect(summary!.outageLatency.fromSeconds).toBeCloseTo(0.7, 6);
    expect(summary!.outageLatency.toSeconds).toBeCloseTo(2.1, 6);
    expect(summary!.outageLatency.cross.count).toBe(2);
    expect(summary!.outageLatency.cross.min).toBeCloseTo(2_000, 0);
    expect(summary!.outageLatency.cross.max).toBeCloseTo(3_000, 0);
  });

  test('no cross loss resumes at once', () => {
    const [summary] = summariseFaults(
      [worker(slicesWith({ 12: 1 }, {}), [])],
      [fault('kill-replica', 1_000, 1_000, 1_400)],
      START_MS,
    );

    expect(summary!.crossResumedAfterMs).toBe(0);
    expect(summary!.duringOutage.lost).toBe(1);
    expect(summary!.duringOutage.duplicated).toBe(1);
  });
});

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
