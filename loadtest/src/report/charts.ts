/**
 * ECharts options for the figures plotted against replica count. Options are plain JSON
 * (no functions), so they are written into report.html as data and drawn there.
 */
import { CHART_PERCENTILES, type LatencyKind, PERCENTILE_LABELS } from './percentiles.ts';
import type { ReportData } from './report-data.ts';

export interface ChartSpec {
  id: string;
  /** One sentence under the chart on how to read it. */
  caption: string;
  option: Record<string, unknown>;
}

export const PERCENTILE_COLORS = ['#2f6fb0', '#e0912f', '#c23b3b', '#6b3fa0'];

/** Settings every chart shares: no animation, so a chart is complete once drawn. */
export function baseOption(title: string, subtitle?: string): Record<string, unknown> {
  return {
    animation: false,
    title: { text: title, subtext: subtitle, left: 'center', textStyle: { fontSize: 15 } },
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0, type: 'scroll' },
    grid: { left: 64, right: 32, top: subtitle === undefined ? 56 : 72, bottom: 76 },
  };
}

export function valueAxis(name: string): Record<string, unknown> {
  return { type: 'value', name, nameLocation: 'middle', nameGap: 46, scale: false };
}

export function categoryAxis(name: string, data: string[]): Record<string, unknown> {
  return { type: 'category', name, nameLocation: 'middle', nameGap: 30, data };
}

export function stepAxisName(data: ReportData): string {
  return data.repeated ? 'step (replicas #repeat)' : 'step (replicas)';
}

/**
 * Percentiles of one kind of delivery against replica count. Lines join the median of the
 * repeats; when steps were repeated, each repeat is also drawn as a dot, so the spread shows.
 */
export function latencyChart(data: ReportData, kind: LatencyKind): ChartSpec {
  // One replica has no cross deliveries at all, so the cross axis starts at 2 replicas.
  const groups =
    kind === 'cross' ? data.groups.filter((group) => group.replicas >= 2) : data.groups;
  const counts = groups.map((group) => String(group.replicas));
  const series: Record<string, unknown>[] = [];
  CHART_PERCENTILES.forEach((percentile, i) => {
    const color = PERCENTILE_COLORS[i];
    const name = PERCENTILE_LABELS[percentile];
    series.push({
      name,
      type: 'line',
      color,
      symbolSize: 7,
      data: groups.map((group) => group.latency[kind]?.[percentile].median ?? null),
    });
    if (data.repeated) {
      series.push({
        name,
        type: 'scatter',
        color,
        symbolSize: 6,
        itemStyle: { opacity: 0.45 },
        tooltip: { show: false },
        data: repeatPoints(data, groups, kind, percentile),
      });
    }
  });

  const where =
    kind === 'same' ? 'receiver on the sender’s replica' : 'receiver on another replica';
  const hasData = groups.some((group) => group.latency[kind] !== null);
  return {
    id: `chart-latency-${kind}`,
    caption: data.repeated
      ? 'Lines join the median of the repeats; dots are the individual repeats.'
      : 'One step per replica count.',
    option: {
      ...baseOption(`Latency, ${kind} replica`, where),
      xAxis: categoryAxis('replicas', counts),
      yAxis: valueAxis('latency (ms)'),
      series,
      ...(hasData ? {} : noDataGraphic(`No ${kind}-replica deliveries in this run`)),
    },
  };
}

/** Points of the individual repeats, at the position of their group on the x axis. */
function repeatPoints(
  data: ReportData,
  groups: ReportData['groups'],
  kind: LatencyKind,
  percentile: string,
): number[][] {
  const points: number[][] = [];
  groups.forEach((group, position) => {
    for (const step of data.steps.filter((item) => item.replicas === group.replicas)) {
      const figures = step.latency[kind];
      if (figures.count > 0) {
        points.push([position, figures[percentile as keyof typeof figures] as number]);
      }
    }
  });
  return points;
}

export function throughputChart(data: ReportData): ChartSpec {
  const counts = data.groups.map((group) => String(group.replicas));
  const stepsAt = (replicas: number) => data.steps.filter((step) => step.replicas === replicas);
  const expectedPerSecond = data.groups.map((group) => {
    const rates = stepsAt(group.replicas).map((step) =>
      step.measureSeconds > 0 ? step.messages.expected / step.measureSeconds : 0,
    );
    return rates.sort((a, b) => a - b)[Math.floor((rates.length - 1) / 2)] ?? null;
  });
  const series: Record<string, unknown>[] = [
    {
      name: 'delivered',
      type: 'bar',
      color: PERCENTILE_COLORS[0],
      data: data.groups.map((group) => group.throughput.median),
    },
    { name: 'expected', type: 'line', color: '#888', data: expectedPerSecond },
  ];
  if (data.repeated) {
    series.push({
      name: 'delivered',
      type: 'scatter',
      color: '#123a63',
      symbolSize: 6,
      tooltip: { show: false },
      data: data.groups.flatMap((group, position) =>
        stepsAt(group.replicas).map((step) => [position, step.throughput]),
      ),
    });
  }

  return {
    id: 'chart-throughput',
    caption:
      'Deliveries per second over the measure window. A bar below the expected line means ' +
      'deliveries were lost.',
    option: {
      ...baseOption('Delivered messages per second'),
      xAxis: categoryAxis('replicas', counts),
      yAxis: valueAxis('deliveries/s'),
      series,
    },
  };
}

export function lossChart(data: ReportData): ChartSpec {
  const labels = data.steps.map((step) => step.label);
  const pick = (read: (step: ReportData['steps'][number]) => number) => data.steps.map(read);
  return {
    id: 'chart-loss',
    caption: 'Deliveries lost, duplicated or out of order in each step; 0 everywhere is the goal.',
    option: {
      ...baseOption('Loss, duplicates and reordering'),
      xAxis: categoryAxis(stepAxisName(data), labels),
      yAxis: { ...valueAxis('deliveries'), minInterval: 1 },
      series: [
        {
          name: 'lost (backplane)',
          type: 'bar',
          stack: 'lost',
          color: '#c23b3b',
          data: pick((step) => step.messages.lost - step.messages.lostToDisconnects),
        },
        {
          name: 'lost (disconnects)',
          type: 'bar',
          stack: 'lost',
          color: '#e8a0a0',
          data: pick((step) => step.messages.lostToDisconnects),
        },
        {
          name: 'duplicated',
          type: 'bar',
          color: '#e0912f',
          data: pick((s) => s.messages.duplicated),
        },
        {
          name: 'reordered',
          type: 'bar',
          color: '#6b3fa0',
          data: pick((s) => s.messages.reordered),
        },
      ],
    },
  };
}

export function connectChart(data: ReportData): ChartSpec {
  const labels = data.steps.map((step) => step.label);
  const percentiles = ['p50', 'p95', 'p99'] as const;
  return {
    id: 'chart-connect',
    caption: 'Time from opening a connection to the server’s join acknowledgement.',
    option: {
      ...baseOption('Connect time'),
      xAxis: categoryAxis(stepAxisName(data), labels),
      yAxis: valueAxis('connect time (ms)'),
      series: percentiles.map((percentile, i) => ({
        name: percentile,
        type: 'line',
        color: PERCENTILE_COLORS[i],
        symbolSize: 7,
        data: data.steps.map((step) =>
          step.connect.latency.count > 0 ? step.connect.latency[percentile] : null,
        ),
      })),
    },
  };
}

/** Returns a text graphic that keeps an empty chart's axes and states why it is empty. */
export function noDataGraphic(text: string): Record<string, unknown> {
  return {
    graphic: {
      type: 'text',
      left: 'center',
      top: 'middle',
      style: { text, fontSize: 14, fill: '#777' },
    },
  };
}
