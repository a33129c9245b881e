/**
 * Combines the result files of every load-generator thread of a step into the measured
 * parts of its summary. Counts add up, histograms merge exactly (percentiles are computed
 * from the merged histogram, never averaged), and the generator's health decides whether
 * the step is valid.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createHistogram,
  decodeHistogram,
  mergeEncoded,
  percentileMilliseconds,
  summariseEncoded,
  summariseHistogram,
} from '../results/histogram.ts';
import type { LatencyInterval, MessageCounts, StepSummary } from '../results/summary.ts';
import { clientsPeak } from './clients-peak.ts';
import { isWorkerFileName, readWorkerFile, type WorkerFile } from './worker-file.ts';

/** Generator health limits; a step past any of them is marked invalid. */
export interface GeneratorLimits {
  /** Event-loop delay p99 of the worst thread, ms. @default 20 */
  loopDelayP99Ms: number;
  /** CPU of the busiest thread, percent of one core. @default 90 */
  cpuPercent: number;
  /** Schedule lag p99 over all sends, ms. @default 10 */
  scheduleLagP99Ms: number;
}

export const DEFAULT_GENERATOR_LIMITS: Readonly<GeneratorLimits> = {
  loopDelayP99Ms: 20,
  cpuPercent: 90,
  scheduleLagP99Ms: 10,
};

export interface StepMeta {
  /** Only files written for this step count. @default every file in the folder */
  stepId?: string;
  limits?: Partial<GeneratorLimits>;
}

/** The parts of a StepSummary that come from the load generator's measurements. */
export type MeasuredStep = Pick<
  StepSummary,
  | 'measureSeconds'
  | 'messages'
  | 'throughput'
  | 'latency'
  | 'timeline'
  | 'connect'
  | 'generator'
  | 'valid'
  | 'reasons'
> & { clients: Pick<StepSummary['clients'], 'peak'> };

export interface WorkerFileSet {
  workers: WorkerFile[];
  /** Files that could not be used, with the reason. */
  skipped: { file: string; reason: string }[];
}

/** Reads every worker result file in `directory`; a missing folder reads as empty. */
export async function readWorkerFiles(directory: string, stepId?: string): Promise<WorkerFileSet> {
  const set: WorkerFileSet = { workers: [], skipped: [] };
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return set;
    }
    throw error;
  }

  for (const name of names.filter(isWorkerFileName).sort()) {
    try {
      const file = await readWorkerFile(join(directory, name));
      if (stepId !== undefined && file.stepId !== stepId) {
        set.skipped.push({ file: name, reason: `written for step ${file.stepId}` });
      } else {
        set.workers.push(file);
      }
    } catch (error) {
      set.skipped.push({ file: name, reason: (error as Error).message });
    }
  }
  return set;
}

export async function aggregateStep(directory: string, meta: StepMeta = {}): Promise<MeasuredStep> {
  const limits = { ...DEFAULT_GENERATOR_LIMITS, ...meta.limits };
  const { workers, skipped } = await readWorkerFiles(directory, meta.stepId);
  const measureSeconds = windowSeconds(workers);

  const messages = sumMessages(workers);
  const scheduleLag = summariseEncoded(workers.map((file) => file.scheduleLag));
  const generator = {
    loopDelayP99: maximum(workers.map((file) => file.health.loopDelayP99Ms)),
    cpuPercent: maximum(workers.map((file) => file.health.cpuPercent)),
    scheduleLag,
    rssBytes: maximum(workers.map((file) => file.health.rssBytes)),
    workers: workers.length,
  };
  const reasons = [
    ...limitReasons(workers, scheduleLag.p99, limits),
    ...completenessReasons(directory, workers, skipped),
    ...deliveryReasons(workers),
  ];

  return {
    measureSeconds,
    messages,
    throughput: measureSeconds > 0 ? round(messages.delivered / measureSeconds) : 0,
    latency: {
      same: summariseEncoded(workers.map((file) => file.latency.same)),
      cross: summariseEncoded(workers.map((file) => file.latency.cross)),
      all: summariseEncoded(workers.map((file) => file.latency.all)),
    },
    timeline: buildTimeline(workers, measureSeconds),
    connect: {
      latency: summariseEncoded(workers.map((file) => file.connect.latency)),
      attempts: sum(workers, (file) => file.connect.attempts),
      errors: sum(workers, (file) => file.connect.connectErrors + file.connect.joinErrors),
      disconnects: sum(workers, (file) => file.connect.disconnects),
      reconnects: sum(workers, (file) => file.connect.reconnects),
    },
    generator,
    clients: { peak: clientsPeak(workers.map((file) => file.clients.perSecond)) },
    valid: reasons.length === 0,
    reasons,
  };
}

/** A cheap snapshot of a running step, for a progress line refreshed every second. */
export interface Progress {
  workers: number;
  /** Threads whose drain window is over. */
  finalWorkers: number;
  clientsConnected: number;
  connectErrors: number;
  sent: number;
  expected: number;
  delivered: number;
  lost: number;
  pending: number;
  sameP99Ms: number;
  crossP99Ms: number;
  scheduleLagP99Ms: number;
  loopDelayP99Ms: number;
  cpuPercent: number;
}

export async function readProgress(directory: string, stepId?: string): Promise<Progress> {
  const { workers } = await readWorkerFiles(directory, stepId);
  const p99 = (pick: (file: WorkerFile) => string): number =>
    percentileMilliseconds(mergeEncoded(workers.map(pick)), 99);

  return {
    workers: workers.length,
    finalWorkers: workers.filter((file) => file.final).length,
    clientsConnected: sum(workers, (file) => file.clients.connected),
    connectErrors: sum(workers, (file) => file.connect.connectErrors + file.connect.joinErrors),
    sent: sum(workers, (file) => file.messages.sent),
    expected: sum(workers, (file) => file.messages.expected),
    delivered: sum(workers, (file) => file.messages.delivered),
    lost: sum(workers, (file) => file.messages.lost),
    pending: sum(workers, (file) => file.messages.pending),
    sameP99Ms: p99((file) => file.latency.same),
    crossP99Ms: p99((file) => file.latency.cross),
    scheduleLagP99Ms: p99((file) => file.scheduleLag),
    loopDelayP99Ms: maximum(workers.map((file) => file.health.loopDelayP99Ms)),
    cpuPercent: maximum(workers.map((file) => file.health.cpuPercent)),
  };
}

/**
 * Sums the delivery counts. A thread that stopped before the end of the drain window never
 * closed its accounting, so its pending deliveries count as lost. That keeps
 * `expected = delivered + lost` true for the step.
 */
function sumMessages(workers: WorkerFile[]): MessageCounts {
  const total = (pick: (file: WorkerFile) => number) => sum(workers, pick);
  return {
    sent: total((file) => file.messages.sent),
    expected: total((file) => file.messages.expected),
    delivered: total((file) => file.messages.delivered),
    lost: total((file) => file.messages.lost + file.messages.pending),
    duplicated: total((file) => file.messages.duplicated),
    reordered: total((file) => file.messages.reordered),
    unexpected: total((file) => file.messages.unexpected),
    lostToDisconnects: total((file) => file.messages.lostToDisconnects),
  };
}

function buildTimeline(workers: WorkerFile[], measureSeconds: number): LatencyInterval[] {
  const intervalSeconds = workers[0]?.window.intervalSeconds ?? 0;
  if (intervalSeconds <= 0 || measureSeconds <= 0) {
    return [];
  }

  const sliceCount = Math.ceil(measureSeconds / intervalSeconds - 1e-9);
  const slices = Array.from({ length: sliceCount }, () => ({
    same: createHistogram(),
    cross: createHistogram(),
  }));
  for (const file of workers) {
    for (const interval of file.intervals) {
      const slice = slices[interval.index];
      slice?.same.add(decodeHistogram(interval.same));
      slice?.cross.add(decodeHistogram(interval.cross));
    }
  }

  return slices.map((slice, index) => {
    const start = round(index * intervalSeconds);
    return {
      start,
      seconds: round(Math.min(intervalSeconds, measureSeconds - start)),
      delivered: slice.same.totalCount + slice.cross.totalCount,
      same: summariseHistogram(slice.same),
      cross: summariseHistogram(slice.cross),
    };
  });
}

function limitReasons(
  workers: WorkerFile[],
  scheduleLagP99: number,
  limits: GeneratorLimits,
): string[] {
  const reasons: string[] = [];
  for (const file of workers) {
    const thread = threadName(file);
    if (file.health.loopDelayP99Ms > limits.loopDelayP99Ms) {
      reasons.push(
        `load-generator event-loop delay p99 was ${file.health.loopDelayP99Ms} ms on ` +
          `thread ${thread}, over the ${limits.loopDelayP99Ms} ms limit`,
      );
    }
    if (file.health.cpuPercent > limits.cpuPercent) {
      reasons.push(
        `load-generator thread ${thread} used ${file.health.cpuPercent} % of a CPU core, ` +
          `over the ${limits.cpuPercent} % limit`,
      );
    }
  }
  if (scheduleLagP99 > limits.scheduleLagP99Ms) {
    reasons.push(
      `sends left ${scheduleLagP99} ms behind schedule at p99, over the ` +
        `${limits.scheduleLagP99Ms} ms limit`,
    );
  }
  return reasons;
}

function completenessReasons(
  directory: string,
  workers: WorkerFile[],
  skipped: WorkerFileSet['skipped'],
): string[] {
  const reasons: string[] = [];
  if (workers.length === 0) {
    reasons.push(`no load-generator result files for this step in ${directory}`);
  }
  for (const { file, reason } of skipped) {
    reasons.push(`skipped result file ${file}: ${reason}`);
  }

  const stopped = workers.filter((file) => !file.final);
  if (stopped.length > 0) {
    const pending = sum(stopped, (file) => file.messages.pending);
    reasons.push(
      `${stopped.length} of ${workers.length} load-generator threads stopped before the ` +
        `drain window ended (${stopped.map(threadName).join(', ')}); their ${pending} ` +
        'deliveries still in flight count as lost',
    );
  }
  return reasons;
}

function deliveryReasons(workers: WorkerFile[]): string[] {
  const reasons: string[] = [];
  const rejected = new Map<string, number>();
  for (const file of workers) {
    for (const [reason, count] of Object.entries(file.messages.rejectReasons)) {
      rejected.set(reason, (rejected.get(reason) ?? 0) + count);
    }
  }
  if (rejected.size > 0) {
    const total = [...rejected.values()].reduce((a, b) => a + b, 0);
    const detail = [...rejected].map(([reason, count]) => `${reason}: ${count}`).join(', ');
    reasons.push(
      `the server rejected ${total} messages (${detail}), so the offered load was lower ` +
        'than configured',
    );
  }

  const mismatches = sum(workers, (file) => file.messages.originMismatches);
  if (mismatches > 0) {
    reasons.push(
      `${mismatches} deliveries carried an origin replica different from the sender's ` +
        'join acknowledgement, so their same/cross tags may be wrong',
    );
  }
  return reasons;
}

function windowSeconds(workers: WorkerFile[]): number {
  const window = workers[0]?.window;
  return window === undefined ? 0 : round((window.measureEndMs - window.measureStartMs) / 1000);
}

function threadName(file: WorkerFile): string {
  return `${file.generatorId}-${file.pid}-${file.threadId}`;
}

function sum<T>(items: T[], pick: (item: T) => number): number {
  let total = 0;
  for (const item of items) {
    total += pick(item);
  }
  return total;
}

function maximum(values: number[]): number {
  return values.length === 0 ? 0 : Math.max(...values);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
