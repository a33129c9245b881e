/** The latency percentiles charted against replica count, and the kinds of delivery. */

/** Tables show every figure of a latency summary; charts and comparisons show these. */
export const CHART_PERCENTILES = ['p50', 'p95', 'p99', 'p999'] as const;

export type ChartPercentile = (typeof CHART_PERCENTILES)[number];

export const PERCENTILE_LABELS: Record<ChartPercentile, string> = {
  p50: 'p50',
  p95: 'p95',
  p99: 'p99',
  p999: 'p99.9',
};

/** `same`: sender and receiver on one replica; `cross`: delivered through Redis. */
export type LatencyKind = 'same' | 'cross';

export const LATENCY_KINDS: readonly LatencyKind[] = ['same', 'cross'];
