/** Tables for the scaling overview and the latency timeline. */
import { formatCount, formatDecimal, formatMs } from './format.ts';
import type { ReportData } from './report-data.ts';
import { latencyCell, stepCells, type Table } from './tables.ts';

/** Builds one row per replica count: the median over its repeats of the headline figures. */
export function scalingTable(data: ReportData): Table {
  const median = (spread: { median: number } | undefined): string =>
    spread === undefined ? '-' : formatMs(spread.median);
  return {
    id: 'scaling',
    title: 'Scaling overview',
    note: data.repeated
      ? 'Medians over the repeats of each replica count; latencies in ms.'
      : 'Latencies in ms.',
    headers: [
      'replicas',
      'steps',
      'same p50',
      'same p99',
      'cross p50',
      'cross p99',
      'cross p99.9',
      'throughput (deliveries/s)',
      'lost (all repeats)',
    ],
    rows: data.groups.map((group) => [
      String(group.replicas),
      String(group.steps.length),
      median(group.latency.same?.p50),
      median(group.latency.same?.p99),
      median(group.latency.cross?.p50),
      median(group.latency.cross?.p99),
      median(group.latency.cross?.p999),
      formatDecimal(group.throughput.median),
      formatCount(lostAt(data, group.replicas)),
    ]),
  };
}

function lostAt(data: ReportData, replicas: number): number {
  const steps = data.steps.filter((step) => step.replicas === replicas);
  return steps.reduce((total, step) => total + step.messages.lost, 0);
}

export function timelineTable(data: ReportData): Table {
  const rows = data.steps.flatMap((step) =>
    step.timeline.map((slice) => [
      ...stepCells(step),
      formatDecimal(slice.start),
      formatCount(slice.delivered),
      latencyCell(slice.same, slice.same.p50),
      latencyCell(slice.same, slice.same.p99),
      latencyCell(slice.cross, slice.cross.p50),
      latencyCell(slice.cross, slice.cross.p99),
    ]),
  );
  return {
    id: 'timeline',
    title: 'Latency over time within each step (ms)',
    note: 'Each row is one slice of the measure window, starting at the given second.',
    headers: [
      'step',
      'replicas',
      'repeat',
      'start (s)',
      'delivered',
      'same p50',
      'same p99',
      'cross p50',
      'cross p99',
    ],
    rows,
  };
}
