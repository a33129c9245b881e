/**
 * Faults for fault-injection runs on a real swarm: crashing one replica and restarting Redis.
 *
 * Crashing one replica needs the engine of the node its task runs on: a manager's CLI can
 * scale or update a service, but `docker kill` only reaches containers of the engine it
 * talks to. Neither manager-side alternative is a crash of one replica:
 * `docker service update --force` replaces every task one by one (a rolling restart), and
 * scaling down and up again stops a task of Swarm's choosing gracefully, with SIGTERM.
 * So `killReplica` finds the task's node and container from the manager, then sends SIGKILL
 * through that node's engine; Swarm's restart policy starts a replacement task.
 */
import type { DockerCli } from './docker-cli.ts';
import {
  inspectService,
  type SwarmService,
  SwarmServiceError,
  waitForRunningTasks,
} from './service.ts';
import type { TaskRow } from './tasks.ts';

export interface KillReplicaOptions {
  /** The task to crash; the first running task when unset. */
  task?: TaskRow;
  /**
   * Docker host of each node's engine by node hostname, e.g. { node2: 'ssh://admin@node2' }.
   * Tasks on the node this CLI talks to need no entry. @default {}
   */
  nodeEngines?: Record<string, string>;
}

/** Crashes one task's container with SIGKILL; returns the task that was killed. */
export async function killReplica(
  service: SwarmService,
  options: KillReplicaOptions = {},
): Promise<TaskRow> {
  const docker = service.docker;
  const task = options.task ?? (await firstRunningTask(service));
  const located = await docker.run([
    'inspect',
    '--type',
    'task',
    task.id,
    '--format',
    '{{.NodeID}} {{.Status.ContainerStatus.ContainerID}}',
  ]);
  const [nodeId = '', containerId = ''] = located.trim().split(/\s+/);
  const localNode = (await docker.run(['info', '--format', '{{.Swarm.NodeID}}'])).trim();
  if (containerId === '' && !docker.dryRun) {
    throw new SwarmServiceError(`task ${task.name} has no container yet; wait until it runs`);
  }
  const container = docker.dryRun ? '<container>' : containerId;

  const engine = docker.dryRun || nodeId === localNode ? null : options.nodeEngines?.[task.node];
  if (engine === undefined) {
    throw new SwarmServiceError(
      `task ${task.name} runs on node ${task.node}, not on the node this docker CLI talks to; ` +
        `pass nodeEngines { "${task.node}": "ssh://USER@${task.node}" } to reach its engine`,
    );
  }

  const hostArgs = engine === null ? [] : ['--host', engine];
  service.options.log(`swarm: killing ${task.name} (container ${container})`);
  await docker.run([...hostArgs, 'kill', '--signal', 'KILL', container]);
  return task;
}

async function firstRunningTask(service: SwarmService): Promise<TaskRow> {
  const rows = await waitForRunningTasks(
    service.docker,
    service.name,
    await currentReplicas(service.docker, service.name),
    service.options,
  );
  const running = rows.find((row) => row.state === 'running');
  if (running === undefined && !service.docker.dryRun) {
    throw new SwarmServiceError(`${service.name} has no running task to kill`);
  }
  return (
    running ?? {
      id: '<task>',
      name: `${service.name}.1`,
      node: '<node>',
      state: 'running',
      error: '',
    }
  );
}

async function currentReplicas(docker: DockerCli, name: string): Promise<number> {
  const spec = await inspectService(docker, name);
  return spec === null ? 0 : spec.replicas;
}

/**
 * Restarts the Redis service: a forced update replaces its task even though its spec is
 * unchanged, which for one Redis replica is a stop and a start. Waits for the new task.
 */
export async function restartRedis(
  service: SwarmService,
  redisService: string,
): Promise<TaskRow[]> {
  const docker = service.docker;
  const replicas = await currentReplicas(docker, redisService);
  const before = await waitForRunningTasks(docker, redisService, replicas, service.options);

  service.options.log(`swarm: restarting ${redisService}`);
  await docker.run(['service', 'update', '--force', '--detach', redisService]);
  const replaced = new Set(before.map((task) => task.id));
  return waitForRunningTasks(docker, redisService, replicas, service.options, replaced);
}
