import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { findFreePort } from '../../src/cluster/free-port.ts';
import { RedisServer } from '../../src/cluster/redis-server.ts';
import {
  ReplicaNotReadyError,
  ReplicaProcess,
  type ReplicaProcessOptions,
} from '../../src/cluster/replica-process.ts';
import { isAlive } from './support/processes.ts';

describe('ReplicaProcess', () => {
  const redis = new RedisServer();
  const started: ReplicaProcess[] = [];
  let scratch = '';

  function createReplica(options: Partial<ReplicaProcessOptions> = {}): ReplicaProcess {
    const replica = new ReplicaProcess({
      id: 'replica-1',
      redisUrl: redis.url,
      restartDelayMs: 100,
      ...options,
    });
    started.push(replica);
    return replica;
  }

  beforeAll(async () => {
    await redis.start();
    scratch = await mkdtemp(join(tmpdir(), 'replica-process-'));
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((replica) => replica.stop()));
  });

  afterAll(async () => {
    await redis.dispose();
    await rm(scratch, { recursive: true, force: true });
  });

  test('starts and becomes ready', async () => {
    const logFile = join(scratch, 'logs', 'replica-1.log');
    const replica = createReplica({ logFile, adapter: 'sharded', channelPrefix: 'test-prefix' });

    await replica.start();
    await replica.waitUntilReady(15_000);
    const health = (await (await fetch(`${replica.url}/readyz`)).json()) as { replica: string };
    const metrics = await (await fetch(replica.metricsUrl)).text();
    await replica.stop();

    expect(health.replica).toBe('replica-1');
    expect(metrics).toMatch(/chat_replica_info\{[^}]*adapter="sharded"/);
    const lines = (await readFile(logFile, 'utf8')).trim().split('\n');
    const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toContain('chat server listening');
    expect(messages).toContain('stopped');
  });

  test('comes back on its port after SIGKILL', async () => {
    const replica = createReplica();
    await replica.start();
    await replica.waitUntilReady(15_000);
    const firstPid = replica.pid!;
    const port = replica.port;
    const restarted = once(replica, 'restart');

    await replica.kill();
    expect(isAlive(firstPid)).toBe(false);
    await restarted;
    await replica.waitUntilReady(15_000);

    expect(replica.restarts).toBe(1);
    expect(replica.port).toBe(port);
    expect(replica.pid).not.toBe(firstPid);
    expect(isAlive(replica.pid!)).toBe(true);
  });

  test('stop does not restart', async () => {
    const replica = createReplica();
    await replica.start();
    await replica.waitUntilReady(15_000);
    const pid = replica.pid!;

    await replica.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(isAlive(pid)).toBe(false);
    expect(replica.running).toBe(false);
    expect(replica.restarts).toBe(0);
  });

  test('stays down after its last restart', async () => {
    const replica = createReplica({ maxRestarts: 0 });
    await replica.start();
    await replica.waitUntilReady(15_000);
    const exited = once(replica, 'exit');

    await replica.kill();
    const [exit] = await exited;

    expect(exit).toEqual({ code: null, signal: 'SIGKILL', restarting: false });
    await expect(replica.waitUntilReady(5_000)).rejects.toThrow(
      'replica replica-1 exited on SIGKILL after 0 restarts, the maximum allowed',
    );
  });

  test('names the replica and status on timeout', async () => {
    const deadRedis = `redis://127.0.0.1:${await findFreePort()}`;
    const replica = createReplica({ id: 'replica-7', redisUrl: deadRedis });
    await replica.start();

    const ready = replica.waitUntilReady(2_000);

    await expect(ready).rejects.toThrow(ReplicaNotReadyError);
    await expect(ready).rejects.toThrow(
      new RegExp(
        `^replica replica-7 on port ${replica.port} was not ready within 2000 ms ` +
          '\\(last /readyz result: (HTTP 503|ECONNREFUSED)\\)',
      ),
    );
  });
});
