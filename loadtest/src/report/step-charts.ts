/** ECharts options drawn step by step: server and Redis resources, latency over time. */

import {
  baseOption,
  type ChartSpec,
  categoryAxis,
  noDataGraphic,
  PERCENTILE_COLORS,
  stepAxisName,
  valueAxis,
} from './charts.ts';
import { faultMarks } from './fault-report.ts';
import { replicaCount, stepNumber } from './format.ts';
import type { ReportData, StepReport } from './report-data.ts';

const MEBIBYTE = 1024 * 1024;
const REPLICA_COLORS = ['#2f6fb0', '#4c9a5b', '#e0912f', '#8a5fbf', '#2a9d9d', '#b65f8a'];
const REDIS_COLOR = '#c23b3b';

/**
 * Builds one bar series per replica position within the steps. Replicas are numbered by their position in the
 * step, because replica ids change when a sweep scales; the tooltip shows the id.
 */
function perReplicaSeries(
  data: ReportData,
  read: (server: StepReport['servers'][number]) => number,
): Record<string, unknown>[] {
  const slots = Math.max(0, ...data.steps.map((step) => step.servers.length));
  return Array.from({ length: slots }, (_, slot) => ({
    name: `replica ${slot + 1}`,
    type: 'bar',
    color: REPLICA_COLORS[slot % REPLICA_COLORS.length],
    data: data.steps.map((step) => {
      const server = step.servers[slot];
      return server === undefined ? null : { value: read(server), name: server.replica };
    }),
  }));
}

export function serverCpuChart(data: ReportData): ChartSpec {
  const series = perReplicaSeries(data, (server) => round(server.cpuPercent, 1));
  if (data.steps.some((step) => step.redis !== null)) {
    series.push({
      name: 'Redis',
      type: 'line',
      color: REDIS_COLOR,
      symbolSize: 7,
      data: data.steps.map((step) =>
        step.redis === null ? null : round(step.redis.cpuPercent, 1),
      ),
    });
  }
  return {
    id: 'chart-server-cpu',
    caption: 'CPU of each replica (bars) and of Redis (line), averaged over the measure window.',
    option: {
      ...baseOption('Server CPU per replica'),
      xAxis: categoryAxis(
        stepAxisName(data),
        data.steps.map((step) => step.label),
      ),
      yAxis: valueAxis('CPU (% of one core)'),
      series,
      ...(series.length === 0 ? noDataGraphic('No server figures in this run') : {}),
    },
  };
}

export function serverMemoryChart(data: ReportData): ChartSpec {
  const series = perReplicaSeries(data, (server) => round(server.rssBytes / MEBIBYTE, 1));
  return {
    id: 'chart-server-memory',
    caption: 'Resident memory (RSS) of each replica at the end of the measure window.',
    option: {
      ...baseOption('Server memory per replica'),
      xAxis: categoryAxis(
        stepAxisName(data),
        data.steps.map((step) => step.label),
      ),
      yAxis: valueAxis('RSS (MiB)'),
      series,
      ...(series.length === 0 ? noDataGraphic('No server figures in this run') : {}),
    },
  };
}

const TIMELINE_LINES = [
  { kind: 'same', percentile: 'p50', color: PERCENTILE_COLORS[0], dashed: false },
  { kind: 'same', percentile: 'p99', color: PERCENTILE_COLORS[2], dashed: false },
  { kind: 'cross', percentile: 'p50', color: PERCENTILE_COLORS[0], dashed: true },
  { kind: 'cross', percentile: 'p99', color: PERCENTILE_COLORS[2], dashed: true },
] as const;

/** Latency percentiles of each slice of one step's measure window. */
export function timelineChart(step: StepReport): ChartSpec {
  const series = TIMELINE_LINES.map((line) => ({
    name: `${line.kind} ${line.percentile}`,
    type: 'line',
    color: line.color,
    symbolSize: 5,
    lineStyle: { type: line.dashed ? 'dashed' : 'solid' },
    data: step.timeline.map((slice) => {
      const figures = slice[line.kind];
      const middle = slice.start + slice.seconds / 2;
      return [middle, figures.count > 0 ? figures[line.percentile] : null];
    }),
  }));
  Object.assign(series[0]!, faultMarks(step.faults, step.measureSeconds));
  const verdict = step.valid ? '' : ' (INVALID)';
  return {
    id: `chart-timeline-${step.index}`,
    caption:
      'Solid lines: same replica; dashed: across replicas. Each point is one slice of the ' +
      'window, drawn at its middle.',
    option: {
      ...baseOption(
        `Step ${stepNumber(step.index)}: ${replicaCount(step.replicas)}, repeat ${step.repeat}${verdict}`,
        `latency over the measure window of ${step.measureSeconds} s`,
      ),
      xAxis: {
        ...valueAxis('seconds into the measure window'),
        nameGap: 28,
        min: 0,
        max: step.measureSeconds,
      },
      yAxis: valueAxis('latency (ms)'),
      series,
      ...(step.timeline.length === 0 ? noDataGraphic('No timeline recorded for this step') : {}),
    },
  };
}

export function timelineCharts(data: ReportData): ChartSpec[] {
  return data.steps.map(timelineChart);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
