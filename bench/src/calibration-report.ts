/**
 * The outcome of `npm run bench -- --calibrate`: calibration.json (the context, both runs'
 * figures with their histograms, the shifts and the verdict), the calibration section of
 * bench.md, and the verdict line the bench prints last.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CalibrationFigures,
  type CalibrationPlan,
  DELIVERY_KINDS,
  type DelayRun,
  formatMs,
  KIND_NAMES,
} from './calibration.ts';
import { header } from './markdown.ts';
import { table } from './markdown-format.ts';
import { describeMissing, figuresOf, type PartResult } from './part.ts';
import { type BenchContext, HOST_NOTE, writeAtomic } from './report.ts';
import { formatNumber as number } from './targets.ts';

export interface CalibrationReport extends BenchContext {
  endedAt: string;
  hostNote: string;
  calibration: PartResult<CalibrationFigures>;
  /** The verdict line, "calibration: PASS (...)" or "calibration: FAIL (...)". */
  verdict: string;
}

export function buildCalibrationReport(
  context: BenchContext,
  calibration: PartResult<CalibrationFigures>,
): CalibrationReport {
  return {
    ...context,
    endedAt: new Date().toISOString(),
    hostNote: HOST_NOTE,
    calibration,
    verdict: verdictLine(calibration, context.plan.calibration),
  };
}

/**
 * Returns e.g. "calibration: PASS (p50 shift 10.04 ms cross-replica, 10.02 ms same-replica,
 * expected 10 ms ± 0.5; p99 shift ...)", with the failures after a colon on FAIL.
 */
export function verdictLine(part: PartResult<CalibrationFigures>, plan: CalibrationPlan): string {
  const figures = figuresOf(part);
  if (figures === null) {
    return `calibration: FAIL (${describeMissing(part)})`;
  }
  const shifts = (pick: 'p50Ms' | 'p99Ms') =>
    DELIVERY_KINDS.map((kind) => {
      const shift = figures.shift[kind];
      const value = shift === null ? 'not measured' : `${formatMs(shift[pick])} ms`;
      return `${value} ${KIND_NAMES[kind]}`;
    }).join(', ');
  const summary =
    `p50 shift ${shifts('p50Ms')}, expected ${plan.delayMs} ms ± ${plan.toleranceMs}; ` +
    `p99 shift ${shifts('p99Ms')}`;
  if (figures.passed) {
    return `calibration: PASS (${summary})`;
  }
  return `calibration: FAIL (${summary}): ${figures.failures.join('; ')}`;
}

export function calibrationSection(report: CalibrationReport): string {
  const plan = report.plan.calibration;
  const figures = figuresOf(report.calibration);
  if (figures === null) {
    return `## Calibration\n\n${describeMissing(report.calibration)}\n\n${report.verdict}`;
  }
  const intro =
    `The light step (${figures.clients} clients in rooms of ${figures.roomSize}, ` +
    `${number(figures.ratePerClient)} messages/s each, ${plan.timeline.durationSeconds} s ` +
    'window) through `npm run loadtest`, on two local clusters of 2 replicas at the same ' +
    `time: one with CHAT_DELIVERY_DELAY_MS=0, one with ${figures.delayMs}. Latency in µs.`;
  const runHeadings = [
    'CHAT_DELIVERY_DELAY_MS',
    'replicas logged (ms)',
    'valid',
    'sent',
    'delivered',
    'lost',
    'same count',
    'same p50',
    'same p99',
    'cross count',
    'cross p50',
    'cross p99',
  ];
  const runs = [figures.baseline, figures.delayed].map(runRow);
  const shiftRows = DELIVERY_KINDS.map((kind) => {
    const shift = figures.shift[kind];
    if (shift === null) {
      return [KIND_NAMES[kind], '-', '-', '-'];
    }
    const error = Math.abs(shift.p50Ms - figures.delayMs);
    return [KIND_NAMES[kind], formatMs(shift.p50Ms), formatMs(shift.p99Ms), formatMs(error)];
  });
  const shiftHeadings = ['shift (ms)', 'p50', 'p99', `p50 - ${figures.delayMs} ms, absolute`];
  return [
    '## Calibration',
    '',
    intro,
    '',
    table(runHeadings, runs),
    '',
    table(shiftHeadings, shiftRows),
    '',
    `Run folders: ${figures.baseline.runDir}, ${figures.delayed.runDir}`,
    ...retryLines(figures),
    '',
    report.verdict,
  ].join('\n');
}

function retryLines(figures: CalibrationFigures): string[] {
  if (figures.attempt === 1) {
    return [];
  }
  return [
    '',
    `These are the figures of attempt ${figures.attempt}; the first pair was not used ` +
      `because ${figures.discarded.join('; ')}.`,
  ];
}

function runRow(run: DelayRun): (string | number)[] {
  return [
    run.delayMs,
    run.replicaDelaysMs.join(', '),
    run.valid ? 'yes' : `no (${run.reasons.join('; ')})`,
    run.sent,
    run.delivered,
    run.lost,
    run.same.count,
    number(run.same.p50),
    number(run.same.p99),
    run.cross.count,
    number(run.cross.p50),
    number(run.cross.p99),
  ];
}

/** Writes calibration.json and bench.md into the report's folder; returns the Markdown. */
export async function writeCalibrationReport(report: CalibrationReport): Promise<string> {
  await mkdir(report.outDir, { recursive: true });
  const markdown = `${header(report)}\n\n${calibrationSection(report)}\n`;
  await writeAtomic(
    join(report.outDir, 'calibration.json'),
    `${JSON.stringify(report, null, 2)}\n`,
  );
  await writeAtomic(join(report.outDir, 'bench.md'), markdown);
  return markdown;
}
