import { afterEach, describe, expect, test } from 'vitest';
import { injectSwarmFault, redisServiceOf } from '../../src/faults/swarm-faults.ts';
import { SwarmService } from '../../src/swarm/service.ts';
import { StandInDocker } from '../swarm/stand-in-docker.ts';

const FAST = { pollIntervalMs: 20, readyTimeoutMs: 5_000, log: () => {} };

let docker: StandInDocker | null = null;

afterEach(() => {
  docker?.remove();
  docker = null;
});

function standIn(state: ConstructorParameters<typeof StandInDocker>[0]): StandInDocker {
  docker = new StandInDocker(state);
  return docker;
}

describe('swarm faults with stand-in docker', () => {
  test('kill-replica waits for the replacement task', async () => {
    const stand = standIn({ services: { chat_chat: { replicas: 2 } } });
    const service = await SwarmService.open({ service: 'chat_chat', ...FAST });

    const event = await injectSwarmFault(service, { kind: 'kill-replica', atMs: 0 });

    expect(event.error).toBeNull();
    expect(event.target).toBe('chat_chat.1');
    expect(event.recoveredAtMs).not.toBeNull();
    expect(event.recoveredAtMs!).toBeGreaterThanOrEqual(event.injectedAtMs);
    const calls = stand.calls();
    expect(calls).toContainEqual(['kill', '--signal', 'KILL', 'container-chat_chat-initial-1']);
    const tasks = stand.state().services.chat_chat!.tasks!;
    expect(tasks.map((task) => task.id)).not.toContain('chat_chat-initial-1');
    expect(tasks.filter((task) => task.state === 'running')).toHaveLength(2);
  });

  test('restart-redis forces an update of the stack Redis', async () => {
    const stand = standIn({
      services: { chat_chat: { replicas: 2 }, chat_redis: { replicas: 1 } },
    });
    const service = await SwarmService.open({ service: 'chat_chat', ...FAST });

    const event = await injectSwarmFault(service, { kind: 'restart-redis', atMs: 0 });

    expect(event.error).toBeNull();
    expect(event.target).toBe('chat_redis');
    expect(event.recoveredAtMs).not.toBeNull();
    expect(stand.calls()).toContainEqual([
      'service',
      'update',
      '--force',
      '--detach',
      'chat_redis',
    ]);
  });

  test('restart-redis without the Redis service fails', async () => {
    standIn({ services: { chat_chat: { replicas: 2 } } });
    const service = await SwarmService.open({ service: 'chat_chat', ...FAST });

    const event = await injectSwarmFault(service, { kind: 'restart-redis', atMs: 0 });

    expect(event.recoveredAtMs).toBeNull();
    expect(event.error).toContain('chat_redis');
  });

  test('redisServiceOf follows the stack prefix', () => {
    expect(redisServiceOf('chat_chat')).toBe('chat_redis');
    expect(redisServiceOf('bench_app_chat')).toBe('bench_app_redis');
    expect(redisServiceOf('chat')).toBe('redis');
  });
});
