/** The repeatability section of bench.md and its console line: each repeat and the spread. */
import { table } from './markdown-format.ts';
import { describeMissing, figuresOf, type PartResult } from './part.ts';
import type { RepeatabilityFigures } from './repeatability.ts';
import { formatNumber as number } from './targets.ts';

/** Returns e.g. "cross p50 min 1,020 µs, median 1,050 µs, max 1,101 µs over 3 repeats, ...". */
export function describeRepeatability(figures: RepeatabilityFigures): string {
  const { p50 } = figures;
  return (
    `cross p50 min ${number(p50.min)} µs, median ${number(p50.median)} µs, max ` +
    `${number(p50.max)} µs over ${figures.runs.length} repeats, spread ` +
    `${number(figures.spreadPercent)} %`
  );
}

export function repeatability(part: PartResult<RepeatabilityFigures> | undefined): string {
  const figures = figuresOf(part);
  if (figures === null) {
    return `## Repeatability (step 6)\n\n${describeMissing(part)}`;
  }
  const headings = ['repeat', 'valid', 'sent', 'delivered', 'lost', 'cross count', 'p50', 'p99'];
  const rows = figures.runs.map((run) => [
    run.repeat,
    run.valid ? 'yes' : `no (${run.reasons.join('; ')})`,
    run.sent,
    run.delivered,
    run.lost,
    run.cross.count,
    number(run.cross.p50),
    number(run.cross.p99),
  ]);
  const intro =
    `The harness step of step 3 (${figures.clients} clients in rooms of ${figures.roomSize}, ` +
    `${number(figures.ratePerClient)} messages/s each) repeated ${figures.runs.length} times ` +
    'on one cluster. Cross-replica latency in µs. The spread is (max - min) / median of the ' +
    'p50s.';
  return [
    '## Repeatability (step 6)',
    '',
    intro,
    '',
    table(headings, rows),
    '',
    `${describeRepeatability(figures)}; run folder ${figures.runDir}`,
  ].join('\n');
}
