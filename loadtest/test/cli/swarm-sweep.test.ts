/**
 * `npm run loadtest -- --target URL --swarm-service NAME`: a sweep that scales the service
 * between steps. No Docker engine exists here, so a stand-in `docker` first on PATH records the
 * commands and models the service; the steps themselves run against a real local cluster.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type LocalCluster, startLocalCluster } from '../../src/cluster/local-cluster.ts';
import type { Summary } from '../../src/results/summary.ts';
import { StandInDocker } from '../swarm/stand-in-docker.ts';
import { runCli, startCli } from './support/run-cli.ts';

const SHORT_STEP = ['--clients', '40', '--room-size', '4', '--ramp', '2s', '--settle', '1s'];
const SHORT_WINDOWS = ['--duration', '3s', '--drain', '1s'];

let cluster: LocalCluster;
let workDir: string;
let docker: StandInDocker | null = null;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'swarm-sweep-'));
  cluster = await startLocalCluster({ replicas: 2, logDir: join(workDir, 'logs') });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await rm(workDir, { recursive: true, force: true });
});

afterEach(() => {
  docker?.remove();
  docker = null;
});

function sweepArgs(outDir: string): string[] {
  return [
    '--target',
    cluster.url,
    '--metrics',
    cluster.replicas.map((replica) => replica.metricsUrl).join(','),
    '--swarm-service',
    'chat_chat',
    '--replicas',
    '1,2',
    '--out',
    outDir,
    ...SHORT_STEP,
  ];
}

describe('swarm sweep with stand-in docker', () => {
  test('--dry-run prints the docker commands and runs nothing', async () => {
    docker = new StandInDocker({ services: { chat_chat: { replicas: 3 } } });
    const outDir = join(workDir, 'dry-run');

    const result = await runCli([...sweepArgs(outDir), '--repeat', '2', '--dry-run'], {
      timeoutMs: 30_000,
    });

    expect(result.code).toBe(0);
    const commands = result.stdout.split('\n').filter((line) => line.startsWith('docker '));
    expect(commands.filter((line) => line.includes(' scale '))).toEqual([
      'docker service scale chat_chat=1 --detach',
      'docker service scale chat_chat=2 --detach',
      "docker service scale 'chat_chat=<original>' --detach",
    ]);
    expect(commands[0]).toContain('docker service inspect chat_chat');
    expect(docker.calls()).toEqual([]);
    expect(existsSync(outDir)).toBe(false);
  });

  test('scales before each step and restores the original count', async () => {
    docker = new StandInDocker({ services: { chat_chat: { replicas: 3 } }, pollsToRun: 1 });
    const outDir = join(workDir, 'sweep');

    const result = await runCli([...sweepArgs(outDir), ...SHORT_WINDOWS], {
      timeoutMs: 120_000,
    });

    expect(result.code, result.stderr).toBe(0);
    expect(docker.scaleTargets()).toEqual(['chat_chat=1', 'chat_chat=2', 'chat_chat=3']);
    expect(docker.state().services.chat_chat!.replicas).toBe(3);
    const order = [
      'swarm: scaling chat_chat to 1',
      'step 1/2, 1 replica:',
      'swarm: scaling chat_chat to 2',
      'step 2/2, 2 replicas:',
      'swarm: restoring chat_chat to 3',
    ].map((line) => result.stdout.indexOf(line));
    expect(order.every((position) => position >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));

    const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as Summary;
    expect(summary.steps.map((step) => step.replicas)).toEqual([1, 2]);
    for (const step of summary.steps) {
      expect(step.messages.delivered).toBeGreaterThan(0);
      expect(step.messages.delivered + step.messages.lost).toBe(step.messages.expected);
    }
    const run = JSON.parse(await readFile(join(outDir, 'run.json'), 'utf8'));
    expect(run.layout).toMatchObject({ swarmService: 'chat_chat', originalReplicas: 3 });
  }, 150_000);

  test('Ctrl-C restores the service', async () => {
    docker = new StandInDocker({ services: { chat_chat: { replicas: 3 } }, pollsToRun: 1 });
    const outDir = join(workDir, 'interrupted');
    const cli = startCli([...sweepArgs(outDir), '--duration', '30s'], { timeoutMs: 120_000 });

    await cli.waitForOutput('step 1/2');
    cli.child.kill('SIGINT');
    const result = await cli.result;

    expect(result.code).toBe(130);
    expect(docker.scaleTargets()).toEqual(['chat_chat=1', 'chat_chat=3']);
    expect(docker.state().services.chat_chat!.replicas).toBe(3);
  }, 150_000);
});
