import { afterEach, describe, expect, it } from 'vitest';
import { killReplica, restartRedis } from '../../src/swarm/faults.ts';
import { SwarmService, SwarmServiceError } from '../../src/swarm/service.ts';
import { StandInDocker } from './stand-in-docker.ts';

const FAST = { pollIntervalMs: 20, readyTimeoutMs: 5_000 };

let docker: StandInDocker | null = null;

afterEach(() => {
  docker?.remove();
  docker = null;
});

function standIn(state: ConstructorParameters<typeof StandInDocker>[0]): StandInDocker {
  docker = new StandInDocker(state);
  return docker;
}

describe('faults with stand-in docker', () => {
  it('killReplica kills a local task with SIGKILL', async () => {
    const stand = standIn({ services: { chat_chat: { replicas: 2 } } });
    const service = await SwarmService.open({ service: 'chat_chat', ...FAST });

    const killed = await killReplica(service);

    expect(killed.name).toBe('chat_chat.1');
    const kill = stand.calls().at(-1)!;
    expect(kill).toEqual(['kill', '--signal', 'KILL', `container-${killed.id}`]);
  });

  it('killReplica reaches a remote node through its engine', async () => {
    const stand = standIn({
      services: { chat_chat: { replicas: 2 } },
      taskNode: 'worker1',
      localNode: 'manager',
    });
    const service = await SwarmService.open({ service: 'chat_chat', ...FAST });

    const killed = await killReplica(service, {
      nodeEngines: { worker1: 'ssh://admin@worker1' },
    });

    const kill = stand.calls().at(-1)!;
    expect(kill).toEqual([
      '--host',
      'ssh://admin@worker1',
      'kill',
      '--signal',
      'KILL',
      `container-${killed.id}`,
    ]);
  });

  it('killReplica names the node it cannot reach', async () => {
    const stand = standIn({
      services: { chat_chat: { replicas: 2 } },
      taskNode: 'worker1',
      localNode: 'manager',
    });
    const service = await SwarmService.open({ service: 'chat_chat', ...FAST });

    const killing = killReplica(service);

    await expect(killing).rejects.toBeInstanceOf(SwarmServiceError);
    await expect(killing).rejects.toThrow(/runs on node worker1.*nodeEngines/);
    expect(stand.calls().some((args) => args.includes('kill'))).toBe(false);
  });

  it('restartRedis forces an update and waits for the new task', async () => {
    const stand = standIn({
      services: { chat_chat: { replicas: 2 }, chat_redis: { replicas: 1 } },
      pollsToRun: 3,
    });
    const service = await SwarmService.open({ service: 'chat_chat', ...FAST });
    const before = stand.state().services.chat_redis!.tasks![0]!.id;

    const tasks = await restartRedis(service, 'chat_redis');

    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.id).not.toBe(before);
    expect(tasks[0]!.state).toBe('running');
    const calls = stand.calls();
    const update = calls.findIndex((args) => args[1] === 'update');
    expect(calls[update]).toEqual(['service', 'update', '--force', '--detach', 'chat_redis']);
    const pollsAfter = calls.slice(update).filter((args) => args[1] === 'ps').length;
    expect(pollsAfter).toBeGreaterThanOrEqual(3);
  });
});
