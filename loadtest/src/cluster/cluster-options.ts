import type { AdapterMode } from '../../../server/src/protocol.ts';

/** Settings of startLocalCluster(); every field is optional. */
export interface LocalClusterOptions {
  /** Number of replicas. @default 2 */
  replicas?: number;
  /** Backplane flavour of every replica. @default 'pubsub' */
  adapter?: AdapterMode;
  /**
   * Redis to use instead of launching a redis-server; stopRedis() and startRedis() then
   * throw. @default launch redis-server on a free port
   */
  redisUrl?: string;
  /** Prefix of the replicas' Redis channels and streams. @default 'chat' */
  channelPrefix?: string;
  /** More environment variables for every replica, e.g. LOG_LEVEL. @default {} */
  extraEnv?: Record<string, string>;
  /** Folder for one log file per replica, `<id>.log`. @default none: server logs are dropped */
  logDir?: string;
  /** Time every replica has to become ready, at start and when scaling up, in ms. @default 20000 */
  readyTimeoutMs?: number;
  /** Public port of the cluster on 127.0.0.1. @default a free port */
  port?: number;
  /** Restarts allowed per replica after unexpected exits. @default 10 */
  maxRestarts?: number;
  /** Wait between a replica's unexpected exit and its restart, in ms. @default 500 */
  restartDelayMs?: number;
}

/** The options with every default filled in, except those whose absence means something. */
export type ResolvedOptions = Required<Omit<LocalClusterOptions, 'redisUrl' | 'logDir' | 'port'>> &
  Pick<LocalClusterOptions, 'logDir'>;

/** Fills in the defaults and validates; throws RangeError naming an invalid value. */
export function resolveOptions(options: LocalClusterOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    replicas: options.replicas ?? 2,
    adapter: options.adapter ?? 'pubsub',
    channelPrefix: options.channelPrefix ?? 'chat',
    extraEnv: options.extraEnv ?? {},
    logDir: options.logDir,
    readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
    maxRestarts: options.maxRestarts ?? 10,
    restartDelayMs: options.restartDelayMs ?? 500,
  };

  checkReplicaCount(resolved.replicas);
  if (!(resolved.readyTimeoutMs > 0)) {
    throw new RangeError(`readyTimeoutMs must be above 0, got ${resolved.readyTimeoutMs}`);
  }
  return resolved;
}

export function checkReplicaCount(count: number): void {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`the replica count must be a whole number of at least 1, got ${count}`);
  }
}
