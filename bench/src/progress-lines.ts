/** One console line per finished part, with its headline figures; the full tables follow. */
import type { CapacityFigures } from './capacity.ts';
import type { HarnessFigures } from './harness.ts';
import type { OneWayResult } from './one-way.ts';
import { describeMissing, type PartResult } from './part.ts';
import type { ServerCostFigures } from './report.ts';
import { formatNumber as number } from './targets.ts';

/** Returns "NAME: FIGURES (N s)" for a part that ran, else "NAME: not run: REASON". */
export function partLine<T>(
  name: string,
  part: PartResult<T>,
  describe: (figures: T) => string,
): string {
  if (part.status !== 'done') {
    return `${name}: ${describeMissing(part)}`;
  }
  return `${name}: ${describe(part.figures)} (${part.seconds} s)`;
}

export function describeOneWay(result: OneWayResult): string {
  const { latency } = result;
  return (
    `p50 ${number(latency.p50)} µs, p99 ${number(latency.p99)} µs over ${latency.count} ` +
    `messages, ${result.lost} lost`
  );
}

export function describeHarness(harness: HarnessFigures): string {
  const state = harness.valid ? 'valid' : 'not valid';
  return (
    `cross p50 ${number(harness.cross.p50)} µs, p99 ${number(harness.cross.p99)} µs over ` +
    `${harness.cross.count} deliveries, ${harness.lost} lost, step ${state}`
  );
}

export function describeCapacity(capacity: CapacityFigures): string {
  const largest = capacity.largestValid;
  const headline =
    largest === null
      ? 'no valid step'
      : `largest valid step ${number(largest.clients)} clients, ` +
        `${number(largest.deliveriesPerSecond)} deliveries/s`;
  return `${headline}; ${capacity.stopReason}`;
}

export function describeServerCost(cost: ServerCostFigures): string {
  return cost.rows
    .map((row) => {
      const name = row.adapter === 'none' ? 'plain' : `${row.adapter}×${row.replicas}`;
      return `${name} ${number(row.figures.deliveriesPerCpuSecond)} deliveries/CPU-s`;
    })
    .join(', ');
}
