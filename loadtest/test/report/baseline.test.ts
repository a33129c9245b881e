import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FigureChange, StepComparison } from '../../src/report/baseline.ts';
import { type BuiltReport, buildReport } from '../../src/report/build.ts';
import type { StepSummary, Summary } from '../../src/results/summary.ts';
import { copyFixture, fixtureDir, markdownTable, readSummary } from './run-fixtures.ts';

/** The delay every replica of sweep-regressed added to each delivery (CHAT_DELIVERY_DELAY_MS). */
const DELAY_MS = 3;

function change(step: StepComparison, name: string): FigureChange {
  const found = step.changes.find((item) => item.name === name);
  if (found === undefined) {
    throw new Error(`no change named ${name} in ${step.replicas} replicas, repeat ${step.repeat}`);
  }
  return found;
}

function stepOf(summary: Summary, comparison: StepComparison): StepSummary {
  const step = summary.steps.find(
    (item) => item.replicas === comparison.replicas && item.repeat === comparison.repeat,
  );
  if (step === undefined) {
    throw new Error(`no step with ${comparison.replicas} replicas, repeat ${comparison.repeat}`);
  }
  return step;
}

/** The latency kinds a step delivered: cross-replica deliveries need two replicas. */
function kindsOf(step: StepComparison): ('same' | 'cross')[] {
  return step.replicas === 1 ? ['same'] : ['same', 'cross'];
}

// sweep-regressed is the sweep run again with the same flags and CHAT_DELIVERY_DELAY_MS=3 in
// the replicas' environment: every replica held each delivery 3 ms before sending it on.
describe('baseline comparison of the regressed fixture', () => {
  let report: BuiltReport;
  let markdown: string;
  let baseline: Summary;
  let current: Summary;
  let steps: StepComparison[];

  beforeAll(async () => {
    const dir = copyFixture('sweep-regressed');
    report = await buildReport(dir, { baselineDir: fixtureDir('sweep') });
    markdown = readFileSync(join(dir, 'report.md'), 'utf8');
    baseline = readSummary(fixtureDir('sweep'));
    current = readSummary(dir);
    steps = report.data.baseline!.steps;
  });

  it('matches every step by replica count and repeat', () => {
    expect(steps).toHaveLength(current.steps.length);
    expect(steps.map((step) => [step.currentIndex, step.baselineIndex])).toEqual(
      current.steps.map((step) => [step.index, step.index]),
    );
    expect(report.data.baseline!.onlyInCurrent).toEqual([]);
    expect(report.data.baseline!.onlyInBaseline).toEqual([]);
  });

  it('compares runs that sent on the same schedule', () => {
    // Same flags, so the same send slots. A send whose slot fell just before the end of the
    // measure window but ran after it is skipped, so a step may send one less.
    for (const step of steps) {
      const sent = [baseline, current].map((run) => stepOf(run, step).messages.sent);
      expect(
        Math.abs(sent[0]! - sent[1]!),
        `sent in step ${step.currentIndex}`,
      ).toBeLessThanOrEqual(1);
    }
  });

  it('flags the delay on the median latency of every step', () => {
    for (const step of steps) {
      for (const kind of kindsOf(step)) {
        const p50 = change(step, `${kind}.p50`);

        expect(p50.baseline).toBe(stepOf(baseline, step).latency[kind].p50);
        expect(p50.current).toBe(stepOf(current, step).latency[kind].p50);
        expect(p50.delta).toBeCloseTo(p50.current - p50.baseline, 9);
        // Up by about the delay: the medians of the two runs otherwise differ by tenths of a ms.
        expect(p50.delta, `${kind}.p50 of step ${step.currentIndex}`).toBeGreaterThan(DELAY_MS - 1);
        expect(p50.delta, `${kind}.p50 of step ${step.currentIndex}`).toBeLessThan(DELAY_MS + 1);
        expect(p50.regression, `${kind}.p50 of step ${step.currentIndex}`).toBe(true);
      }
    }
  });

  it('compares cross latency only where both runs delivered across replicas', () => {
    for (const step of steps) {
      const names = step.changes.map((item) => item.name);
      expect(names.some((name) => name.startsWith('cross.'))).toBe(step.replicas > 1);
    }
  });

  it('leaves unchanged loss unflagged', () => {
    for (const step of steps) {
      const lost = change(step, 'lost');

      expect(lost.baseline).toBe(stepOf(baseline, step).messages.lost);
      expect([lost.baseline, lost.current, lost.delta]).toEqual([0, 0, 0]);
      expect(lost.percent).toBeNull();
      expect(lost.regression).toBe(false);
    }
  });

  it('leaves throughput unflagged where it moved by less than 1 %', () => {
    for (const step of steps) {
      const throughput = change(step, 'throughput');

      expect(throughput.baseline).toBe(stepOf(baseline, step).throughput);
      expect(throughput.current).toBe(stepOf(current, step).throughput);
      expect(Math.abs(throughput.percent!)).toBeLessThan(1);
      expect(throughput.regression).toBe(false);
    }
  });

  it('notes comparisons with an invalid step', () => {
    const invalid = steps.filter(
      (step) => !stepOf(baseline, step).valid || !stepOf(current, step).valid,
    );

    expect(invalid.length, 'the fixtures have an invalid step').toBeGreaterThan(0);
    for (const step of steps) {
      expect(step.eitherInvalid).toBe(invalid.includes(step));
    }
  });

  it('lists regressions in report.md', () => {
    const rows = markdownTable(markdown, 'Regressions against the baseline');
    const expected = steps.flatMap((step) =>
      step.changes
        .filter((item) => item.regression)
        .map((item) => [
          String(step.replicas),
          String(step.repeat),
          item.label,
          item.baseline.toFixed(3),
          item.current.toFixed(3),
          `+${item.delta.toFixed(3)}`,
          `+${item.percent!.toFixed(1)} %`,
        ]),
    );

    expect(rows).toEqual(expected);
    expect(rows).toHaveLength(report.regressions);
    expect(rows.filter((row) => row[2] === 'same p50')).toHaveLength(steps.length);
    expect(rows.filter((row) => row[2] === 'lost' || row[2] === 'throughput')).toEqual([]);
    expect(markdown).toContain(`- **FAIL**: ${report.regressions} REGRESSIONS`);
  });
});

// Both fixture runs lost nothing and delivered the same count, so these tests edit one step of
// a copy of sweep, as a run that lost deliveries or delivered fewer would have written it.
describe('loss and throughput against the baseline', () => {
  /** Builds the report of a copy of sweep whose third step is edited, against sweep. */
  async function reportOfEdited(edit: (step: StepSummary) => void) {
    const dir = copyFixture('sweep');
    const summary = readSummary(dir);
    const step = summary.steps[2]!;
    edit(step);
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
    const report = await buildReport(dir, { baselineDir: fixtureDir('sweep') });
    const comparison = report.data.baseline!.steps.find(
      (item) => item.currentIndex === step.index,
    )!;
    return { report, comparison, step, markdown: readFileSync(join(dir, 'report.md'), 'utf8') };
  }

  it('flags new loss, but not the small throughput drop it brings', async () => {
    const { report, comparison, step, markdown } = await reportOfEdited((edited) => {
      edited.messages.lost += 7;
      edited.messages.delivered -= 7;
      edited.throughput = edited.messages.delivered / edited.measureSeconds;
    });

    const lost = change(comparison, 'lost');
    expect([lost.baseline, lost.current, lost.percent, lost.regression]).toEqual([
      0,
      7,
      null,
      true,
    ]);
    const throughput = change(comparison, 'throughput');
    expect(throughput.percent!).toBeLessThan(0);
    expect(throughput.percent!).toBeGreaterThan(-5);
    expect(throughput.regression).toBe(false);
    expect(report.regressions).toBe(1);
    const rows = markdownTable(markdown, 'Regressions against the baseline');
    expect(rows).toEqual([
      [String(step.replicas), String(step.repeat), 'lost', '0', '7', '+7', 'n/a'],
    ]);
  });

  it('flags a throughput drop beyond 5 %', async () => {
    const { report, comparison } = await reportOfEdited((edited) => {
      edited.throughput *= 0.9;
    });

    const throughput = change(comparison, 'throughput');
    expect(throughput.percent!).toBeCloseTo(-10, 6);
    expect(throughput.regression).toBe(true);
    expect(report.regressions).toBe(1);
  });
});

describe('baseline thresholds', () => {
  it('raising the latency threshold above the delay unflags latency', async () => {
    const dir = copyFixture('sweep-regressed');

    const report = await buildReport(dir, {
      baselineDir: fixtureDir('sweep'),
      thresholds: { latencyMs: 1000 },
    });

    const latency = report.data.baseline!.steps.flatMap((step) =>
      step.changes.filter((item) => item.unit === 'ms' && item.regression),
    );
    expect(latency).toEqual([]);
    expect(report.regressions).toBe(0);
  });

  it('comparing a run with itself flags nothing', async () => {
    const dir = copyFixture('sweep');

    const report = await buildReport(dir, { baselineDir: fixtureDir('sweep') });

    expect(report.regressions).toBe(0);
  });

  it('rejects a negative threshold', async () => {
    const dir = copyFixture('sweep');

    const building = buildReport(dir, { baselineDir: dir, thresholds: { latencyPercent: -1 } });

    await expect(building).rejects.toThrow('invalid regression threshold latencyPercent=-1');
  });
});
