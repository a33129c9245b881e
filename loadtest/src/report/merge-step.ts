/**
 * Merging the same step as seen by several load generators that ran at the same time
 * against the same replicas. Counts add up; latencies merge as HDR histograms and their
 * percentiles are computed again from the merged histogram, never averaged.
 */
import { summariseEncoded } from '../results/histogram.ts';
import type {
  LatencyInterval,
  LatencySummary,
  MessageCounts,
  ServerFigures,
  StepSummary,
} from '../results/summary.ts';

/** One generator's step and the name its reasons are prefixed with. */
export interface GeneratorStep {
  generator: string;
  step: StepSummary;
}

function mergeLatency(parts: readonly LatencySummary[]): LatencySummary {
  return summariseEncoded(parts.map((part) => part.histogram));
}

function sumOf<T>(items: readonly T[], read: (item: T) => number): number {
  return items.reduce((total, item) => total + read(item), 0);
}

function maxOf<T>(items: readonly T[], read: (item: T) => number): number {
  return Math.max(...items.map(read));
}

function mergeMessages(parts: readonly MessageCounts[]): MessageCounts {
  const keys = Object.keys(parts[0]!) as (keyof MessageCounts)[];
  return Object.fromEntries(
    keys.map((key) => [key, sumOf(parts, (part) => part[key])]),
  ) as unknown as MessageCounts;
}

/**
 * Slices are matched by their start second. A slice one generator lacks (its step ended a
 * moment earlier) takes the other generators' figures alone.
 */
function mergeTimelines(timelines: readonly LatencyInterval[][]): LatencyInterval[] {
  const starts = [...new Set(timelines.flat().map((slice) => slice.start))].sort((a, b) => a - b);
  return starts.map((start) => {
    const slices = timelines.flat().filter((slice) => slice.start === start);
    return {
      start,
      seconds: maxOf(slices, (slice) => slice.seconds),
      delivered: sumOf(slices, (slice) => slice.delivered),
      same: mergeLatency(slices.map((slice) => slice.same)),
      cross: mergeLatency(slices.map((slice) => slice.cross)),
    };
  });
}

/**
 * Every generator reads the same replicas' /metrics, so their server figures describe the
 * same processes and must not be added: the first generator's reading of each replica is kept.
 */
function mergeServers(parts: readonly ServerFigures[][]): ServerFigures[] {
  const byReplica = new Map<string, ServerFigures>();
  for (const server of parts.flat()) {
    if (!byReplica.has(server.replica)) {
      byReplica.set(server.replica, server);
    }
  }
  return [...byReplica.values()];
}

/** Merges the generators' views of one step; the caller has checked that they match. */
export function mergeStep(parts: readonly GeneratorStep[]): StepSummary {
  const steps = parts.map((part) => part.step);
  const first = steps[0]!;
  const reasons = parts.flatMap((part) =>
    part.step.reasons.map((reason) => `${part.generator}: ${reason}`),
  );

  return {
    ...first,
    startedAt: steps.map((step) => step.startedAt).sort()[0]!,
    endedAt: steps
      .map((step) => step.endedAt)
      .sort()
      .at(-1)!,
    measureSeconds: maxOf(steps, (step) => step.measureSeconds),
    complete: steps.every((step) => step.complete),
    clients: {
      target: sumOf(steps, (step) => step.clients.target),
      // Each generator's peak may fall at a different moment, so this sum is an upper bound.
      peak: sumOf(steps, (step) => step.clients.peak),
    },
    messages: mergeMessages(steps.map((step) => step.messages)),
    // Each generator's rate covers its own window; concurrent rates add up.
    throughput: sumOf(steps, (step) => step.throughput),
    latency: {
      same: mergeLatency(steps.map((step) => step.latency.same)),
      cross: mergeLatency(steps.map((step) => step.latency.cross)),
      all: mergeLatency(steps.map((step) => step.latency.all)),
    },
    timeline: mergeTimelines(steps.map((step) => step.timeline)),
    connect: {
      latency: mergeLatency(steps.map((step) => step.connect.latency)),
      attempts: sumOf(steps, (step) => step.connect.attempts),
      errors: sumOf(steps, (step) => step.connect.errors),
      disconnects: sumOf(steps, (step) => step.connect.disconnects),
      reconnects: sumOf(steps, (step) => step.connect.reconnects),
    },
    // The validity limits apply to each generator, so the worst one stands for all.
    generator: {
      loopDelayP99: maxOf(steps, (step) => step.generator.loopDelayP99),
      cpuPercent: maxOf(steps, (step) => step.generator.cpuPercent),
      scheduleLag: mergeLatency(steps.map((step) => step.generator.scheduleLag)),
      rssBytes: maxOf(steps, (step) => step.generator.rssBytes),
      workers: sumOf(steps, (step) => step.generator.workers),
    },
    servers: mergeServers(steps.map((step) => step.servers)),
    redis: steps.find((step) => step.redis !== null)?.redis ?? null,
    valid: steps.every((step) => step.valid),
    reasons,
  };
}
