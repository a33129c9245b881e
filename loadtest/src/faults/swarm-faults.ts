/**
 * Faults on a deployed Swarm service through the docker CLI: a replica's container killed
 * with SIGKILL, which Swarm's restart policy replaces with a new task, and a forced restart
 * of the stack's Redis service.
 */
import { killReplica, restartRedis } from '../swarm/faults.ts';
import { inspectService, type SwarmService, waitForRunningTasks } from '../swarm/service.ts';
import type { FaultEvent, FaultSpec } from './fault-spec.ts';

export async function injectSwarmFault(
  service: SwarmService,
  fault: FaultSpec,
): Promise<FaultEvent> {
  if (fault.kind === 'kill-replica') {
    return killTask(service);
  }

  const redis = redisServiceOf(service.name);
  const injectedAtMs = Date.now();
  return recovered('restart-redis', redis, injectedAtMs, () => restartRedis(service, redis));
}

async function killTask(service: SwarmService): Promise<FaultEvent> {
  const spec = await inspectService(service.docker, service.name);
  const task = await killReplica(service);
  // The kill is the last command killReplica runs, so this is when the task died.
  const injectedAtMs = Date.now();
  return recovered('kill-replica', task.name, injectedAtMs, () =>
    waitForRunningTasks(
      service.docker,
      service.name,
      spec?.replicas ?? 1,
      service.options,
      new Set([task.id]),
    ),
  );
}

/**
 * Returns the Redis service of the stack that `service` belongs to: `chat_chat` gives
 * `chat_redis`, because stack.yml names its services `chat` and `redis`.
 * NOTE: a stack that names its Redis service otherwise cannot use restart-redis yet.
 */
export function redisServiceOf(service: string): string {
  const separator = service.lastIndexOf('_');
  return separator < 0 ? 'redis' : `${service.slice(0, separator)}_redis`;
}

async function recovered(
  kind: FaultSpec['kind'],
  target: string,
  injectedAtMs: number,
  waitUntilRunning: () => Promise<unknown>,
): Promise<FaultEvent> {
  try {
    await waitUntilRunning();
    return { kind, target, injectedAtMs, recoveredAtMs: Date.now(), error: null };
  } catch (error) {
    return { kind, target, injectedAtMs, recoveredAtMs: null, error: (error as Error).message };
  }
}
