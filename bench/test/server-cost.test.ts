import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RedisServer } from '../../loadtest/src/cluster/redis-server.ts';
import { costRatios, ratio, redisGrowth } from '../src/ratios.ts';
import { type CostRow, measureServerCost } from '../src/server-cost/server-cost.ts';

/** 40 clients in rooms of 5 sending 40 messages per second for 1 s. */
const LOAD = {
  clients: 40,
  roomSize: 5,
  messagesPerSecond: 40,
  messageBytes: 64,
  settleMs: 300,
  measureMs: 1_000,
  drainMs: 300,
};

let redis: RedisServer;
let rows: CostRow[];

beforeAll(async () => {
  redis = new RedisServer();
  await redis.start();
  rows = await measureServerCost(
    redis.url,
    { load: LOAD, replicaCounts: { pubsub: [1, 2] } },
    () => {},
  );
});

afterAll(async () => {
  await redis?.dispose();
});

describe('measureServerCost', () => {
  test('runs the plain server, then each replica count', () => {
    expect(rows.map((row) => [row.adapter, row.replicas])).toEqual([
      ['none', 1],
      ['pubsub', 1],
      ['pubsub', 2],
    ]);
  });

  test('delivers every message to the other room members', () => {
    for (const { figures } of rows) {
      expect(figures.sent).toBe(40);
      expect(figures.expected).toBe(40 * (LOAD.roomSize - 1));
      expect(figures.delivered).toBe(figures.expected);
    }
  });

  test('measures server CPU and memory', () => {
    for (const { figures } of rows) {
      expect(figures.serverCpuSeconds).toBeGreaterThan(0);
      expect(figures.deliveriesPerCpuSecond).toBe(
        Math.round(figures.delivered / figures.serverCpuSeconds),
      );
      expect(figures.rssBaselineBytes).toBeGreaterThan(0);
      expect(figures.rssIdleBytes).toBeGreaterThan(0);
    }
  });

  test('reads Redis only where an adapter uses it', () => {
    const [plain, one, two] = rows;

    expect(plain!.figures.redis).toBeNull();
    expect(one!.figures.redis!.publishesPerSecond).toBeGreaterThan(0);
    expect(two!.figures.redis!.commandsPerSecond).toBeGreaterThan(0);
  });

  test('ratios come from the rows', () => {
    const [plain, , two] = rows;
    const ratios = costRatios(rows);

    expect(ratios.deliveriesPerCpu.pubsub).toBe(
      ratio(two!.figures.deliveriesPerCpuSecond, plain!.figures.deliveriesPerCpuSecond),
    );
    expect(ratios.rssPerIdleClient.pubsub).toBe(two!.figures.rssPerIdleClientBytes);
  });

  test('Redis growth is relative to one replica', () => {
    const growth = redisGrowth(rows).pubsub!;

    expect(growth.map((point) => point.replicas)).toEqual([1, 2]);
    expect(growth[0]!.cpuGrowth).toBe(growth[0]!.redisCpuPercent > 0 ? 1 : null);
  });
});
