/**
 * Faults on the local cluster. A killed replica comes back by the cluster's restart policy
 * (ReplicaProcess restarts it after an unexpected exit), as a Swarm task would. Redis is
 * stopped, left down for a while and started again on the same port, empty.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalCluster, ReplicaSummary } from '../cluster/local-cluster.ts';
import type { FaultEvent, FaultSpec } from './fault-spec.ts';

/**
 * How long Redis stays down. It spans two 1-s slices of the latency timeline, so the outage
 * shows in the report. A Swarm restart of the Redis task takes seconds too.
 */
export const REDIS_DOWN_MS = 2_000;
/** Time a replica, or every replica after Redis is back, has to be ready again. */
export const RECOVERY_TIMEOUT_MS = 30_000;

export async function injectLocalFault(
  cluster: LocalCluster,
  fault: FaultSpec,
  log: (line: string) => void,
): Promise<FaultEvent> {
  if (fault.kind === 'kill-replica') {
    return killReplica(cluster, log);
  }
  return restartRedis(cluster, log);
}

async function killReplica(
  cluster: LocalCluster,
  log: (line: string) => void,
): Promise<FaultEvent> {
  const victim = leastRestarted(cluster.replicas);
  const injectedAtMs = Date.now();
  log(`fault: killing ${victim.id} (pid ${victim.pid}) with SIGKILL`);
  await cluster.killReplica(victim.id);

  return waitForRecovery('kill-replica', victim.id, injectedAtMs, () =>
    cluster.waitUntilReady(victim.id, RECOVERY_TIMEOUT_MS),
  );
}

async function restartRedis(
  cluster: LocalCluster,
  log: (line: string) => void,
): Promise<FaultEvent> {
  const injectedAtMs = Date.now();
  log(`fault: stopping redis-server (pid ${cluster.redisPid}) for ${REDIS_DOWN_MS} ms`);
  await cluster.stopRedis('SIGTERM');
  await sleep(REDIS_DOWN_MS);
  await cluster.startRedis();

  return waitForRecovery('restart-redis', 'redis', injectedAtMs, async () => {
    await Promise.all(
      cluster.replicas.map((replica) => cluster.waitUntilReady(replica.id, RECOVERY_TIMEOUT_MS)),
    );
  });
}

async function waitForRecovery(
  kind: FaultSpec['kind'],
  target: string,
  injectedAtMs: number,
  ready: () => Promise<void>,
): Promise<FaultEvent> {
  try {
    await ready();
    return { kind, target, injectedAtMs, recoveredAtMs: Date.now(), error: null };
  } catch (error) {
    return { kind, target, injectedAtMs, recoveredAtMs: null, error: (error as Error).message };
  }
}

/** Picks the replica restarted least often, so that repeated kills go round the replicas. */
function leastRestarted(replicas: ReplicaSummary[]): ReplicaSummary {
  let victim = replicas[0]!;
  for (const replica of replicas) {
    if (replica.restarts < victim.restarts) {
      victim = replica;
    }
  }
  return victim;
}
