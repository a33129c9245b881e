import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RedisServer } from '../../src/cluster/redis-server.ts';
import { aggregateStep, readWorkerFiles } from '../../src/measure/aggregate.ts';
import { stepEnv } from '../../src/measure/step-env.ts';
import { runArtillery } from './support/artillery-run.ts';
import { ReplicaProcess } from './support/replica-process.ts';
import { RoundRobinProxy } from './support/round-robin-proxy.ts';

const CLIENTS = 40;
const ROOM_SIZE = 10;

describe('Artillery run against a two-replica cluster', () => {
  const redis = new RedisServer();
  const replicas: ReplicaProcess[] = [];
  let proxy: RoundRobinProxy;
  let directory: string;

  beforeAll(async () => {
    await redis.start();
    for (const id of ['replica-1', 'replica-2']) {
      const replica = new ReplicaProcess(id, { REDIS_URL: redis.url, CHAT_ADAPTER: 'pubsub' });
      replicas.push(replica);
      await replica.start();
    }
    proxy = new RoundRobinProxy(replicas.map((replica) => replica.port));
    await proxy.start();
    directory = await mkdtemp(join(tmpdir(), 'chat-artillery-'));
  });

  afterAll(async () => {
    await proxy?.stop();
    for (const replica of replicas) {
      await replica.stop();
    }
    await redis.dispose();
    await rm(directory, { recursive: true, force: true });
  });

  test('rooms scenario accounts for every delivery', async () => {
    const now = Date.now();
    const workerDir = join(directory, 'workers');
    const env = stepEnv({
      stepId: 'rooms-1',
      workerDir,
      measureStartMs: now + 9_000,
      measureEndMs: now + 15_000,
      drainEndMs: now + 17_000,
      rate: 2,
      roomSize: ROOM_SIZE,
      generatorId: 'test',
      intervalSeconds: 2,
    });

    const result = await runArtillery({
      scenario: 'rooms',
      target: proxy.url,
      phases: [{ duration: 3, arrivalCount: CLIENTS }],
      env,
      reportPath: join(directory, 'report.json'),
      timeoutMs: 45_000,
    });
    const step = await aggregateStep(workerDir, { stepId: 'rooms-1' });
    const { messages } = step;

    expect(result.exitCode, result.output).toBe(0);
    expect(result.counters['vusers.failed'] ?? 0).toBe(0);
    expect(messages.sent).toBeGreaterThan(0);
    expect(messages.expected).toBe(messages.delivered + messages.lost);
    expect(messages.expected).toBeGreaterThan(messages.sent * (ROOM_SIZE - 2));
    expect(messages.lost).toBe(0);
    expect(messages.duplicated).toBe(0);
    expect(messages.unexpected).toBe(0);
    expect(step.latency.same.count).toBeGreaterThan(0);
    expect(step.latency.cross.count).toBeGreaterThan(0);
    expect(step.latency.all.count).toBe(messages.delivered);
    expect(step.timeline).toHaveLength(3);
    expect(step.timeline.reduce((total, slice) => total + slice.delivered, 0)).toBe(
      messages.delivered,
    );
    expect(step.connect.attempts).toBe(CLIENTS);
    expect(step.connect.errors).toBe(0);
    expect(step.connect.latency.count).toBe(CLIENTS);
    expect(step.clients.peak).toBe(CLIENTS);
    expect(step.generator.scheduleLag.count).toBe(messages.sent);
    expect(step.generator.workers).toBeGreaterThan(0);
  });

  test('churn scenario accounts for members joining mid-step', async () => {
    const now = Date.now();
    const workerDir = join(directory, 'churn-workers');
    const env = stepEnv({
      stepId: 'churn-1',
      workerDir,
      measureStartMs: now + 8_000,
      measureEndMs: now + 16_000,
      drainEndMs: now + 18_000,
      rate: 2,
      roomSize: ROOM_SIZE,
      churnShare: 0.3,
      sessionSeconds: 2,
      generatorId: 'test',
    });

    const result = await runArtillery({
      scenario: 'churn',
      target: proxy.url,
      phases: [{ duration: 2, arrivalCount: 20 }],
      env,
      reportPath: join(directory, 'churn-report.json'),
      timeoutMs: 45_000,
    });
    const step = await aggregateStep(workerDir, { stepId: 'churn-1' });
    const { workers } = await readWorkerFiles(workerDir, 'churn-1');
    const { messages } = step;

    expect(result.exitCode, result.output).toBe(0);
    expect(result.counters['vusers.failed'] ?? 0).toBe(0);
    expect(messages.expected).toBe(messages.delivered + messages.lost);
    expect(messages.lost).toBe(0);
    expect(messages.unexpected).toBe(0);
    expect(step.connect.attempts).toBe(20);
    expect(step.clients.peak).toBeLessThan(20);
    expect(workers.every((file) => file.final && file.done)).toBe(true);
  });

  // Stops a replica for good, so it runs last.
  test('stopped replica counts its losses as disconnects', async () => {
    const now = Date.now();
    const workerDir = join(directory, 'stop-workers');
    const env = stepEnv({
      stepId: 'stop-1',
      workerDir,
      measureStartMs: now + 8_000,
      measureEndMs: now + 15_000,
      drainEndMs: now + 17_000,
      rate: 5,
      roomSize: ROOM_SIZE,
      generatorId: 'test',
    });
    const stopper = setTimeout(() => void replicas[1]?.stop(), 10_000);

    const result = await runArtillery({
      scenario: 'rooms',
      target: proxy.url,
      phases: [{ duration: 2, arrivalCount: 20 }],
      env,
      reportPath: join(directory, 'stop-report.json'),
      timeoutMs: 45_000,
    });
    clearTimeout(stopper);
    const step = await aggregateStep(workerDir, { stepId: 'stop-1' });
    const { messages } = step;

    expect(result.exitCode, result.output).toBe(0);
    expect(step.connect.disconnects).toBeGreaterThan(0);
    expect(step.connect.reconnects).toBe(step.connect.disconnects);
    expect(step.clients.peak).toBe(20);
    expect(messages.expected).toBe(messages.delivered + messages.lost);
    expect(messages.lostToDisconnects).toBe(messages.lost);
    expect(messages.unexpected).toBe(0);
    expect(messages.duplicated).toBe(0);
  });
});
