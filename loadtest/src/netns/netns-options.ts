import type { AdapterMode } from '../../../server/src/protocol.ts';
import { checkReplicaCount } from '../cluster/cluster-options.ts';
import type { LinkShaping } from './link-shaping.ts';

/** Settings of startNetnsCluster(); every field is optional. */
export interface NetnsClusterOptions {
  /** Number of replicas, hosts replica-1 ... replica-N. @default 2 */
  replicas?: number;
  /** Backplane flavour of every replica. @default 'pubsub' */
  adapter?: AdapterMode;
  /** Prefix of the replicas' Redis channels and streams. @default 'chat' */
  channelPrefix?: string;
  /** More environment variables for every replica, e.g. LOG_LEVEL. @default {} */
  extraEnv?: Record<string, string>;
  /** Folder for one log file per process, `redis.log` and `<replica id>.log`. @default none */
  logDir?: string;
  /** Time Redis and every replica have to become ready, in ms. @default 20000 */
  readyTimeoutMs?: number;
  /** Public port of the cluster on 127.0.0.1. @default a free port */
  port?: number;
  /**
   * Link shaping applied before the replicas start, by host name ('redis', 'replica-1', ...),
   * e.g. `{ redis: { delayMs: 5 } }`. @default {}: no link shaped
   */
  links?: Record<string, LinkShaping>;
}

export type ResolvedNetnsOptions = Required<Omit<NetnsClusterOptions, 'logDir' | 'port'>> &
  Pick<NetnsClusterOptions, 'logDir' | 'port'>;

/** Fills in the defaults and validates; throws RangeError naming an invalid value. */
export function resolveNetnsOptions(options: NetnsClusterOptions): ResolvedNetnsOptions {
  const resolved: ResolvedNetnsOptions = {
    replicas: options.replicas ?? 2,
    adapter: options.adapter ?? 'pubsub',
    channelPrefix: options.channelPrefix ?? 'chat',
    extraEnv: options.extraEnv ?? {},
    logDir: options.logDir,
    readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
    port: options.port,
    links: options.links ?? {},
  };

  checkReplicaCount(resolved.replicas);
  if (resolved.replicas > 200) {
    throw new RangeError(`the netns mode runs at most 200 replicas, got ${resolved.replicas}`);
  }
  if (!(resolved.readyTimeoutMs > 0)) {
    throw new RangeError(`readyTimeoutMs must be above 0, got ${resolved.readyTimeoutMs}`);
  }
  return resolved;
}

/** Returns the host names of a cluster with `replicas` replicas: Redis first, then the replicas. */
export function clusterHostNames(replicas: number): string[] {
  const names = ['redis'];
  for (let index = 1; index <= replicas; index += 1) {
    names.push(`replica-${index}`);
  }
  return names;
}
