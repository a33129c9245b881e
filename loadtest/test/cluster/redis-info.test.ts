import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findFreePort } from '../../src/cluster/free-port.ts';
import {
  type RedisInfo,
  RedisUnreachableError,
  readRedisInfo,
  redisFigures,
  redisInfoFromText,
} from '../../src/cluster/redis-info.ts';
import { RedisServer } from '../../src/cluster/redis-server.ts';

describe('readRedisInfo', () => {
  const redis = new RedisServer();
  const secured = new RedisServer({ password: 'pa ss:word' });

  beforeAll(async () => {
    await Promise.all([redis.start(), secured.start()]);
  });

  afterAll(async () => {
    await Promise.all([redis.dispose(), secured.dispose()]);
  });

  test('reads the figures and version', async () => {
    const info = await readRedisInfo(redis.url);

    expect(info.version).toBe(redis.version());
    expect(info.cpuSeconds).toBeGreaterThan(0);
    expect(Number.isInteger(info.commandsProcessed)).toBe(true);
    expect(info.usedMemoryBytes).toBeGreaterThan(100_000);
    expect(info.pubsubChannels).toBe(0);
  });

  test('counts commands between reads', async () => {
    const client = new Redis(redis.url);
    await client.ping();
    const before = await readRedisInfo(redis.url);

    for (let index = 0; index < 10; index += 1) {
      await client.set(`key-${index}`, 'value');
    }
    const after = await readRedisInfo(redis.url);
    client.disconnect();

    // Ten SETs plus the INFO of the first read: no HELLO, no ready check.
    expect(after.commandsProcessed - before.commandsProcessed).toBe(11);
  });

  test('counts classic and sharded channels', async () => {
    const subscriber = new Redis(redis.url);
    await subscriber.subscribe('room-a', 'room-b');
    await subscriber.ssubscribe('shard-room');

    const info = await readRedisInfo(redis.url);
    subscriber.disconnect();

    expect(info.pubsubChannels).toBe(3);
  });

  test('authenticates with the password in the URL', async () => {
    const info = await readRedisInfo(secured.url);

    expect(info.version).toBe(secured.version());
  });

  test('fails fast on an unreachable Redis', async () => {
    const url = `redis://127.0.0.1:${await findFreePort()}`;
    const started = Date.now();

    const read = readRedisInfo(url, 500);

    await expect(read).rejects.toThrow(RedisUnreachableError);
    await expect(read).rejects.toThrow(`cannot read INFO from Redis at ${url}: `);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('hides the password in errors', async () => {
    const wrong = `redis://:not-the-password@127.0.0.1:${secured.port}`;

    const read = readRedisInfo(wrong, 500);

    await expect(read).rejects.toThrow(`at redis://:***@127.0.0.1:${secured.port}`);
    await expect(read).rejects.not.toThrow('not-the-password');
  });
});

describe('redisInfoFromText', () => {
  test('adds sharded channels when present', () => {
    const text = [
      '# Server',
      'redis_version:7.2.4',
      '# Stats',
      'total_commands_processed:42',
      'pubsub_channels:3',
      'pubsubshard_channels:2',
      '# Memory',
      'used_memory:1048576',
      '# CPU',
      'used_cpu_sys:1.250000',
      'used_cpu_user:0.750000',
    ].join('\r\n');

    expect(redisInfoFromText(text)).toEqual({
      cpuSeconds: 2,
      commandsProcessed: 42,
      pubsubChannels: 5,
      usedMemoryBytes: 1_048_576,
      version: '7.2.4',
    });
  });

  test('names a missing field', () => {
    expect(() => redisInfoFromText('redis_version:6.2.0\r\nused_memory:1')).toThrow(
      /INFO from Redis has no numeric field used_cpu_sys/,
    );
  });
});

describe('redisFigures', () => {
  const start: RedisInfo = {
    cpuSeconds: 10,
    commandsProcessed: 1_000,
    pubsubChannels: 4,
    usedMemoryBytes: 2e6,
    version: '7.0.15',
  };

  test('subtracts counters and keeps gauges', () => {
    const end = { ...start, cpuSeconds: 12.5, commandsProcessed: 1_600, pubsubChannels: 6 };

    expect(redisFigures(start, end)).toEqual({
      cpuSeconds: 2.5,
      commandsProcessed: 600,
      pubsubChannels: 6,
      usedMemoryBytes: 2e6,
    });
  });

  test('counts from zero after a restart', () => {
    const end = { ...start, cpuSeconds: 0.5, commandsProcessed: 30 };

    expect(redisFigures(start, end).commandsProcessed).toBe(30);
    expect(redisFigures(start, end).cpuSeconds).toBe(0.5);
  });
});
