/**
 * Scaling one Docker Swarm service through the docker CLI on a manager node, waiting until
 * its tasks run, and putting the original replica count back afterwards.
 *
 * A task whose container has a health check (from the image or the service) only reaches
 * the `running` state once the container reports healthy: moby's Swarm executor
 * (daemon/cluster/executor/container/controller.go, `Start`) waits for the health_status
 * event before it reports the task started. So waiting for N running tasks also waits for
 * N healthy ones, without reaching each node's engine.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { commandLine, DockerCli } from './docker-cli.ts';
import { type ResolvedSwarmOptions, resolveSwarmOptions, type SwarmOptions } from './options.ts';
import { describeTasks, parseTaskRows, TASK_FORMAT, type TaskRow } from './tasks.ts';

export class SwarmServiceError extends Error {
  override name = 'SwarmServiceError';
}

export class SwarmTimeoutError extends Error {
  override name = 'SwarmTimeoutError';
}

/** Source of the service's health check, as far as the manager can tell. */
export type HealthcheckSource = 'service' | 'disabled' | 'image or none';

export interface ServiceSpec {
  replicas: number;
  healthcheck: HealthcheckSource;
}

interface Timing {
  readyTimeoutMs: number;
  pollIntervalMs: number;
  log: (line: string) => void;
}

export class SwarmService {
  readonly name: string;
  readonly docker: DockerCli;
  readonly options: ResolvedSwarmOptions;
  /** Replica count found by `open`; null in dry-run mode, where nothing is read. */
  readonly originalReplicas: number | null;
  private scaled = false;
  private restoring: Promise<void> | null = null;

  private constructor(options: ResolvedSwarmOptions, docker: DockerCli, original: number | null) {
    this.name = options.service;
    this.options = options;
    this.docker = docker;
    this.originalReplicas = original;
  }

  /** Reads the service's current replica count, which `restore` returns to. */
  static async open(options: SwarmOptions): Promise<SwarmService> {
    const resolved = resolveSwarmOptions(options);
    const docker = new DockerCli(resolved.docker, resolved.commandTimeoutMs, resolved.dryRun);
    const spec = await inspectService(docker, resolved.service);
    if (spec !== null) {
      resolved.log(
        `swarm: ${resolved.service} has ${spec.replicas} replicas; health check: ${spec.healthcheck}`,
      );
    }
    return new SwarmService(resolved, docker, spec === null ? null : spec.replicas);
  }

  /** Scales the service and waits until exactly `replicas` tasks are running. */
  async scaleTo(replicas: number): Promise<TaskRow[]> {
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new SwarmServiceError(
        `invalid replica count ${replicas}: expected an integer of 0 or more`,
      );
    }
    if (this.restoring !== null) {
      throw new SwarmServiceError(`${this.name} is being restored; it cannot be scaled any more`);
    }

    this.scaled = true;
    this.options.log(`swarm: scaling ${this.name} to ${replicas} ${plural(replicas)}`);
    await this.docker.run(['service', 'scale', `${this.name}=${replicas}`, '--detach']);
    return waitForRunningTasks(this.docker, this.name, replicas, this.options);
  }

  /**
   * Scales the service back to its original replica count and waits for it. Safe to call
   * more than once and concurrently; does nothing if the service was never scaled.
   */
  restore(): Promise<void> {
    if (this.restoring === null) {
      this.restoring = this.scaled ? this.scaleBack() : Promise.resolve();
    }
    return this.restoring;
  }

  private async scaleBack(): Promise<void> {
    const target = this.originalReplicas === null ? '<original>' : String(this.originalReplicas);
    this.options.log(`swarm: restoring ${this.name} to ${target} ${plural(this.originalReplicas)}`);
    try {
      await this.docker.run(['service', 'scale', `${this.name}=${target}`, '--detach']);
      if (this.originalReplicas !== null) {
        await waitForRunningTasks(this.docker, this.name, this.originalReplicas, this.options);
      }
    } catch (error) {
      throw new SwarmServiceError(
        `could not restore ${this.name} to ${target} replicas: ${(error as Error).message}. ` +
          `Restore it by hand: docker service scale ${this.name}=${target}`,
        { cause: error },
      );
    }
  }

  /** Returns the docker commands run so far (or planned, in dry-run mode) as shell lines. */
  plan(): string[] {
    return this.docker.commands.map(commandLine);
  }
}

/** Reads the replica count and health check of a service; null in dry-run mode. */
export async function inspectService(
  docker: DockerCli,
  service: string,
): Promise<ServiceSpec | null> {
  const output = await docker.run(['service', 'inspect', service, '--format', '{{json .Spec}}']);
  if (docker.dryRun) {
    return null;
  }

  let spec: {
    Mode?: { Replicated?: { Replicas?: number } };
    TaskTemplate?: { ContainerSpec?: { Healthcheck?: { Test?: string[] } } };
  };
  try {
    spec = JSON.parse(output);
  } catch (error) {
    throw new SwarmServiceError(
      `docker service inspect ${service} returned no JSON spec: ${output.slice(0, 200)}`,
      { cause: error },
    );
  }

  const replicas = spec.Mode?.Replicated?.Replicas;
  if (typeof replicas !== 'number') {
    throw new SwarmServiceError(
      `${service} is not a replicated service (mode ${JSON.stringify(spec.Mode)}); ` +
        'only services in replicated mode can be scaled',
    );
  }
  const test = spec.TaskTemplate?.ContainerSpec?.Healthcheck?.Test;
  const healthcheck: HealthcheckSource =
    test === undefined || test.length === 0
      ? 'image or none'
      : test[0] === 'NONE'
        ? 'disabled'
        : 'service';
  return { replicas, healthcheck };
}

/**
 * Polls `docker service ps` until exactly `replicas` tasks are meant to run and all of them
 * are running, or the ready timeout passes. Tasks listed in `excluding` do not count, so a
 * caller that replaced tasks waits for their successors rather than seeing the old ones.
 */
export async function waitForRunningTasks(
  docker: DockerCli,
  service: string,
  replicas: number,
  timing: Timing,
  excluding: ReadonlySet<string> = new Set(),
): Promise<TaskRow[]> {
  const args = [
    'service',
    'ps',
    service,
    '--filter',
    'desired-state=running',
    '--no-trunc',
    '--format',
    TASK_FORMAT,
  ];
  const deadline = performance.now() + timing.readyTimeoutMs;
  let rows: TaskRow[] = [];
  for (;;) {
    rows = parseTaskRows(await docker.run(args)).filter((row) => !excluding.has(row.id));
    const running = rows.filter((row) => row.state === 'running').length;
    if (docker.dryRun) {
      timing.log(`swarm: dry run, not waiting for ${replicas} running tasks of ${service}`);
      return rows;
    }
    if (rows.length === replicas && running === replicas) {
      timing.log(`swarm: ${service} has ${replicas} running ${replicas === 1 ? 'task' : 'tasks'}`);
      return rows;
    }
    if (performance.now() + timing.pollIntervalMs > deadline) {
      break;
    }
    await sleep(timing.pollIntervalMs);
  }

  throw new SwarmTimeoutError(
    `timed out after ${timing.readyTimeoutMs} ms waiting for ${replicas} running tasks of ` +
      `${service}: ${describeTasks(rows)}. See docker service ps ${service} --no-trunc; ` +
      'if the tasks only start slowly, raise the ready timeout.',
  );
}

function plural(replicas: number | null): string {
  return replicas === 1 ? 'replica' : 'replicas';
}
