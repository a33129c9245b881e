/**
 * Memory over time: a chart per step of every replica's RSS and heap, the load generator's
 * RSS and the loadtest orchestrator's. The least-squares slopes over the measure window go in
 * the caption and in a table, so a leak shows as a steady rise rather than as one reading.
 */
import { windowSamples } from '../results/memory-trend.ts';
import type { MemorySeries } from '../results/summary.ts';
import { baseOption, type ChartSpec, noDataGraphic, valueAxis } from './charts.ts';
import { formatCount, formatMiB, replicaCount, stepNumber } from './format.ts';
import type { ReportData, StepReport } from './report-data.ts';
import { stepCells, type Table } from './tables.ts';

const MEBIBYTE = 1024 * 1024;
const REPLICA_COLORS = ['#2f6fb0', '#4c9a5b', '#e0912f', '#8a5fbf', '#2a9d9d', '#b65f8a'];
const HARNESS_COLORS = { generator: '#c23b3b', loadtest: '#555555' } as const;
const WINDOW_SHADE = 'rgba(47, 111, 176, 0.07)';

function colorOf(series: MemorySeries, replicaIndex: number): string {
  return series.kind === 'replica'
    ? REPLICA_COLORS[replicaIndex % REPLICA_COLORS.length]!
    : HARNESS_COLORS[series.kind];
}

function mebibytes(bytes: number): number {
  return Math.round((bytes / MEBIBYTE) * 10) / 10;
}

/** Formats a slope in MiB per minute with its sign, or "n/a" below two readings. */
export function formatSlope(slope: number | null): string {
  if (slope === null) {
    return 'n/a';
  }
  const text = slope.toFixed(3);
  return slope > 0 ? `+${text}` : text;
}

function lines(series: MemorySeries, color: string): Record<string, unknown>[] {
  const rss = {
    name: `${series.process} RSS`,
    type: 'line',
    color,
    symbolSize: 4,
    data: series.samples.map(([seconds, rssBytes]) => [seconds, mebibytes(rssBytes)]),
  };
  if (series.samples.every(([, , heap]) => heap === null)) {
    return [rss];
  }
  const heap = {
    name: `${series.process} heap`,
    type: 'line',
    color,
    symbolSize: 4,
    lineStyle: { type: 'dashed' },
    data: series.samples.map(([seconds, , heap]) => [
      seconds,
      heap === null ? null : mebibytes(heap),
    ]),
  };
  return [rss, heap];
}

function slopeCaption(series: MemorySeries[]): string {
  const parts = series.map((entry) => {
    const heap =
      entry.heapSlopeMiBPerMinute === null
        ? ''
        : `, heap ${formatSlope(entry.heapSlopeMiBPerMinute)}`;
    return `${entry.process} RSS ${formatSlope(entry.rssSlopeMiBPerMinute)}${heap}`;
  });
  return parts.length === 0 ? '' : ` Slopes over the measure window, MiB/min: ${parts.join('; ')}.`;
}

/** RSS (solid) and heap used (dashed) of each process over one step. */
export function memoryChart(step: StepReport): ChartSpec {
  const series = step.memory?.series ?? [];
  let replicaIndex = 0;
  const drawn = series.flatMap((entry) => {
    const color = colorOf(entry, replicaIndex);
    if (entry.kind === 'replica') {
      replicaIndex += 1;
    }
    return lines(entry, color);
  });
  if (drawn.length > 0) {
    drawn[0] = {
      ...drawn[0],
      markArea: {
        silent: true,
        itemStyle: { color: WINDOW_SHADE },
        data: [[{ xAxis: 0 }, { xAxis: step.measureSeconds }]],
      },
    };
  }

  const interval = step.memory === null ? '' : `, read every ${step.memory.intervalSeconds} s`;
  return {
    id: `chart-memory-${step.index}`,
    caption:
      'Solid lines are resident memory (RSS), dashed lines V8 heap used. The shaded band is ' +
      `the measure window.${slopeCaption(series)}`,
    option: {
      ...baseOption(
        `Step ${stepNumber(step.index)}: ${replicaCount(step.replicas)}, repeat ${step.repeat}`,
        `memory over time${interval}`,
      ),
      xAxis: { ...valueAxis('seconds from the start of the measure window'), nameGap: 28 },
      yAxis: valueAxis('memory (MiB)'),
      series: drawn,
      ...(drawn.length === 0 ? noDataGraphic('No memory readings for this step') : {}),
    },
  };
}

export function memoryCharts(data: ReportData): ChartSpec[] {
  return data.steps.filter((step) => step.memory !== null).map(memoryChart);
}

function edgeCells(samples: MemorySeries['samples'], column: 1 | 2): [string, string] {
  const values = samples.map((sample) => sample[column]).filter((value) => value !== null);
  const first = values[0];
  const last = values.at(-1);
  return [first === undefined ? '-' : formatMiB(first), last === undefined ? '-' : formatMiB(last)];
}

/** First and last reading inside the measure window and the slope over it, per process. */
export function memoryTable(data: ReportData): Table {
  const rows = data.steps.flatMap((step) =>
    (step.memory?.series ?? []).map((series) => {
      const inside = windowSamples(series.samples, step.measureSeconds);
      return [
        ...stepCells(step),
        series.process,
        ...edgeCells(inside, 1),
        formatSlope(series.rssSlopeMiBPerMinute),
        ...edgeCells(inside, 2),
        formatSlope(series.heapSlopeMiBPerMinute),
        formatCount(inside.length),
        formatCount(series.failedReadings),
      ];
    }),
  );
  return {
    id: 'memory',
    title: 'Memory over the measure window',
    note:
      'Start and end are the first and last readings inside the measure window, and the slope ' +
      'is a least-squares fit over all of them. The generator is Artillery’s process tree, whose ' +
      'heap is not readable from outside; loadtest is the orchestrator itself.',
    headers: [
      'step',
      'replicas',
      'repeat',
      'process',
      'RSS start (MiB)',
      'RSS end (MiB)',
      'RSS slope (MiB/min)',
      'heap start (MiB)',
      'heap end (MiB)',
      'heap slope (MiB/min)',
      'readings',
      'failed',
    ],
    rows,
  };
}
