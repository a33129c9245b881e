/** The generator-capacity section of bench.md: the sweep, its end and the engine comparison. */
import type { CapacityFigures } from './capacity.ts';
import type { CapacityStep } from './capacity-step.ts';
import { formatOptional, megabytes, table } from './markdown-format.ts';
import { describeMissing, figuresOf, type PartResult } from './part.ts';
import { formatNumber as number } from './targets.ts';

function capacityRow(step: CapacityStep): (string | number)[] {
  const { generator } = step;
  return [
    step.engine,
    number(step.clients),
    step.attempt,
    step.valid ? 'yes' : 'no',
    number(step.deliveriesPerSecond),
    number(generator.cpuPercent),
    number(generator.cpuMicrosecondsPerDelivery),
    megabytes(generator.rssBytes),
    number(generator.rssBytesPerClient),
    number(generator.loopDelayP99Ms),
    number(generator.scheduleLagP99Ms),
    step.lost,
    step.connectErrors,
    number(step.crossP99Ms),
  ];
}

export function capacity(part: PartResult<CapacityFigures> | undefined): string {
  const figures = figuresOf(part);
  if (figures === null) {
    return `## Generator capacity (step 4)\n\n${describeMissing(part)}`;
  }
  const headings = [
    'engine',
    'clients',
    'run',
    'valid',
    'deliveries/s',
    'gen CPU %',
    'CPU µs/delivery',
    'gen RSS',
    'RSS bytes/client',
    'loop p99 ms',
    'lag p99 ms',
    'lost',
    'connect errors',
    'cross p99 ms',
  ];
  const steps = [...figures.steps];
  if (figures.comparison?.builtin) {
    steps.push(figures.comparison.builtin);
  }
  const largest = figures.largestValid;
  const lines = [
    `## Generator capacity (step 4)`,
    '',
    `${number(figures.ratePerClient)} messages/s per client, rooms of ${figures.roomSize}, 2 ` +
      'replicas, pubsub. Generator CPU is the busiest load-generator thread, in % of one core.',
    '',
    table(headings, steps.map(capacityRow)),
    '',
    `- largest valid step: ${describeLargest(largest)}`,
    '- generator RSS added per client between the two largest valid steps: ' +
      formatOptional(figures.marginalRssBytesPerClient, ' bytes'),
    `- sweep ended: ${figures.stopReason}`,
    ...figures.steps
      .filter((step) => !step.valid)
      .map((step) => `- ${number(step.clients)} clients not valid: ${step.reasons.join('; ')}`),
    ...engineLines(figures),
  ];
  return lines.join('\n');
}

function describeLargest(step: CapacityStep | null): string {
  if (step === null) {
    return 'none';
  }
  const { generator } = step;
  return (
    `${number(step.clients)} clients, ${number(step.deliveriesPerSecond)} deliveries/s, ` +
    `${number(generator.cpuMicrosecondsPerDelivery)} µs generator CPU per delivery, ` +
    `${number(generator.rssBytesPerClient)} bytes generator RSS per client`
  );
}

function engineLines(figures: CapacityFigures): string[] {
  const comparison = figures.comparison;
  if (comparison === null) {
    return ['- engine comparison: not run, because no socketio-v3 step ran'];
  }
  return [
    `- engine comparison at ${number(comparison.clients)} clients: ${comparison.verdict}`,
    ...comparison.notes.map((note) => `  - ${note}`),
  ];
}
