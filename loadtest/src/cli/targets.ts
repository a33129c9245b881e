/**
 * The clusters steps run against: the local cluster, restarted whenever the replica count
 * changes, or a deployed cluster given by --target that the loadtest only reads from.
 */
import { join } from 'node:path';
import { LocalCluster, type ReplicaSummary } from '../cluster/local-cluster.ts';
import { ReplicaNotReadyError } from '../cluster/replica-process.ts';
import type { FaultEvent, FaultSpec } from '../faults/fault-spec.ts';
import { injectLocalFault } from '../faults/local-faults.ts';
import { replicaCount } from '../report/format.ts';
import { launchCluster, type RunnableCluster } from './cluster-launch.ts';
import { ClusterStartError } from './errors.ts';
import { figureSource } from './figures.ts';
import type { LoadtestConfig } from './options.ts';
import { checkReachable } from './probes.ts';
import { redactUrl } from './run-info.ts';
import type { StepTarget } from './step.ts';
import { openSwarmTargets } from './swarm-targets.ts';

export interface TargetProvider {
  /** Readies the target for step `index` with `replicas` replicas. */
  prepare(replicas: number, index: number): Promise<StepTarget>;
  /** The layout for run.json: addresses, process ids, which steps ran on which cluster. */
  describe(): Record<string, unknown>;
  /** Stops everything the provider started. */
  close(): Promise<void>;
  /**
   * Injects a fault into the current step's target and resolves once it is ready again, or
   * with `recoveredAtMs: null` when it did not recover in time. Absent: no faults possible.
   */
  injectFault?(fault: FaultSpec, log: (line: string) => void): Promise<FaultEvent>;
}

export interface TargetContext {
  log: (line: string) => void;
  signal: AbortSignal;
}

export async function openTargets(
  config: LoadtestConfig,
  context: TargetContext,
): Promise<TargetProvider> {
  if (config.target === null) {
    return new LocalTargets(config, context);
  }
  const deployed = await openDeployedTarget(config, config.target);
  if (config.swarmService === null) {
    return deployed;
  }
  return openSwarmTargets(config, deployed, context);
}

async function openDeployedTarget(config: LoadtestConfig, url: string): Promise<TargetProvider> {
  await checkReachable(`${url}/readyz`, '--target', url);
  for (const metricsUrl of config.metricsUrls) {
    await checkReachable(metricsUrl, '--metrics', metricsUrl);
  }

  const endpoints = config.metricsUrls.map((metricsUrl) => ({ name: metricsUrl, url: metricsUrl }));
  const target: StepTarget = {
    url,
    replicas: config.replicaCounts[0]!,
    readiness: [{ name: 'the target', url: `${url}/readyz` }],
    ...figureSource(endpoints, config.redisUrl),
  };
  return {
    prepare: async () => target,
    describe: () => ({
      mode: 'target',
      target: url,
      metricsUrls: config.metricsUrls,
      redisUrl: config.redisUrl === null ? null : redactUrl(config.redisUrl),
    }),
    close: async () => {},
  };
}

interface ClusterRecord {
  steps: number[];
  url: string;
  redisUrl: string;
  /** Process id of the redis-server the cluster started; absent with --redis-url or REDIS_URL. */
  redisPid?: number;
  replicas: ReplicaSummary[];
}

class LocalTargets implements TargetProvider {
  private readonly config: LoadtestConfig;
  private readonly context: TargetContext;
  private cluster: RunnableCluster | null = null;
  private readonly records: ClusterRecord[] = [];

  constructor(config: LoadtestConfig, context: TargetContext) {
    this.config = config;
    this.context = context;
  }

  async prepare(replicas: number, index: number): Promise<StepTarget> {
    if (this.cluster === null || this.cluster.replicas.length !== replicas) {
      await this.stopCluster();
      this.cluster = await this.startCluster(replicas);
    }

    const cluster = this.cluster;
    this.records.at(-1)!.steps.push(index);
    const endpoints = cluster.replicas.map((replica) => ({
      name: `replica ${replica.id}`,
      url: replica.metricsUrl,
    }));
    return {
      url: cluster.url,
      replicas,
      readiness: cluster.replicas.map((replica) => ({
        name: `replica ${replica.id}`,
        url: `${replica.url}/readyz`,
      })),
      ...figureSource(endpoints, cluster.redisUrl),
    };
  }

  describe(): Record<string, unknown> {
    return { mode: 'local', clusters: this.records };
  }

  async injectFault(fault: FaultSpec, log: (line: string) => void): Promise<FaultEvent> {
    if (!(this.cluster instanceof LocalCluster)) {
      throw new Error('faults need the loopback cluster; the netns cluster cannot inject them');
    }
    return injectLocalFault(this.cluster, fault, log);
  }

  async close(): Promise<void> {
    await this.stopCluster();
  }

  private async startCluster(replicas: number): Promise<RunnableCluster> {
    const { config } = this;
    const number = this.records.length + 1;
    const where = config.netns ? ' in network namespaces' : '';
    this.context.log(
      `starting the local cluster${where} with ${replicaCount(replicas)} (${config.adapter})`,
    );

    const logDir = join(config.outDir, 'logs', `cluster-${number}`);
    let cluster: RunnableCluster;
    try {
      cluster = await launchCluster(config, replicas, logDir);
    } catch (error) {
      throw explainStartFailure(error as Error, config, logDir);
    }

    await cluster.writeFileSd(join(config.outDir, 'prometheus-targets.json'));
    this.records.push({
      steps: [],
      url: cluster.url,
      redisUrl: redactUrl(cluster.redisUrl),
      redisPid: cluster.redisPid,
      replicas: cluster.replicas,
    });
    this.context.log(
      `local cluster at ${cluster.url}: ` +
        cluster.replicas.map((replica) => `${replica.id} (pid ${replica.pid})`).join(', '),
    );
    return cluster;
  }

  private async stopCluster(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = null;
    if (cluster === null) {
      return;
    }
    // The cluster counts restarts while it runs, and `replicas` returns a copy: keep the last.
    const record = this.records.at(-1);
    if (record !== undefined) {
      record.replicas = cluster.replicas;
    }
    await cluster.stop();
  }
}

function explainStartFailure(error: Error, config: LoadtestConfig, logDir: string): Error {
  const { port, redisUrl } = config;
  if (error instanceof ReplicaNotReadyError) {
    // Every replica needs both of its Redis connections to be ready, so a Redis it cannot
    // reach is the usual cause.
    const redis =
      redisUrl === null
        ? 'the redis-server the loadtest started'
        : `the Redis at ${redactUrl(redisUrl)} (--redis-url or REDIS_URL)`;
    return new ClusterStartError(
      `cannot start the local cluster: ${error.message}. A replica turns ready once it ` +
        `reaches ${redis}; check that it runs and accepts connections, and read the ` +
        `replica logs in ${logDir}.`,
      { cause: error },
    );
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || /EADDRINUSE/.test(error.message)) {
    const which = port === null ? 'a port the local cluster picked' : `port ${port}`;
    return new ClusterStartError(
      `cannot start the local cluster: ${which} is in use (${error.message}). Stop what ` +
        'listens there, pass another --port, or leave --port out to use a free port.',
      { cause: error },
    );
  }
  return error;
}
