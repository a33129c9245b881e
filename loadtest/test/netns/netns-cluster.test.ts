import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, type TestContext, test } from 'vitest';
import type { ServerToClientEvents, Welcome } from '../../../server/src/protocol.ts';
import { runLatencyProbe } from '../../src/netns/latency-probe.ts';
import { NetemUnavailableError } from '../../src/netns/link-shaping.ts';
import { type NetnsCluster, startNetnsCluster } from '../../src/netns/netns-cluster.ts';
import { isAlive } from '../cluster/support/processes.ts';
import { leftoversOf, pidsIn, unsupportedReason } from './support/leftovers.ts';

const READY_MS = 15_000;
/** Set REQUIRE_NETNS=1 (as CI does) to fail instead of skip without root, iproute2 or netem. */
const REQUIRED = process.env.REQUIRE_NETNS === '1';

const PROBE = { clientsPerReplica: 2, messagesPerClient: 60, ratePerClient: 20, drainMs: 2_000 };

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

/** Skips the test when the kernel has no netem, unless netns tests are required. */
async function shapeOrSkip(context: TestContext, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (error instanceof NetemUnavailableError && !REQUIRED) {
      context.skip(error.message);
    }
    throw error;
  }
}

describe('netns cluster of two replicas', () => {
  let cluster: NetnsCluster | null = null;
  let skipReason: string | null = null;

  beforeAll(async () => {
    try {
      cluster = await startNetnsCluster({ replicas: 2, readyTimeoutMs: READY_MS });
    } catch (error) {
      skipReason = unsupportedReason(error);
      if (skipReason === null || REQUIRED) {
        throw error;
      }
    }
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  test('runs each process in its own namespace', async (context) => {
    context.skip(skipReason !== null, skipReason ?? '');
    const { topology } = cluster!;
    const redisHost = topology.host('redis');

    expect(cluster!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cluster!.redisUrl).toBe(`redis://${redisHost.address}:6379`);
    expect(topology.subnet.contains(redisHost.address)).toBe(true);
    expect(await pidsIn(redisHost.namespace)).toContain(cluster!.redisPid);
    for (const replica of cluster!.replicas) {
      const host = topology.host(replica.id);
      expect(replica.url).toBe(`http://${host.address}:3000`);
      expect(replica.metricsUrl).toBe(`${replica.url}/metrics`);
      expect(await pidsIn(host.namespace)).toEqual([replica.pid]);
    }
  });

  test('public port reaches both replicas', async (context) => {
    context.skip(skipReason !== null, skipReason ?? '');

    const first = await welcomeReplica(cluster!.url);
    const second = await welcomeReplica(cluster!.url);

    expect([first, second].sort()).toEqual(['replica-1', 'replica-2']);
  });

  test('replica addresses deliver across replicas', async (context) => {
    context.skip(skipReason !== null, skipReason ?? '');

    const result = await runLatencyProbe({
      replicaUrls: cluster!.replicas.map((replica) => replica.url),
      messagesPerClient: 10,
      ratePerClient: 20,
    });

    expect(result.sent).toBe(40);
    expect(result.expected).toBe(120);
    expect(result.delivered).toBe(120);
    expect(result.same.count).toBe(40);
    expect(result.cross.count).toBe(80);
  });

  test('setLinkDelay rejects invalid hosts and values', async (context) => {
    context.skip(skipReason !== null, skipReason ?? '');

    await expect(cluster!.setLinkDelay('replica-9', { delayMs: 5 })).rejects.toThrow(
      /no host "replica-9".*redis, replica-1, replica-2/,
    );
    await expect(cluster!.setLinkDelay('redis', { delayMs: -1 })).rejects.toThrow(/delayMs/);
    await expect(cluster!.setLinkDelay('redis', { delayMs: 1, jitterMs: 2 })).rejects.toThrow(
      /jitterMs \(2\) must not exceed delayMs \(1\)/,
    );
    await expect(cluster!.setLinkDelay('redis', { lossPercent: 101 })).rejects.toThrow(
      /lossPercent/,
    );
    expect(cluster!.linkShaping('redis')).toEqual({ delayMs: 0, jitterMs: 0, lossPercent: 0 });
  });

  test('setLinkDelay puts netem on both veth ends', async (context) => {
    context.skip(skipReason !== null, skipReason ?? '');
    const host = cluster!.topology.host('redis');
    const shaping = { delayMs: 5, jitterMs: 1, lossPercent: 0.1 };

    await shapeOrSkip(context, () => cluster!.setLinkDelay('redis', shaping));
    const run = promisify(execFile);
    const inside = await run('tc', [
      '-n',
      host.namespace,
      'qdisc',
      'show',
      'dev',
      host.namespaceVeth,
    ]);
    const bridgeSide = await run('tc', ['qdisc', 'show', 'dev', host.hostVeth]);
    await cluster!.setLinkDelay('redis', {});
    const cleared = await run('tc', ['qdisc', 'show', 'dev', host.hostVeth]);

    expect(inside.stdout).toMatch(/netem .*delay 5ms\s+1ms.*loss 0\.1%/);
    expect(bridgeSide.stdout).toMatch(/netem .*delay 5ms\s+1ms.*loss 0\.1%/);
    expect(cleared.stdout).not.toMatch(/netem/);
    expect(cluster!.linkShaping('redis')).toEqual({ delayMs: 0, jitterMs: 0, lossPercent: 0 });
  });

  test('5 ms on the Redis link delays only cross-replica delivery', async (context) => {
    context.skip(skipReason !== null, skipReason ?? '');
    await shapeOrSkip(context, () => cluster!.setLinkDelay('redis', { delayMs: 5 }));
    await cluster!.setLinkDelay('redis', {});
    const replicaUrls = cluster!.replicas.map((replica) => replica.url);

    // A short warm-up first, so that the baseline is not slowed by cold code paths.
    await runLatencyProbe({ ...PROBE, replicaUrls, messagesPerClient: 20 });
    const before = await runLatencyProbe({ ...PROBE, replicaUrls });
    await cluster!.setLinkDelay('redis', { delayMs: 5 });
    const after = await runLatencyProbe({ ...PROBE, replicaUrls });
    await cluster!.setLinkDelay('redis', {});
    const crossShift = after.cross.p50 - before.cross.p50;
    const sameShift = after.same.p50 - before.same.p50;

    expect(before.lost).toBe(0);
    expect(after.lost).toBe(0);
    // Publish to Redis, then Redis to the other replica: two 5 ms one-way delays.
    expect(crossShift).toBeGreaterThanOrEqual(7);
    expect(crossShift).toBeLessThanOrEqual(13);
    // The pub/sub adapter delivers to local members without a Redis round trip.
    expect(Math.abs(sameShift)).toBeLessThanOrEqual(2);
  });
});

describe('netns cluster stop', () => {
  test('removes namespaces, veths and bridge', async (context) => {
    let cluster: NetnsCluster;
    try {
      cluster = await startNetnsCluster({ replicas: 1, readyTimeoutMs: READY_MS });
    } catch (error) {
      const reason = unsupportedReason(error);
      if (reason === null || REQUIRED) {
        throw error;
      }
      return context.skip(reason);
    }
    const suffix = cluster.topology.suffix;
    const pids = [cluster.redisPid!, cluster.replicas[0]!.pid];
    const before = await leftoversOf(suffix);

    await cluster.stop();

    // The bridge, two root-side veth ends and two namespaces.
    expect(before).toHaveLength(5);
    expect(await leftoversOf(suffix)).toEqual([]);
    for (const pid of pids) {
      expect(isAlive(pid)).toBe(false);
    }
  });
});
