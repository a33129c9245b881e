/**
 * The result file each load-generator thread writes: its cumulative counts, encoded
 * histograms and health, rewritten every few seconds and at the end. A file is written to a
 * temporary name and then renamed, so a reader never sees half of one and a thread killed
 * at any moment leaves its last complete state behind.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const WORKER_FILE_VERSION = 1;

const count = z.number().int().min(0);

const messagesSchema = z.object({
  sent: count,
  expected: count,
  delivered: count,
  lost: count,
  pending: count,
  duplicated: count,
  reordered: count,
  unexpected: count,
  lostToDisconnects: count,
  rejected: count,
  originMismatches: count,
  duringMembershipChange: count,
  late: count,
  /** Scheduled sends skipped because the sender was disconnected or not a member. */
  skipped: count,
  /** Chat messages whose acknowledgement did not arrive within the timeout or before a drop. */
  ackTimeouts: count,
  /** Rejections by the server's reason code. */
  rejectReasons: z.record(z.string(), count),
});

export const workerFileSchema = z.object({
  version: z.literal(WORKER_FILE_VERSION),
  stepId: z.string(),
  generatorId: z.string(),
  pid: z.number().int(),
  threadId: z.number().int(),
  /** Epoch ms of this write. */
  writtenAt: z.number(),
  /** True once the drain window ended: `lost` is final and `pending` is 0. */
  final: z.boolean(),
  /** True once every user of the thread finished. */
  done: z.boolean(),
  window: z.object({
    measureStartMs: z.number(),
    measureEndMs: z.number(),
    drainEndMs: z.number(),
    intervalSeconds: z.number().positive(),
  }),
  messages: messagesSchema,
  /** Encoded microsecond histograms of delivery latency. */
  latency: z.object({ same: z.string(), cross: z.string(), all: z.string() }),
  /** Encoded microsecond histogram of send lateness against the schedule. */
  scheduleLag: z.string(),
  connect: z.object({
    /** Encoded microsecond histogram from connection start to join acknowledgement. */
    latency: z.string(),
    attempts: count,
    connectErrors: count,
    joinErrors: count,
    leaveErrors: count,
    disconnects: count,
    reconnects: count,
  }),
  clients: z.object({
    /** Members (join acknowledged, not left) at the time of the write. */
    connected: count,
    peak: count,
    /** Members over time, in the form clients-peak.ts describes as MembersPerSecond. */
    perSecond: z.array(z.tuple([z.number().int(), count, count])),
    /** Users started and users still running. */
    started: count,
    active: count,
  }),
  /** Latency by send time: slice `index` covers [index, index + 1) intervals of the window. */
  intervals: z.array(
    z.object({ index: z.number().int().min(0), same: z.string(), cross: z.string() }),
  ),
  /**
   * Each dropped connection as [drop time, rejoin time]. The drop time is ms into the measure
   * window, negative before it. The rejoin time is ms until the rejoin was acknowledged, or null.
   */
  drops: z.array(z.tuple([z.number(), z.number().min(0).nullable()])).optional(),
  /** Delivery counts by send time, present in fault runs (see send-time-counts.ts). */
  sendTimeSlices: z
    .object({
      sliceMs: z.number().positive(),
      expected: z.array(z.number().int()),
      delivered: z.array(count),
      lost: z.array(count),
      lostToDisconnects: z.array(count),
      duplicated: z.array(count),
      crossExpected: z.array(z.number().int()),
      crossLost: z.array(count),
    })
    .optional(),
  health: z.object({
    loopDelayP99Ms: z.number().min(0),
    loopDelayMaxMs: z.number().min(0),
    cpuPercent: z.number().min(0),
    rssBytes: count,
    seconds: z.number().min(0),
  }),
});

export type WorkerFile = z.infer<typeof workerFileSchema>;
export type WorkerMessageCounts = z.infer<typeof messagesSchema>;

export class WorkerFileError extends Error {
  override name = 'WorkerFileError';
}

/** File name of a thread's results: `<generatorId>-<pid>-<threadId>.json`. */
export function workerFileName(generatorId: string, pid: number, threadId: number): string {
  return `${generatorId}-${pid}-${threadId}.json`;
}

/** True for names of result files, false for temporary files and anything else. */
export function isWorkerFileName(name: string): boolean {
  return /^[A-Za-z0-9_-]+-\d+-\d+\.json$/.test(name);
}

export async function writeWorkerFile(directory: string, file: WorkerFile): Promise<void> {
  const { path, temporary } = paths(directory, file);
  await writeFile(temporary, JSON.stringify(file));
  await rename(temporary, path);
}

/** Synchronous write, for the last write while the thread exits. */
export function writeWorkerFileSync(directory: string, file: WorkerFile): void {
  const { path, temporary } = paths(directory, file);
  writeFileSync(temporary, JSON.stringify(file));
  renameSync(temporary, path);
}

export async function readWorkerFile(path: string): Promise<WorkerFile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new WorkerFileError(`cannot read worker file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }

  const result = workerFileSchema.safeParse(parsed);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 3).map((issue) => {
      return `${issue.path.join('.') || 'file'}: ${issue.message}`;
    });
    throw new WorkerFileError(
      `worker file ${path} does not match format version ${WORKER_FILE_VERSION} ` +
        `(${issues.join('; ')}); it was written by another version of the load generator`,
    );
  }
  return result.data;
}

function paths(directory: string, file: WorkerFile): { path: string; temporary: string } {
  const name = workerFileName(file.generatorId, file.pid, file.threadId);
  return { path: join(directory, name), temporary: join(directory, `.${name}.tmp`) };
}
