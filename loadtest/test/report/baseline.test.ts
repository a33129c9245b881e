import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StepComparison } from '../../src/report/baseline.ts';
import { type BuiltReport, buildReport } from '../../src/report/build.ts';
import { copyFixture, fixtureDir, markdownTable } from './run-fixtures.ts';

function stepOf(report: BuiltReport, replicas: number, repeat: number): StepComparison {
  const step = report.data.baseline!.steps.find(
    (item) => item.replicas === replicas && item.repeat === repeat,
  );
  if (step === undefined) {
    throw new Error(`no comparison for ${replicas} replicas, repeat ${repeat}`);
  }
  return step;
}

function change(step: StepComparison, name: string) {
  const found = step.changes.find((item) => item.name === name);
  if (found === undefined) {
    throw new Error(`no change named ${name} in ${step.replicas} replicas, repeat ${step.repeat}`);
  }
  return found;
}

// sweep-regressed differs from sweep in three ways: cross-replica latency 3 ms higher at
// 3 replicas, 7 deliveries lost at 2 replicas repeat 1, and 10 % fewer messages sent at
// 2 replicas repeat 2. Every other sample is the same.
describe('baseline comparison of the regressed fixture', () => {
  let report: BuiltReport;
  let markdown: string;

  beforeAll(async () => {
    const dir = copyFixture('sweep-regressed');
    report = await buildReport(dir, { baselineDir: fixtureDir('sweep') });
    markdown = readFileSync(join(dir, 'report.md'), 'utf8');
  });

  it('matches every step by replica count and repeat', () => {
    const baseline = report.data.baseline!;

    expect(baseline.steps).toHaveLength(6);
    expect(baseline.onlyInCurrent).toEqual([]);
    expect(baseline.onlyInBaseline).toEqual([]);
  });

  it('leaves unchanged figures unflagged', () => {
    const step = stepOf(report, 1, 1);

    for (const item of step.changes) {
      expect(item.delta, item.name).toBe(0);
      expect(item.regression, item.name).toBe(false);
    }
  });

  it('flags slower cross-replica latency', () => {
    const p99 = change(stepOf(report, 3, 1), 'cross.p99');

    expect(p99.regression).toBe(true);
    expect(p99.delta).toBeGreaterThan(0.5);
    expect(p99.percent!).toBeGreaterThan(10);
    expect(p99.delta).toBeCloseTo(p99.current - p99.baseline, 9);
  });

  it('keeps same-replica latency unflagged where only cross changed', () => {
    const step = stepOf(report, 3, 1);

    for (const name of ['same.p50', 'same.p95', 'same.p99', 'same.p999']) {
      expect(change(step, name).delta, name).toBe(0);
      expect(change(step, name).regression, name).toBe(false);
    }
  });

  it('flags new loss', () => {
    const lost = change(stepOf(report, 2, 1), 'lost');

    expect(lost.baseline).toBe(0);
    expect(lost.current).toBe(7);
    expect(lost.percent).toBeNull();
    expect(lost.regression).toBe(true);
  });

  it('flags a throughput drop beyond 5 %', () => {
    const throughput = change(stepOf(report, 2, 2), 'throughput');

    expect(throughput.percent!).toBeCloseTo(-10, 6);
    expect(throughput.regression).toBe(true);
  });

  it('keeps a small drop from loss below the throughput threshold', () => {
    const throughput = change(stepOf(report, 2, 1), 'throughput');

    expect(throughput.percent!).toBeLessThan(0);
    expect(throughput.regression).toBe(false);
  });

  it('lists regressions in report.md', () => {
    const rows = markdownTable(markdown, 'Regressions against the baseline');

    expect(rows).toContainEqual(['2', '1', 'lost', '0', '7', '+7', 'n/a']);
    expect(rows).toContainEqual(['2', '2', 'throughput', '30.0', '27.0', '-3.0', '-10.0 %']);
    expect(rows.filter((row) => row[0] === '1')).toEqual([]);
    expect(markdown).toContain(`- **FAIL**: ${report.regressions} REGRESSIONS`);
  });
});

describe('baseline thresholds', () => {
  it('raising the latency threshold unflags latency', async () => {
    const dir = copyFixture('sweep-regressed');

    const report = await buildReport(dir, {
      baselineDir: fixtureDir('sweep'),
      thresholds: { latencyMs: 1000 },
    });

    const latency = report.data.baseline!.steps.flatMap((step) =>
      step.changes.filter((item) => item.unit === 'ms' && item.regression),
    );
    expect(latency).toEqual([]);
    expect(report.regressions).toBe(2);
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
