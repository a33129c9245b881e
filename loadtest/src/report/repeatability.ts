/**
 * Steps repeated at one replica count: the spread of each figure over the repeats, and the
 * comparisons between neighbouring replica counts that the spread makes meaningless.
 */
import {
  CHART_PERCENTILES,
  type ChartPercentile,
  LATENCY_KINDS,
  type LatencyKind,
} from './percentiles.ts';
import type { StepReport } from './report-data.ts';

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export interface ReplicaGroup {
  replicas: number;
  /** Indexes of the steps measured at this replica count, in run order. */
  steps: number[];
  /** Steps of this group marked invalid; their figures are included all the same. */
  invalid: number;
  /** Null for a kind with no deliveries in any repeat, as `cross` with one replica. */
  latency: Record<LatencyKind, Record<ChartPercentile, Spread> | null>;
  throughput: Spread;
  lost: Spread;
}

/**
 * A change between neighbouring replica counts smaller than the spread of the repeats at
 * either count: repeating the same step moved the figure further than adding replicas.
 */
export interface NoiseFinding {
  kind: LatencyKind;
  percentile: ChartPercentile;
  fromReplicas: number;
  toReplicas: number;
  /** Difference of the medians, milliseconds, absolute. */
  differenceMs: number;
  /** Largest max minus min over the repeats of the two counts, milliseconds. */
  spreadMs: number;
}

export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}

export function groupByReplicas(steps: readonly StepReport[]): ReplicaGroup[] {
  const counts = [...new Set(steps.map((step) => step.replicas))].sort((a, b) => a - b);
  return counts.map((replicas) => {
    const members = steps.filter((step) => step.replicas === replicas);
    return {
      replicas,
      steps: members.map((step) => step.index),
      invalid: members.filter((step) => !step.valid).length,
      latency: { same: latencySpread(members, 'same'), cross: latencySpread(members, 'cross') },
      throughput: spreadOf(members.map((step) => step.throughput)),
      lost: spreadOf(members.map((step) => step.messages.lost)),
    };
  });
}

/** Spread of each percentile over the repeats that delivered messages of this kind. */
function latencySpread(
  members: readonly StepReport[],
  kind: LatencyKind,
): Record<ChartPercentile, Spread> | null {
  const measured = members.filter((step) => step.latency[kind].count > 0);
  if (measured.length === 0) {
    return null;
  }
  const entries = CHART_PERCENTILES.map((percentile) => [
    percentile,
    spreadOf(measured.map((step) => step.latency[kind][percentile])),
  ]);
  return Object.fromEntries(entries) as Record<ChartPercentile, Spread>;
}

export interface NoiseCheck {
  /** Percentile comparisons made between neighbouring replica counts. */
  compared: number;
  findings: NoiseFinding[];
}

/** Compares each replica count with the next one, where either was measured more than once. */
export function findNoise(groups: readonly ReplicaGroup[]): NoiseCheck {
  const check: NoiseCheck = { compared: 0, findings: [] };
  for (let i = 0; i + 1 < groups.length; i++) {
    const from = groups[i]!;
    const to = groups[i + 1]!;
    if (from.steps.length < 2 && to.steps.length < 2) {
      continue;
    }
    for (const kind of LATENCY_KINDS) {
      compareKind(from, to, kind, check);
    }
  }
  return check;
}

function compareKind(
  from: ReplicaGroup,
  to: ReplicaGroup,
  kind: LatencyKind,
  check: NoiseCheck,
): void {
  const before = from.latency[kind];
  const after = to.latency[kind];
  if (before === null || after === null) {
    return;
  }

  for (const percentile of CHART_PERCENTILES) {
    check.compared += 1;
    const differenceMs = Math.abs(after[percentile].median - before[percentile].median);
    const spreadMs = Math.max(width(before[percentile]), width(after[percentile]));
    if (spreadMs > differenceMs) {
      check.findings.push({
        kind,
        percentile,
        fromReplicas: from.replicas,
        toReplicas: to.replicas,
        differenceMs,
        spreadMs,
      });
    }
  }
}

function width(spread: Spread): number {
  return spread.max - spread.min;
}
