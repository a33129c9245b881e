/**
 * Starts the cluster a local step runs against: every process on loopback, or, with --netns,
 * Redis and each replica in a network namespace of its own with the links --link-* shape.
 */
import { type LocalCluster, startLocalCluster } from '../cluster/local-cluster.ts';
import { type NetnsCluster, startNetnsCluster } from '../netns/netns-cluster.ts';
import type { LoadtestConfig } from './options.ts';

export type RunnableCluster = LocalCluster | NetnsCluster;

export function launchCluster(
  config: LoadtestConfig,
  replicas: number,
  logDir: string,
): Promise<RunnableCluster> {
  const common = { replicas, adapter: config.adapter, port: config.port ?? undefined, logDir };
  if (config.netns) {
    return startNetnsCluster({ ...common, links: config.links });
  }
  return startLocalCluster({ ...common, redisUrl: config.redisUrl ?? undefined });
}
