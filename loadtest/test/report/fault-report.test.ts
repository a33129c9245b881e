import { describe, expect, test } from 'vitest';
import {
  type FaultReport,
  type FaultStep,
  faultMarks,
  faultSteps,
  faultTable,
} from '../../src/report/fault-report.ts';
import type { DeliveryPart, FaultSummary } from '../../src/results/fault-summary.ts';
import { createHistogram, summariseHistogram } from '../../src/results/histogram.ts';
import type { StepSummary } from '../../src/results/summary.ts';

function part(fromMs: number, toMs: number, expected: number, lost: number): DeliveryPart {
  return {
    fromMs,
    toMs,
    expected,
    delivered: expected - lost,
    lost,
    lostToDisconnects: 0,
    duplicated: 0,
  };
}

function faultSummary(overrides: Partial<FaultSummary> = {}): FaultSummary {
  const histogram = createHistogram();
  histogram.recordValue(250_000);
  histogram.recordValue(1_200_000);
  const outage = createHistogram();
  outage.recordValue(2_010_000);
  return {
    kind: 'restart-redis',
    spec: 'restart-redis@5s',
    target: 'redis',
    injectedAtMs: 5_000,
    recoveredAtMs: 7_200,
    error: null,
    clients: { disconnected: 2, reconnected: 2, reconnect: summariseHistogram(histogram) },
    beforeFault: part(0, 5_000, 4_500, 0),
    duringOutage: part(5_000, 7_300, 2_061, 1_055),
    afterRecovery: part(7_300, 15_000, 6_939, 0),
    outageLatency: {
      fromSeconds: 5,
      toSeconds: 8,
      same: summariseHistogram(createHistogram()),
      cross: summariseHistogram(outage),
    },
    crossResumedAfterMs: 2_300,
    sliceMs: 100,
    ...overrides,
  };
}

function stepWith(adapter: string, faults: FaultSummary[] | undefined): StepSummary {
  return { index: 0, replicas: 2, adapter, faults } as StepSummary;
}

describe('fault report', () => {
  test('faultSteps keeps steps with faults', () => {
    const steps = faultSteps('baseline run-1', [
      stepWith('pubsub', [faultSummary()]),
      stepWith('pubsub', undefined),
    ]);

    expect(steps).toHaveLength(1);
    expect(steps[0]!.run).toBe('baseline run-1');
    expect(steps[0]!.adapter).toBe('pubsub');
    expect(steps[0]!.faults[0]!.clients.reconnect).not.toHaveProperty('histogram');
    expect(steps[0]!.faults[0]!.outageLatency.cross).not.toHaveProperty('histogram');
  });

  test('table shows each mode side by side', () => {
    const current = faultSteps('this run', [
      stepWith('streams', [faultSummary({ duringOutage: part(5_000, 7_300, 2_061, 0) })]),
    ]);
    const baseline = faultSteps('baseline run-1', [stepWith('pubsub', [faultSummary()])]);

    const table = faultTable([...current, ...baseline]);

    expect(table.id).toBe('faults');
    expect(table.rows).toHaveLength(2);
    const column = (name: string) => table.headers.indexOf(name);
    expect(table.rows.map((row) => row[column('adapter')])).toEqual(['streams', 'pubsub']);
    expect(table.rows.map((row) => row[column('lost during')])).toEqual([
      '0 of 2061',
      '1055 of 2061',
    ]);
    expect(table.rows[0]![column('lost after recovery')]).toBe('0 of 6939');
    expect(table.rows[0]![column('injected')]).toBe('5.0');
    expect(table.rows[0]![column('recovered')]).toBe('7.2');
    expect(table.rows[0]![column('disconnected')]).toBe('2');
    expect(Number(table.rows[0]![column('reconnect p99')])).toBeCloseTo(1_200, 0);
    expect(table.rows[0]![column('cross resumed after')]).toBe('2.3');
    expect(Number(table.rows[0]![column('cross p99 during')])).toBeCloseTo(2_010, 0);
    expect(table.flagged).toEqual([]);
  });

  test('losses after recovery flag the row', () => {
    const steps: FaultStep[] = faultSteps('this run', [
      stepWith('pubsub', [
        faultSummary(),
        faultSummary({ afterRecovery: part(7_300, 15_000, 6_939, 3) }),
        faultSummary({ recoveredAtMs: null, error: 'replica-1 was not ready within 30000 ms' }),
      ]),
    ]);

    const table = faultTable(steps);

    expect(table.flagged).toEqual([1, 2]);
    const recovered = table.headers.indexOf('recovered');
    expect(table.rows[2]![recovered]).toBe('no: replica-1 was not ready within 30000 ms');
  });

  test('marks show injection and outage', () => {
    const faults: FaultReport[] = faultSteps('this run', [
      stepWith('pubsub', [
        faultSummary(),
        faultSummary({ injectedAtMs: 11_000, recoveredAtMs: null }),
      ]),
    ])[0]!.faults;

    const marks = faultMarks(faults, 15) as {
      markLine: { data: { name: string; xAxis: number }[] };
      markArea: { data: { xAxis: number }[][] };
    };

    expect(marks.markLine.data).toEqual([
      { name: 'restart-redis@5s', xAxis: 5 },
      { name: 'restart-redis@5s', xAxis: 11 },
    ]);
    expect(marks.markArea.data.map((area) => area.map((edge) => edge.xAxis))).toEqual([
      [5, 7.2],
      [11, 15],
    ]);
  });

  test('no faults give no marks', () => {
    expect(faultMarks([], 15)).toEqual({});
  });
});
