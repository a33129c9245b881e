import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DockerCommandError } from '../../src/swarm/docker-cli.ts';
import { SwarmService, SwarmServiceError, SwarmTimeoutError } from '../../src/swarm/service.ts';
import { withSwarmService } from '../../src/swarm/session.ts';
import { StandInDocker } from './stand-in-docker.ts';

const FAST = { pollIntervalMs: 20, readyTimeoutMs: 5_000 };
const SESSION_MODULE = fileURLToPath(new URL('../../src/swarm/session.ts', import.meta.url));

let docker: StandInDocker | null = null;

afterEach(() => {
  docker?.remove();
  docker = null;
});

function standIn(state: ConstructorParameters<typeof StandInDocker>[0]): StandInDocker {
  docker = new StandInDocker(state);
  return docker;
}

/** Counts the `service ps` calls between two positions of the call list. */
function psCallsBetween(calls: string[][], from: number, to: number): number {
  return calls.slice(from, to).filter((args) => args[1] === 'ps').length;
}

describe('SwarmService with stand-in docker', () => {
  it('scales, waits and restores in order', async () => {
    const stand = standIn({ services: { chat_chat: { replicas: 3 } }, pollsToRun: 2 });
    const service = await SwarmService.open({ service: 'chat_chat', ...FAST });
    expect(service.originalReplicas).toBe(3);

    await service.scaleTo(1);
    const tasks = await service.scaleTo(2);
    expect(tasks.map((task) => task.state)).toEqual(['running', 'running']);
    await service.restore();

    expect(stand.scaleTargets()).toEqual(['chat_chat=1', 'chat_chat=2', 'chat_chat=3']);
    const calls = stand.calls();
    const scaleAt = calls.flatMap((args, i) => (args[1] === 'scale' ? [i] : []));
    expect(calls[0]!.slice(0, 3)).toEqual(['service', 'inspect', 'chat_chat']);
    // A new task needs two polls to run, so each scale up is followed by several polls.
    expect(psCallsBetween(calls, scaleAt[1]!, scaleAt[2]!)).toBeGreaterThanOrEqual(2);
    expect(psCallsBetween(calls, scaleAt[2]!, calls.length)).toBeGreaterThanOrEqual(2);
    expect(calls.every((args) => args[1] !== 'scale' || args.includes('--detach'))).toBe(true);
    const final = stand.state().services.chat_chat!;
    expect(final.replicas).toBe(3);
    expect(final.tasks!.every((task) => task.state === 'running')).toBe(true);
  });

  it('restore does nothing when never scaled', async () => {
    const stand = standIn({ services: { chat_chat: { replicas: 2 } } });
    const service = await SwarmService.open({ service: 'chat_chat', ...FAST });

    await service.restore();

    expect(stand.scaleTargets()).toEqual([]);
  });

  it('times out when tasks never run', async () => {
    const stand = standIn({ services: { chat_chat: { replicas: 2 } }, maxRunning: 2 });
    const service = await SwarmService.open({
      service: 'chat_chat',
      pollIntervalMs: 50,
      readyTimeoutMs: 600,
    });

    const scaling = service.scaleTo(3);

    await expect(scaling).rejects.toBeInstanceOf(SwarmTimeoutError);
    await expect(scaling).rejects.toThrow(/waiting for 3 running tasks of chat_chat: 2 running/);
    await expect(scaling).rejects.toThrow(/chat_chat\.3 pending "no suitable node/);
    await service.restore();
    expect(stand.scaleTargets()).toEqual(['chat_chat=3', 'chat_chat=2']);
    expect(stand.state().services.chat_chat!.replicas).toBe(2);
  });

  it('reports a failed scale command with the daemon error', async () => {
    standIn({ services: { chat_chat: { replicas: 2 } }, failScaleTo: [4] });
    const service = await SwarmService.open({ service: 'chat_chat', ...FAST });

    const scaling = service.scaleTo(4);

    await expect(scaling).rejects.toBeInstanceOf(DockerCommandError);
    await expect(scaling).rejects.toThrow(
      /service scale chat_chat=4 --detach failed: .*out of sequence/,
    );
  });

  it('rejects an unknown service by name', async () => {
    standIn({ services: { chat_chat: { replicas: 2 } } });

    const opening = SwarmService.open({ service: 'chat_nope', ...FAST });

    await expect(opening).rejects.toThrow(/no such service: chat_nope/);
  });

  it('rejects an invalid replica count', async () => {
    standIn({ services: { chat_chat: { replicas: 2 } } });
    const service = await SwarmService.open({ service: 'chat_chat', ...FAST });

    await expect(service.scaleTo(-1)).rejects.toBeInstanceOf(SwarmServiceError);
    await expect(service.scaleTo(1.5)).rejects.toThrow(/invalid replica count 1.5/);
  });

  it('dry run plans commands without running docker', async () => {
    const stand = standIn({ services: { chat_chat: { replicas: 2 } } });
    const lines: string[] = [];

    const service = await SwarmService.open({
      service: 'chat_chat',
      dryRun: true,
      log: (line) => lines.push(line),
    });
    await service.scaleTo(4);
    await service.restore();

    expect(stand.calls()).toEqual([]);
    expect(service.plan()).toEqual([
      "docker service inspect chat_chat --format '{{json .Spec}}'",
      'docker service scale chat_chat=4 --detach',
      "docker service ps chat_chat --filter desired-state=running --no-trunc --format '{{.ID}}|{{.Name}}|{{.Node}}|{{.CurrentState}}|{{.Error}}'",
      "docker service scale 'chat_chat=<original>' --detach",
    ]);
    expect(lines).toContain('swarm: restoring chat_chat to <original> replicas');
  });
});

describe('withSwarmService with stand-in docker', () => {
  it('restores after a failure', async () => {
    const stand = standIn({ services: { chat_chat: { replicas: 3 } } });

    const session = withSwarmService({ service: 'chat_chat', ...FAST }, async (service) => {
      await service.scaleTo(1);
      throw new Error('step 1 failed');
    });

    await expect(session).rejects.toThrow('step 1 failed');
    expect(stand.scaleTargets()).toEqual(['chat_chat=1', 'chat_chat=3']);
    expect(stand.state().services.chat_chat!.replicas).toBe(3);
  });

  it('restores on SIGINT and exits with 130', async () => {
    const stand = standIn({ services: { chat_chat: { replicas: 3 } } });
    const child = join(stand.dir, 'sweep.mjs');
    writeFileSync(
      child,
      `import { withSwarmService } from ${JSON.stringify(SESSION_MODULE)};
await withSwarmService({ service: 'chat_chat', pollIntervalMs: 20 }, async (service) => {
  await service.scaleTo(1);
  console.log('scaled');
  await new Promise((resolve) => setTimeout(resolve, 20000));
});
`,
    );

    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const sweep = spawn('node', [child], { stdio: ['ignore', 'pipe', 'inherit'] });
      const killer = setTimeout(() => sweep.kill('SIGKILL'), 15_000);
      sweep.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('scaled')) {
          sweep.kill('SIGINT');
        }
      });
      sweep.on('error', reject);
      sweep.on('exit', (code) => {
        clearTimeout(killer);
        resolve(code);
      });
    });

    expect(exitCode).toBe(130);
    expect(stand.scaleTargets()).toEqual(['chat_chat=1', 'chat_chat=3']);
    expect(stand.state().services.chat_chat!.replicas).toBe(3);
  });
});
