/**
 * Steps against a deployed Swarm service that the loadtest scales itself (--swarm-service).
 * Before each step the service is scaled to the step's replica count and waited for. At the
 * end, also after a failure or Ctrl-C, it is scaled back to the count it had.
 */
import { injectSwarmFault } from '../faults/swarm-faults.ts';
import { SwarmService } from '../swarm/service.ts';
import type { LoadtestConfig } from './options.ts';
import type { TargetContext, TargetProvider } from './targets.ts';

export interface SwarmTargetProvider extends TargetProvider {
  /** The scaled service, for faults that act on its tasks. */
  readonly service: SwarmService;
}

/** Wraps the provider of the deployed target so that each step first scales the service. */
export async function openSwarmTargets(
  config: LoadtestConfig,
  deployed: TargetProvider,
  context: TargetContext,
): Promise<SwarmTargetProvider> {
  const service = await SwarmService.open({ service: config.swarmService!, log: context.log });
  let scaledTo: number | null = null;
  return {
    service,
    async prepare(replicas, index) {
      // Repeats of a step keep the tasks they ran on rather than scaling to the same count.
      if (replicas !== scaledTo) {
        await service.scaleTo(replicas);
        scaledTo = replicas;
      }
      const target = await deployed.prepare(replicas, index);
      return { ...target, replicas };
    },
    injectFault: (fault) => injectSwarmFault(service, fault),
    describe: () => ({
      ...deployed.describe(),
      swarmService: service.name,
      originalReplicas: service.originalReplicas,
      dockerCommands: service.plan(),
    }),
    async close() {
      try {
        await service.restore();
      } finally {
        await deployed.close();
      }
    },
  };
}

/**
 * Returns the docker commands that a sweep with --swarm-service would run, in order, without
 * running them: read the service, scale it for each step, then scale it back.
 */
export async function planSwarmSweep(config: LoadtestConfig): Promise<string[]> {
  const service = await SwarmService.open({ service: config.swarmService!, dryRun: true });
  let scaledTo: number | null = null;
  for (const replicas of config.replicaCounts) {
    if (replicas !== scaledTo) {
      await service.scaleTo(replicas);
      scaledTo = replicas;
    }
  }
  await service.restore();
  return service.plan();
}
