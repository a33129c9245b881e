import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServerToClientEvents, Welcome } from '../../../server/src/protocol.ts';
import { type LocalCluster, startLocalCluster } from '../../src/cluster/local-cluster.ts';
import { scrapeMetrics, serverFigures } from '../../src/cluster/metrics-scrape.ts';
import { RedisServer } from '../../src/cluster/redis-server.ts';
import { isAlive } from './support/processes.ts';

const READY_MS = 15_000;

/** Connects one websocket client to `url` and returns the replica id from its welcome. */
async function welcomeReplica(url: string): Promise<string> {
  const client: Socket<ServerToClientEvents> = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 5_000,
  });
  try {
    const welcome = await new Promise<Welcome>((resolve, reject) => {
      client.once('welcome', resolve);
      client.once('connect_error', reject);
    });
    return welcome.replica;
  } finally {
    client.disconnect();
  }
}

async function readyStatus(url: string): Promise<number> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

async function waitForStatus(url: string, status: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await readyStatus(url)) !== status) {
    if (Date.now() > deadline) {
      throw new Error(`${url}/readyz did not return ${status} within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('local cluster of two replicas', () => {
  let cluster: LocalCluster;
  let scratch = '';

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'local-cluster-'));
    cluster = await startLocalCluster({
      logDir: join(scratch, 'logs'),
      readyTimeoutMs: READY_MS,
      restartDelayMs: 100,
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  test('starts every replica ready', async () => {
    const replicas = cluster.replicas;

    expect(replicas.map((replica) => replica.id)).toEqual(['replica-1', 'replica-2']);
    expect(cluster.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cluster.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(isAlive(cluster.redisPid!)).toBe(true);
    for (const replica of replicas) {
      expect(replica.metricsUrl).toBe(`${replica.url}/metrics`);
      expect(await readyStatus(replica.url)).toBe(200);
      expect(isAlive(replica.pid)).toBe(true);
      expect(replica.restarts).toBe(0);
    }
  });

  test('alternates replicas per connection', async () => {
    const seen: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      seen.push(await welcomeReplica(cluster.url));
    }

    expect(new Set(seen)).toEqual(new Set(['replica-1', 'replica-2']));
    expect(seen[0]).not.toBe(seen[1]);
    expect(seen[2]).toBe(seen[0]);
    expect(seen[3]).toBe(seen[1]);
  });

  test('serves each replica its own metrics', async () => {
    for (const replica of cluster.replicas) {
      const scrape = await scrapeMetrics(replica.metricsUrl);

      expect(serverFigures(scrape, scrape).replica).toBe(replica.id);
    }
  });

  test('writes file_sd targets', async () => {
    const path = join(scratch, 'sd', 'prometheus-targets.json');

    await cluster.writeFileSd(path);

    const groups = JSON.parse(await readFile(path, 'utf8'));
    expect(groups).toEqual(
      cluster.replicas.map((replica) => ({
        targets: [replica.url.replace('http://', '')],
        labels: { replica: replica.id },
      })),
    );
  });

  test('brings a killed replica back', async () => {
    const before = cluster.replicas[0]!;

    await cluster.killReplica('replica-1');
    expect(isAlive(before.pid)).toBe(false);
    await cluster.waitUntilReady('replica-1');

    const after = cluster.replicas[0]!;
    expect(after.restarts).toBe(1);
    expect(after.url).toBe(before.url);
    expect(after.pid).not.toBe(before.pid);
    expect(await readyStatus(after.url)).toBe(200);
    const log = await readFile(join(scratch, 'logs', 'replica-1.log'), 'utf8');
    expect(log).toContain('replica exited on SIGKILL: restarting in 100 ms');
  });

  test('rejects an unknown replica id', async () => {
    await expect(cluster.killReplica('replica-9')).rejects.toThrow(
      'no replica "replica-9" in the local cluster; its replicas are: replica-1, replica-2',
    );
  });

  test('survives a Redis outage', async () => {
    const [first, second] = cluster.replicas;

    await cluster.stopRedis();
    await waitForStatus(first!.url, 503, 5_000);
    await waitForStatus(second!.url, 503, 5_000);
    await cluster.startRedis();
    await cluster.waitUntilReady('replica-1');
    await cluster.waitUntilReady('replica-2');

    expect(isAlive(cluster.redisPid!)).toBe(true);
    expect(await welcomeReplica(cluster.url)).toMatch(/^replica-[12]$/);
  });

  test('stop leaves no process', async () => {
    const pids = [cluster.redisPid!, ...cluster.replicas.map((replica) => replica.pid)];

    await cluster.stop();

    for (const pid of pids) {
      expect(isAlive(pid), `process ${pid} still runs`).toBe(false);
    }
    expect(cluster.replicas).toEqual([]);
    expect(await readyStatus(cluster.url)).toBe(0);
  });
});

describe('local cluster on a given Redis', () => {
  const redis = new RedisServer();

  beforeAll(async () => {
    await redis.start();
  });

  afterAll(async () => {
    await redis.dispose();
  });

  test('scales and stops everything', async () => {
    const cluster = await startLocalCluster({
      replicas: 1,
      redisUrl: redis.url,
      adapter: 'streams',
      readyTimeoutMs: READY_MS,
    });
    const firstPid = cluster.replicas[0]!.pid;

    await cluster.scale(3);
    const scaledUp = cluster.replicas;
    const seen = new Set<string>();
    for (let index = 0; index < 3; index += 1) {
      seen.add(await welcomeReplica(cluster.url));
    }
    await cluster.scale(2);
    const scaledDown = cluster.replicas;
    const afterScaleDown = await welcomeReplica(cluster.url);
    await cluster.stop();
    await cluster.stop();

    expect(scaledUp.map((replica) => replica.id)).toEqual(['replica-1', 'replica-2', 'replica-3']);
    expect(seen).toEqual(new Set(['replica-1', 'replica-2', 'replica-3']));
    expect(scaledDown.map((replica) => replica.id)).toEqual(['replica-1', 'replica-2']);
    expect(isAlive(scaledUp[2]!.pid)).toBe(false);
    expect(afterScaleDown).not.toBe('replica-3');
    expect(cluster.redisPid).toBeUndefined();
    for (const pid of [firstPid, ...scaledUp.map((replica) => replica.pid)]) {
      expect(isAlive(pid), `process ${pid} still runs`).toBe(false);
    }
    expect(redis.running).toBe(true);
  });

  test('refuses to stop a Redis it did not start', async () => {
    const cluster = await startLocalCluster({ replicas: 1, redisUrl: redis.url });

    try {
      await expect(cluster.stopRedis()).rejects.toThrow(
        'stopRedis() works only on a redis-server the local cluster launched',
      );
    } finally {
      await cluster.stop();
    }
  });

  test('rejects a bad replica count', async () => {
    await expect(startLocalCluster({ replicas: 0, redisUrl: redis.url })).rejects.toThrow(
      'the replica count must be a whole number of at least 1, got 0',
    );
  });
});
