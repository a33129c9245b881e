/**
 * The netns cluster: the local cluster with Redis and each replica in its own network
 * namespace, so traffic between them crosses veth pairs and a bridge whose links netem can
 * shape ("a Redis backplane far from its servers"). The load generator still reaches the
 * replicas through one round-robin port on 127.0.0.1.
 */
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { FileSdGroup, ReplicaSummary } from '../cluster/local-cluster.ts';
import { RedisServer } from '../cluster/redis-server.ts';
import { RoundRobinProxy } from '../cluster/round-robin-proxy.ts';
import type { LinkShaping, ResolvedShaping } from './link-shaping.ts';
import { NamespaceProcess } from './namespace-process.ts';
import {
  clusterHostNames,
  type NetnsClusterOptions,
  type ResolvedNetnsOptions,
  resolveNetnsOptions,
} from './netns-options.ts';
import { httpProbe, tcpProbe, waitUntilReady } from './readiness.ts';
import { NetnsTopology } from './topology.ts';

export type { NetnsClusterOptions } from './netns-options.ts';

const PROJECT_ROOT = resolve(import.meta.dirname, '../../..');
const SERVER_MAIN = 'server/src/main.ts';
const REDIS_HOST = 'redis';
const REDIS_PORT = 6379;
/** Port of every replica inside its own namespace. */
const REPLICA_PORT = 3000;

interface Member {
  id: string;
  address: string;
  process: NamespaceProcess;
}

/**
 * Starts the netns cluster and resolves once Redis accepts connections and every replica
 * returns 200 on /readyz. Throws NetnsUnsupportedError without root or iproute2, and
 * NetemUnavailableError when `links` shapes a link on a kernel without netem. If any part
 * fails, everything already created is removed before the error is thrown.
 */
export async function startNetnsCluster(options: NetnsClusterOptions = {}): Promise<NetnsCluster> {
  const resolved = resolveNetnsOptions(options);
  // Throws RedisServerMissingError with an install hint before any namespace exists.
  new RedisServer().version();

  const hostNames = clusterHostNames(resolved.replicas);
  for (const host of Object.keys(resolved.links)) {
    if (!hostNames.includes(host)) {
      throw new RangeError(
        `cannot shape the link of "${host}": the hosts are ${hostNames.join(', ')}`,
      );
    }
  }

  const topology = await NetnsTopology.create(hostNames);
  const cluster = new NetnsCluster(resolved, topology);
  try {
    await cluster.launch();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

export class NetnsCluster {
  readonly topology: NetnsTopology;
  private readonly options: ResolvedNetnsOptions;
  private readonly redisAddress: string;
  private readonly proxy: RoundRobinProxy;
  private redis: NamespaceProcess | null = null;
  private redisDirectory = '';
  private members: Member[] = [];
  private stopped: Promise<void> | null = null;

  /** Use startNetnsCluster(), which also creates the topology and starts the processes. */
  constructor(options: ResolvedNetnsOptions, topology: NetnsTopology) {
    this.options = options;
    this.topology = topology;
    this.redisAddress = topology.host(REDIS_HOST).address;
    this.proxy = new RoundRobinProxy({ port: options.port ?? 0 });
  }

  /** Public address, http://127.0.0.1:port; each connection goes to the next replica. */
  get url(): string {
    return this.proxy.url;
  }

  /** Redis inside its namespace, reachable from the root namespace and every replica. */
  get redisUrl(): string {
    return `redis://${this.redisAddress}:${REDIS_PORT}`;
  }

  get redisPid(): number | undefined {
    return this.redis?.pid;
  }

  /** The replicas with their own addresses in the run's subnet, bypassing the public port. */
  get replicas(): ReplicaSummary[] {
    return this.members.map((member) => {
      const url = `http://${member.address}:${REPLICA_PORT}`;
      return {
        id: member.id,
        url,
        metricsUrl: `${url}/metrics`,
        pid: member.process.pid ?? 0,
        // NOTE: replicas in namespaces are not restarted when they die, unlike the local
        // cluster's, so this count stays 0.
        restarts: 0,
      };
    });
  }

  /** Connections the public port handed to each replica so far, keyed by replica id. */
  connectionCounts(): Record<string, number> {
    return this.proxy.connectionCounts();
  }

  /**
   * Shapes both directions of a host's link ('redis', 'replica-1', ...) with netem; all
   * zeros removes the shaping. Takes effect at once, also on open connections, so it can
   * change between steps. Throws NetemUnavailableError when the kernel has no netem.
   */
  async setLinkDelay(host: string, shaping: LinkShaping): Promise<void> {
    await this.topology.shapeLink(host, shaping);
  }

  /** Returns the shaping in force on a host's link. */
  linkShaping(host: string): ResolvedShaping {
    return this.topology.linkShaping(host);
  }

  /**
   * Writes the replicas as Prometheus file_sd targets, one group per replica with its
   * address in the run's subnet and label `replica`, replacing the file atomically.
   */
  async writeFileSd(path: string): Promise<void> {
    const groups: FileSdGroup[] = this.members.map((member) => ({
      targets: [`${member.address}:${REPLICA_PORT}`],
      labels: { replica: member.id },
    }));

    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(groups, null, 2)}\n`);
    await rename(temporary, path);
  }

  /** Starts Redis, then the replicas, then the public port. Called once by startNetnsCluster. */
  async launch(): Promise<void> {
    for (const [host, shaping] of Object.entries(this.options.links)) {
      await this.topology.shapeLink(host, shaping);
    }
    await this.startRedis();
    await this.startReplicas();

    await this.proxy.start();
    for (const member of this.members) {
      this.proxy.addTarget({ id: member.id, host: member.address, port: REPLICA_PORT });
    }
  }

  /**
   * Stops the public port, the replicas and Redis, then removes the namespaces, veths and
   * bridge. Idempotent.
   */
  stop(): Promise<void> {
    this.stopped ??= this.stopEverything();
    return this.stopped;
  }

  private async stopEverything(): Promise<void> {
    try {
      await this.proxy.stop();
      await Promise.all(this.members.map((member) => member.process.stop()));
      await this.redis?.stop();
    } finally {
      // Also kills whatever a failed stop above left running inside the namespaces.
      await this.topology.destroy();
      if (this.redisDirectory !== '') {
        await rm(this.redisDirectory, { recursive: true, force: true });
      }
    }
  }

  private async startRedis(): Promise<void> {
    this.redisDirectory = await mkdtemp(join(tmpdir(), 'chat-netns-redis-'));
    const args = [
      '--port',
      String(REDIS_PORT),
      '--bind',
      this.redisAddress,
      // Protected mode accepts only loopback clients without a password; the namespace is
      // reachable only through our bridge, so it is turned off.
      '--protected-mode',
      'no',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.redisDirectory,
      '--loglevel',
      'warning',
    ];

    const redis = new NamespaceProcess({
      id: REDIS_HOST,
      namespace: this.topology.host(REDIS_HOST).namespace,
      command: 'redis-server',
      args,
      env: process.env,
      logFile: this.logFile(REDIS_HOST),
    });
    this.redis = redis;
    await redis.start();
    await waitUntilReady(
      redis,
      tcpProbe(this.redisAddress, REDIS_PORT),
      this.options.readyTimeoutMs,
    );
  }

  private async startReplicas(): Promise<void> {
    for (let index = 1; index <= this.options.replicas; index += 1) {
      const id = `replica-${index}`;
      const address = this.topology.host(id).address;
      this.members.push({ id, address, process: this.createReplica(id) });
    }

    await Promise.all(this.members.map((member) => member.process.start()));
    await Promise.all(
      this.members.map((member) => {
        const probe = httpProbe(`http://${member.address}:${REPLICA_PORT}/readyz`);
        return waitUntilReady(member.process, probe, this.options.readyTimeoutMs);
      }),
    );
  }

  private createReplica(id: string): NamespaceProcess {
    const { options } = this;
    const env = {
      ...process.env,
      ...options.extraEnv,
      PORT: String(REPLICA_PORT),
      HOST: '0.0.0.0',
      REPLICA_ID: id,
      REDIS_URL: this.redisUrl,
      CHAT_ADAPTER: options.adapter,
      CHAT_CHANNEL_PREFIX: options.channelPrefix,
    };
    return new NamespaceProcess({
      id,
      namespace: this.topology.host(id).namespace,
      command: process.execPath,
      args: [SERVER_MAIN],
      env,
      cwd: PROJECT_ROOT,
      logFile: this.logFile(id),
    });
  }

  private logFile(id: string): string | undefined {
    return this.options.logDir === undefined ? undefined : join(this.options.logDir, `${id}.log`);
  }
}
