import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { emptyLatencySummary } from '../../loadtest/src/results/histogram.ts';
import type { Summary } from '../../loadtest/src/results/summary.ts';
import { compareRuns, type DelayRun, measureCalibration } from '../src/calibration.ts';
import { verdictLine } from '../src/calibration-report.ts';
import { fromSummary, type LatencyFigures } from '../src/latency.ts';
import { benchPlan } from '../src/plan.ts';

// The full plan's 20 s windows, because with the quick plan's 10 s windows the cross-replica
// shift reached 10.54 ms on a loaded 2-core host.
const plan = benchPlan('full').calibration;

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'bench-calibrate-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function readStep(runDir: string) {
  const text = await readFile(join(runDir, 'summary.json'), 'utf8');
  return (JSON.parse(text) as Summary).steps[0]!;
}

describe('measureCalibration', () => {
  // One more attempt, because a burst of other work on a shared 2-core host can move a 20 s
  // p50 by a few tenths of a millisecond; the tolerance itself stays at 0.5 ms.
  test('shifts the cross-replica p50 by the delay', { retry: 1, timeout: 240_000 }, async () => {
    const figures = await measureCalibration(plan, folder);
    const baselineStep = await readStep(figures.baseline.runDir);
    const delayedStep = await readStep(figures.delayed.runDir);

    expect(figures.baseline.replicaDelaysMs).toEqual([0, 0]);
    expect(figures.delayed.replicaDelaysMs).toEqual([plan.delayMs, plan.delayMs]);
    expect(figures.baseline.cross.p50).toBe(Math.round(baselineStep.latency.cross.p50 * 1000));
    expect(figures.delayed.cross.p50).toBe(Math.round(delayedStep.latency.cross.p50 * 1000));
    expect(figures.delayed.same.count).toBeGreaterThan(0);
    expect(figures.shift.cross).not.toBeNull();
    const validity = `runs valid: ${figures.baseline.valid}, ${figures.delayed.valid}`;
    const shifts = `shifts ${JSON.stringify(figures.shift)}, ${validity}`;

    expect(Math.abs(figures.shift.cross!.p50Ms - plan.delayMs), shifts).toBeLessThanOrEqual(
      plan.toleranceMs,
    );
  });
});

function latency(p50: number, p99: number, count = 1_000): LatencyFigures {
  return { ...fromSummary(emptyLatencySummary()), count, p50, p99 };
}

function run(delayMs: number, same: LatencyFigures, cross: LatencyFigures): DelayRun {
  return {
    delayMs,
    replicaDelaysMs: [delayMs, delayMs],
    same,
    cross,
    sent: 1_000,
    delivered: 3_000,
    lost: 0,
    valid: true,
    reasons: [],
    runDir: `delay-${delayMs}`,
  };
}

describe('compareRuns', () => {
  const baseline = run(0, latency(1_000, 3_000), latency(1_200, 4_000));

  test('passes a shift within the tolerance', () => {
    const delayed = run(10, latency(11_020, 13_500), latency(11_240, 16_000));

    const figures = compareRuns(plan, baseline, delayed);

    expect(figures.shift.cross).toEqual({ p50Ms: 10.04, p99Ms: 12 });
    expect(figures.shift.same).toEqual({ p50Ms: 10.02, p99Ms: 10.5 });
    expect(figures.passed).toBe(true);
    expect(verdictLine({ status: 'done', seconds: 1, figures }, plan)).toBe(
      'calibration: PASS (p50 shift 10.04 ms cross-replica, 10.02 ms same-replica, ' +
        'expected 10 ms ± 0.5; p99 shift 12.00 ms cross-replica, 10.50 ms same-replica)',
    );
  });

  test('fails a cross-replica shift off by more than the tolerance', () => {
    const delayed = run(10, latency(11_020, 13_500), latency(11_900, 16_000));

    const figures = compareRuns(plan, baseline, delayed);

    expect(figures.passed).toBe(false);
    expect(figures.failures).toEqual([
      'the cross-replica p50 shift 10.70 ms is 0.70 ms from the delay, more than the ' +
        'tolerance of 0.5 ms',
    ]);
    expect(verdictLine({ status: 'done', seconds: 1, figures }, plan)).toMatch(
      /^calibration: FAIL \(p50 shift 10\.70 ms cross-replica, .*\): the cross-replica p50/,
    );
  });

  test('fails when a replica ran without the delay', () => {
    const delayed = {
      ...run(10, latency(11_020, 13_500), latency(11_240, 16_000)),
      replicaDelaysMs: [10, 0],
    };

    const figures = compareRuns(plan, baseline, delayed);

    expect(figures.passed).toBe(false);
    expect(figures.failures).toEqual([
      'the run with CHAT_DELIVERY_DELAY_MS=10 had replicas that logged delays [10, 0] ms, ' +
        'expected 10 ms for each',
    ]);
  });

  test('fails without same-replica deliveries', () => {
    const delayed = run(10, latency(0, 0, 0), latency(11_240, 16_000));

    const figures = compareRuns(plan, baseline, delayed);

    expect(figures.shift.same).toBeNull();
    expect(figures.failures).toEqual(['no same-replica deliveries in one of the runs']);
  });

  test('keeps why a first attempt was not used', () => {
    const delayed = run(10, latency(11_020, 13_500), latency(11_240, 16_000));
    const discarded = ['the run with CHAT_DELIVERY_DELAY_MS=0 was not valid (stall)'];

    const figures = compareRuns(plan, baseline, delayed, { attempt: 2, discarded });

    expect(figures.attempt).toBe(2);
    expect(figures.discarded).toEqual(discarded);
    expect(figures.passed).toBe(true);
  });

  test('a run that did not finish is a FAIL line', () => {
    const line = verdictLine({ status: 'not run', reason: 'the loadtest CLI is missing' }, plan);

    expect(line).toBe('calibration: FAIL (not run: the loadtest CLI is missing)');
  });
});
