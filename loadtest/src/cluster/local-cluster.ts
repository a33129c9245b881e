/**
 * The local cluster: Swarm in miniature on 127.0.0.1. A real redis-server, N chat server
 * replicas as their own processes (each with its own id, port and /metrics, restarted when
 * they die) and one public port that spreads connections round-robin over them.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  checkReplicaCount,
  type LocalClusterOptions,
  type ResolvedOptions,
  resolveOptions,
} from './cluster-options.ts';
import { findUnusedPort } from './free-port.ts';
import { RedisServer } from './redis-server.ts';
import { ReplicaProcess } from './replica-process.ts';
import { RoundRobinProxy } from './round-robin-proxy.ts';

export type { LocalClusterOptions } from './cluster-options.ts';

/** One replica as the cluster reports it; a copy, taken when `replicas` is read. */
export interface ReplicaSummary {
  id: string;
  /** http://127.0.0.1:port of this replica alone, bypassing the public port. */
  url: string;
  /** This replica's own /metrics address. */
  metricsUrl: string;
  /** Process id of the current server process (of the last one while a restart is pending). */
  pid: number;
  /** Restarts after unexpected exits so far. */
  restarts: number;
}

/** A Prometheus file_sd target group. */
export interface FileSdGroup {
  targets: string[];
  labels: Record<string, string>;
}

/**
 * Starts the local cluster and resolves once every replica returns 200 on /readyz. If any
 * part fails to start, everything already started is stopped before the error is thrown.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const resolved = resolveOptions(options);

  let redis: RedisServer | null = null;
  let redisUrl = options.redisUrl;
  if (redisUrl === undefined) {
    redis = new RedisServer();
    try {
      await redis.start();
    } catch (error) {
      await redis.dispose();
      throw error;
    }
    redisUrl = redis.url;
  }

  const proxy = new RoundRobinProxy({ port: options.port ?? 0 });
  const cluster = new LocalCluster(resolved, redisUrl, redis, proxy);
  try {
    await proxy.start();
    await cluster.scale(resolved.replicas);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

export class LocalCluster {
  readonly redisUrl: string;
  private readonly options: ResolvedOptions;
  private readonly redis: RedisServer | null;
  private readonly proxy: RoundRobinProxy;
  private members: ReplicaProcess[] = [];
  private scaling = false;
  private stopped: Promise<void> | null = null;

  /** Use startLocalCluster(), which also starts what this object manages. */
  constructor(
    options: ResolvedOptions,
    redisUrl: string,
    redis: RedisServer | null,
    proxy: RoundRobinProxy,
  ) {
    this.options = options;
    this.redisUrl = redisUrl;
    this.redis = redis;
    this.proxy = proxy;
  }

  /** Public address, http://127.0.0.1:port; each connection goes to the next replica. */
  get url(): string {
    return this.proxy.url;
  }

  /** Process id of the redis-server the cluster launched; undefined when it uses redisUrl. */
  get redisPid(): number | undefined {
    return this.redis?.pid;
  }

  get replicas(): ReplicaSummary[] {
    return this.members.map((replica) => ({
      id: replica.id,
      url: replica.url,
      metricsUrl: replica.metricsUrl,
      // 0 only when the server process could not be spawned at all.
      pid: replica.pid ?? 0,
      restarts: replica.restarts,
    }));
  }

  /** Connections the public port handed to each replica so far, keyed by replica id. */
  connectionCounts(): Record<string, number> {
    return this.proxy.connectionCounts();
  }

  /**
   * Kills one replica with SIGKILL, as a crash would, and resolves once it has exited. It is
   * restarted after `restartDelayMs`; await waitUntilReady() to know when it is back.
   */
  async killReplica(id: string): Promise<void> {
    await this.member(id).kill();
  }

  /** Waits until replica `id` returns 200 on /readyz, e.g. after killReplica(). */
  async waitUntilReady(id: string, timeoutMs = this.options.readyTimeoutMs): Promise<void> {
    await this.member(id).waitUntilReady(timeoutMs);
  }

  /** Stops the cluster's redis-server, SIGKILL by default, to simulate an outage. */
  async stopRedis(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.ownRedis('stopRedis').stop(signal);
  }

  /** Starts the cluster's redis-server again on the same port, empty. */
  async startRedis(): Promise<void> {
    await this.ownRedis('startRedis').start();
  }

  /**
   * Changes the number of replicas. New replicas take the next ids (replica-3, ...) and join
   * the rotation once ready. Replicas are removed highest id first: they leave the rotation,
   * then stop. A second call before the first has resolved throws.
   */
  async scale(count: number): Promise<void> {
    checkReplicaCount(count);
    if (this.stopped !== null) {
      throw new Error('cannot scale a local cluster that was stopped');
    }
    if (this.scaling) {
      throw new Error('scale() was called while a previous scale() was still running');
    }

    this.scaling = true;
    try {
      if (count > this.members.length) {
        await this.addReplicas(count - this.members.length);
      } else {
        await this.removeReplicas(this.members.length - count);
      }
    } finally {
      this.scaling = false;
    }
  }

  /**
   * Writes the replicas as Prometheus file_sd targets: one group per replica with target
   * 127.0.0.1:port and label `replica`. The file is replaced atomically, because Prometheus
   * rereads it whenever it changes.
   */
  async writeFileSd(path: string): Promise<void> {
    const groups: FileSdGroup[] = this.members.map((replica) => ({
      targets: [`127.0.0.1:${replica.port}`],
      labels: { replica: replica.id },
    }));

    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(groups, null, 2)}\n`);
    await rename(temporary, path);
  }

  /** Stops the public port, every replica and the redis-server it launched. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= this.stopEverything();
    return this.stopped;
  }

  private async stopEverything(): Promise<void> {
    await this.proxy.stop();

    const members = this.members;
    this.members = [];
    await Promise.all(members.map((replica) => replica.stop()));

    await this.redis?.dispose();
  }

  private async addReplicas(count: number): Promise<void> {
    const added: ReplicaProcess[] = [];
    const usedPorts = new Set(this.members.map((replica) => replica.port));
    for (let index = 0; index < count; index += 1) {
      const id = `replica-${this.members.length + added.length + 1}`;
      const port = await findUnusedPort(usedPorts);
      added.push(this.createReplica(id, port));
    }
    // Members first, so that stop() reaches them even if start-up fails part way.
    this.members.push(...added);

    try {
      await Promise.all(added.map((replica) => replica.start()));
      await Promise.all(
        added.map((replica) => replica.waitUntilReady(this.options.readyTimeoutMs)),
      );
    } catch (error) {
      this.members = this.members.filter((replica) => !added.includes(replica));
      await Promise.all(added.map((replica) => replica.stop()));
      throw error;
    }
    for (const replica of added) {
      this.proxy.addTarget({ id: replica.id, port: replica.port });
    }
  }

  private async removeReplicas(count: number): Promise<void> {
    const removed = this.members.slice(this.members.length - count);
    this.members = this.members.slice(0, this.members.length - count);
    for (const replica of removed) {
      this.proxy.removeTarget(replica.id);
    }
    await Promise.all(removed.map((replica) => replica.stop()));
  }

  private createReplica(id: string, port: number): ReplicaProcess {
    const { options } = this;
    return new ReplicaProcess({
      id,
      port,
      redisUrl: this.redisUrl,
      adapter: options.adapter,
      channelPrefix: options.channelPrefix,
      extraEnv: options.extraEnv,
      logFile: options.logDir === undefined ? undefined : join(options.logDir, `${id}.log`),
      maxRestarts: options.maxRestarts,
      restartDelayMs: options.restartDelayMs,
    });
  }

  private member(id: string): ReplicaProcess {
    const replica = this.members.find((member) => member.id === id);
    if (replica === undefined) {
      const known = this.members.map((member) => member.id).join(', ');
      throw new Error(`no replica "${id}" in the local cluster; its replicas are: ${known}`);
    }
    return replica;
  }

  private ownRedis(operation: string): RedisServer {
    if (this.redis === null) {
      throw new Error(
        `${operation}() works only on a redis-server the local cluster launched, but this ` +
          'cluster uses the Redis given as redisUrl; start the cluster without redisUrl.',
      );
    }
    return this.redis;
  }
}
