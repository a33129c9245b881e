import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { aggregateStep, readProgress } from '../../src/measure/aggregate.ts';
import { clientsPeak } from '../../src/measure/clients-peak.ts';
import {
  WORKER_FILE_VERSION,
  type WorkerFile,
  writeWorkerFile,
} from '../../src/measure/worker-file.ts';
import { createHistogram, encodeHistogram, summariseEncoded } from '../../src/results/histogram.ts';

const START_MS = 1_700_000_000_000;

function encoded(values: number[]): string {
  const histogram = createHistogram();
  for (const value of values) {
    histogram.recordValue(value);
  }
  return encodeHistogram(histogram);
}

/** Builds a complete, final worker file; `threadId` keeps file names apart. */
function workerFile(threadId: number, changes: Partial<WorkerFile> = {}): WorkerFile {
  return {
    version: WORKER_FILE_VERSION,
    stepId: 'step-1',
    generatorId: 'gen',
    pid: 100,
    threadId,
    writtenAt: START_MS + 12_000,
    final: true,
    done: true,
    window: {
      measureStartMs: START_MS,
      measureEndMs: START_MS + 10_000,
      drainEndMs: START_MS + 12_000,
      intervalSeconds: 4,
    },
    messages: {
      sent: 10,
      expected: 90,
      delivered: 88,
      lost: 2,
      pending: 0,
      duplicated: 1,
      reordered: 3,
      unexpected: 0,
      lostToDisconnects: 2,
      rejected: 0,
      originMismatches: 0,
      duringMembershipChange: 0,
      late: 0,
      skipped: 0,
      ackTimeouts: 0,
      rejectReasons: {},
    },
    latency: {
      same: encoded([1_000, 2_000]),
      cross: encoded([3_000, 4_000, 5_000]),
      all: encoded([1_000, 2_000, 3_000, 4_000, 5_000]),
    },
    scheduleLag: encoded([100, 200, 300]),
    connect: {
      latency: encoded([20_000, 30_000]),
      attempts: 10,
      connectErrors: 1,
      joinErrors: 1,
      leaveErrors: 0,
      disconnects: 1,
      reconnects: 1,
    },
    clients: {
      connected: 8,
      peak: 8,
      perSecond: [[START_MS / 1000, 8, 8]],
      started: 10,
      active: 0,
    },
    intervals: [
      { index: 0, same: encoded([1_000]), cross: encoded([3_000]) },
      { index: 2, same: encoded([2_000]), cross: encoded([4_000, 5_000]) },
    ],
    health: {
      loopDelayP99Ms: 2,
      loopDelayMaxMs: 5,
      cpuPercent: 30,
      rssBytes: 100_000_000,
      seconds: 10,
    },
    ...changes,
  };
}

describe('aggregateStep', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'chat-aggregate-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  test('counts add up and histograms merge across threads', async () => {
    const first = workerFile(1);
    const second = workerFile(2, { health: { ...first.health, cpuPercent: 55 } });
    await writeWorkerFile(directory, first);
    await writeWorkerFile(directory, second);

    const step = await aggregateStep(directory, { stepId: 'step-1' });

    expect(step.measureSeconds).toBe(10);
    expect(step.messages).toEqual({
      sent: 20,
      expected: 180,
      delivered: 176,
      lost: 4,
      duplicated: 2,
      reordered: 6,
      unexpected: 0,
      lostToDisconnects: 4,
    });
    expect(step.throughput).toBe(17.6);
    expect(step.latency.same.count).toBe(4);
    expect(step.latency.cross.count).toBe(6);
    expect(step.latency.all.p99).toBe(
      summariseEncoded([first.latency.all, second.latency.all]).p99,
    );
    expect(step.connect.attempts).toBe(20);
    expect(step.connect.errors).toBe(4);
    expect(step.connect.latency.count).toBe(4);
    expect(step.generator.cpuPercent).toBe(55);
    expect(step.generator.workers).toBe(2);
    expect(step.clients.peak).toBe(16);
    expect(step.valid).toBe(true);
    expect(step.reasons).toEqual([]);
  });

  test('timeline covers the window in slices', async () => {
    await writeWorkerFile(directory, workerFile(1));
    await writeWorkerFile(directory, workerFile(2));

    const { timeline } = await aggregateStep(directory);

    expect(timeline.map((slice) => slice.start)).toEqual([0, 4, 8]);
    expect(timeline.map((slice) => slice.seconds)).toEqual([4, 4, 2]);
    expect(timeline.map((slice) => slice.delivered)).toEqual([4, 0, 6]);
    expect(timeline[2]?.cross.count).toBe(4);
  });

  test('thread stopped early counts pending as lost', async () => {
    const stopped = workerFile(2, {
      final: false,
      done: false,
      messages: { ...workerFile(2).messages, lost: 0, pending: 2, lostToDisconnects: 0 },
    });
    await writeWorkerFile(directory, workerFile(1));
    await writeWorkerFile(directory, stopped);

    const step = await aggregateStep(directory);

    expect(step.messages.lost).toBe(4);
    expect(step.messages.expected).toBe(step.messages.delivered + step.messages.lost);
    expect(step.valid).toBe(false);
    expect(step.reasons).toHaveLength(1);
    expect(step.reasons[0]).toContain('gen-100-2');
  });

  test('generator limits mark the step invalid', async () => {
    const busy = workerFile(1, {
      health: { ...workerFile(1).health, loopDelayP99Ms: 25, cpuPercent: 95 },
      scheduleLag: encoded([11_000, 12_000, 15_000]),
    });
    await writeWorkerFile(directory, busy);

    const step = await aggregateStep(directory);
    const relaxed = await aggregateStep(directory, {
      limits: { loopDelayP99Ms: 30, cpuPercent: 99, scheduleLagP99Ms: 20 },
    });

    expect(step.valid).toBe(false);
    expect(step.reasons).toHaveLength(3);
    expect(step.reasons[0]).toContain('event-loop delay p99 was 25 ms');
    expect(step.reasons[1]).toContain('95 % of a CPU core');
    expect(step.reasons[2]).toContain('behind schedule');
    expect(relaxed.valid).toBe(true);
  });

  test('rejected messages make the step invalid', async () => {
    const messages = { ...workerFile(1).messages, rejected: 4 };
    await writeWorkerFile(
      directory,
      workerFile(1, { messages: { ...messages, rejectReasons: { rate_limited: 4 } } }),
    );

    const step = await aggregateStep(directory);

    expect(step.valid).toBe(false);
    expect(step.reasons[0]).toContain('rate_limited: 4');
  });

  test('other steps and unreadable files are skipped', async () => {
    await writeWorkerFile(directory, workerFile(1));
    await writeWorkerFile(directory, workerFile(2, { stepId: 'step-0' }));
    await writeFile(join(directory, 'gen-100-9.json'), '{"version": 1');
    await writeFile(join(directory, 'report.json'), '{}');
    await writeFile(join(directory, '.gen-100-3.json.tmp'), 'half a file');

    const step = await aggregateStep(directory, { stepId: 'step-1' });

    expect(step.generator.workers).toBe(1);
    expect(step.messages.sent).toBe(10);
    expect(step.reasons).toHaveLength(2);
    expect(step.reasons.some((reason) => reason.includes('gen-100-9.json'))).toBe(true);
    expect(step.reasons.some((reason) => reason.includes('step-0'))).toBe(true);
  });

  test('missing folder gives an invalid empty step', async () => {
    const step = await aggregateStep(join(directory, 'absent'));

    expect(step.messages.sent).toBe(0);
    expect(step.timeline).toEqual([]);
    expect(step.valid).toBe(false);
    expect(step.reasons[0]).toContain('no load-generator result files');
  });
});

describe('readProgress', () => {
  test('sums running threads', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'chat-progress-'));
    try {
      const running = { ...workerFile(1), final: false, done: false };
      await writeWorkerFile(directory, running);
      await writeWorkerFile(directory, workerFile(2));

      const progress = await readProgress(directory);

      expect(progress.workers).toBe(2);
      expect(progress.finalWorkers).toBe(1);
      expect(progress.clientsConnected).toBe(16);
      expect(progress.sent).toBe(20);
      expect(progress.delivered).toBe(176);
      expect(progress.crossP99Ms).toBeCloseTo(5, 1);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  test('missing folder reads as no progress', async () => {
    const progress = await readProgress(join(tmpdir(), 'chat-progress-absent-folder'));

    expect(progress.workers).toBe(0);
    expect(progress.crossP99Ms).toBe(0);
  });
});

describe('clientsPeak', () => {
  test('adds threads second by second', () => {
    const first: [number, number, number][] = [
      [10, 5, 5],
      [12, 8, 2],
    ];
    const second: [number, number, number][] = [
      [11, 4, 4],
      [12, 6, 6],
    ];

    expect(clientsPeak([first, second])).toBe(14);
    expect(clientsPeak([first])).toBe(8);
    expect(clientsPeak([])).toBe(0);
  });

  test('seconds without entries keep the last count', () => {
    const steady: [number, number, number][] = [[10, 7, 7]];
    const late: [number, number, number][] = [[20, 3, 3]];

    expect(clientsPeak([steady, late])).toBe(10);
  });
});
