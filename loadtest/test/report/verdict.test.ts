import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { latencyChart } from '../../src/report/charts.ts';
import { evaluateGates, parseGate } from '../../src/report/gates.ts';
import { buildReportData, type ReportData } from '../../src/report/report-data.ts';
import { readRunFolder } from '../../src/report/run-folder.ts';
import { reportFindings } from '../../src/report/verdict.ts';
import type { StepSummary, Summary } from '../../src/results/summary.ts';
import {
  copyFixture,
  fixtureDir,
  readSummary,
  runReportCommand as report,
} from './run-fixtures.ts';

const GENERATED_AT = new Date('2025-02-01T12:00:00.000Z');

/** Reasons as the loadtest writes them for a step stopped by Ctrl-C while clients connect. */
const INTERRUPTED_REASONS = [
  'no load-generator result files for this step in /tmp/run/steps/0/workers',
  'the run was interrupted (SIGINT) during the step, so its figures are partial',
];

function interrupted(step: StepSummary): StepSummary {
  return { ...step, valid: false, complete: false, reasons: INTERRUPTED_REASONS };
}

/** Builds the report data of the sweep fixture with its steps replaced by `steps`. */
async function dataOf(steps: StepSummary[], gates: string[] = []): Promise<ReportData> {
  const folder = await readRunFolder(fixtureDir('sweep'));
  const summary: Summary = { steps };
  const checks = gates.length === 0 ? null : evaluateGates(gates.map(parseGate), summary).checks;
  return buildReportData(
    { ...folder, summary },
    { title: null, generatedAt: GENERATED_AT, baseline: null, gates: checks },
  );
}

describe('validity headline', () => {
  const steps = readSummary(fixtureDir('sweep')).steps;
  const limited = steps.find((step) => !step.valid)!;

  it('names an interrupted step as interrupted', async () => {
    const findings = reportFindings(await dataOf([interrupted(steps[0]!)]));

    expect(findings[0]!.level).toBe('fail');
    expect(findings[0]!.text).toBe(
      '1 of 1 step is INVALID. 1 ended early because the run was interrupted, so its ' +
        'figures are partial.',
    );
    expect(findings[0]!.details).toEqual([
      `Step 1 (1 replica, repeat 1): ${INTERRUPTED_REASONS.join('; ')}`,
    ]);
    expect(findings[1]!.text).toBe('1 step ended early, so its figures are partial.');
  });

  it('counts each cause of invalid steps', async () => {
    expect(limited.reasons.join(' ')).toMatch(/over the [\d.]+ ms limit/);
    const failed: StepSummary = {
      ...steps[1]!,
      valid: false,
      complete: false,
      reasons: ['Artillery failed during the step, so its figures are partial'],
    };
    const rejected: StepSummary = {
      ...steps[2]!,
      valid: false,
      reasons: ['the server rejected 3 messages (rate: 3), so the offered load was lower'],
    };

    const findings = reportFindings(
      await dataOf([interrupted(steps[0]!), failed, rejected, limited, steps[0]!]),
    );

    expect(findings[0]!.text).toBe(
      '4 of 5 steps are INVALID. ' +
        '1 ended early because the run was interrupted, so its figures are partial. ' +
        '1 ended early, so its figures are partial. ' +
        '1 passed a load-generator limit, so its figures may describe the generator rather ' +
        'than the servers. ' +
        '1 failed another check of the measurement, named in its reasons.',
    );
    expect(findings[0]!.details).toHaveLength(4);
  });

  it('uses plurals for several steps of one cause', async () => {
    const findings = reportFindings(await dataOf([limited, limited, steps[0]!]));

    expect(findings[0]!.text).toBe(
      '2 of 3 steps are INVALID. 2 passed a load-generator limit, so their figures may ' +
        'describe the generator rather than the servers.',
    );
  });

  it('writes the interrupted headline to every output', async () => {
    const dir = copyFixture('sweep');
    const summary = readSummary(dir);
    summary.steps = [interrupted(summary.steps[0]!)];
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
    const headline =
      '1 of 1 step is INVALID. 1 ended early because the run was interrupted, so its ' +
      'figures are partial.';

    const result = await report([dir]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`FAIL: ${headline}\n`);
    expect(result.stdout).not.toContain('passed a limit');
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain(`- **FAIL**: ${headline}\n`);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain(
      `<span class="level">FAIL</span>${headline}<ul>`,
    );
  });
});

describe('singular counts', () => {
  const steps = readSummary(fixtureDir('sweep')).steps;
  const valid = steps.find((step) => step.valid && step.replicas === 1)!;

  it('states one valid step and one passed gate', async () => {
    const findings = reportFindings(await dataOf([valid], ['lost==0']));

    expect(findings.map((finding) => finding.text)).toEqual([
      'The run’s 1 step is valid.',
      'The 1 SLO gate passed on every step.',
    ]);
  });

  it('states one failed gate check', async () => {
    const findings = reportFindings(await dataOf([valid], ['valid==false']));

    expect(findings[1]!.text).toBe('1 SLO gate check FAILED (1 gate on 1 step).');
  });

  it('keeps plurals for several', async () => {
    const findings = reportFindings(await dataOf([valid, valid], ['lost==0', 'valid==false']));

    expect(findings[0]!.text).toBe('All 2 steps are valid.');
    expect(findings[1]!.text).toBe('2 SLO gate checks FAILED (2 gates on 2 steps).');
  });
});

describe('latency chart x axis', () => {
  const steps = readSummary(fixtureDir('sweep')).steps;

  it('starts the cross chart at 2 replicas', async () => {
    const data = await dataOf(steps);
    expect(data.groups.map((group) => group.replicas)).toEqual([1, 2]);

    const cross = latencyChart(data, 'cross').option;
    const same = latencyChart(data, 'same').option;

    expect((cross.xAxis as { data: string[] }).data).toEqual(['2']);
    expect((same.xAxis as { data: string[] }).data).toEqual(['1', '2']);
    const series = cross.series as { type: string; data: unknown[] }[];
    for (const line of series.filter((item) => item.type === 'line')) {
      expect(line.data).toHaveLength(1);
      expect(line.data[0]).toEqual(expect.any(Number));
    }
    const dots = series.filter((item) => item.type === 'scatter');
    expect(dots.length).toBeGreaterThan(0);
    for (const dot of dots) {
      expect((dot.data as number[][]).map(([position]) => position)).toEqual([0, 0]);
    }
  });

  it('leaves the cross chart empty with one replica', async () => {
    const data = await dataOf(steps.filter((step) => step.replicas === 1));

    const cross = latencyChart(data, 'cross').option;

    expect((cross.xAxis as { data: string[] }).data).toEqual([]);
    expect(cross.graphic).toMatchObject({
      style: { text: 'No cross-replica deliveries in this run' },
    });
  });
});
