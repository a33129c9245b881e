import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, type TestContext, test } from 'vitest';
import { runIp } from '../../src/netns/ip-command.ts';
import { newRunSuffix, RunNames } from '../../src/netns/names.ts';
import { checkNetnsRequirements } from '../../src/netns/requirements.ts';
import { cleanupStale, ownerAlias, teardownRun } from '../../src/netns/run-cleanup.ts';
import { NetnsTopology } from '../../src/netns/topology.ts';
import { isAlive } from '../cluster/support/processes.ts';
import { eventually, leftoversOf, unsupportedReason } from './support/leftovers.ts';

const OWNER = join(import.meta.dirname, 'support', 'netns-owner.ts');
const REQUIRED = process.env.REQUIRE_NETNS === '1';

/** Skips the test when this machine cannot run the netns mode, unless it is required. */
async function requireNetns(context: TestContext): Promise<void> {
  try {
    await checkNetnsRequirements();
  } catch (error) {
    const reason = unsupportedReason(error);
    if (reason === null || REQUIRED) {
      throw error;
    }
    context.skip(reason);
  }
}

interface OwnerReport {
  suffix: string;
  pids: number[];
}

/** Starts the owner program and resolves with its report once its cluster is up. */
async function startOwner(): Promise<{ child: ChildProcess; report: OwnerReport }> {
  const child = spawn(process.execPath, [OWNER], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  child.once('exit', () => clearTimeout(timer));

  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    return { child, report: JSON.parse(line) as OwnerReport };
  }
  throw new Error(`the owner program exited before reporting its cluster: ${stderr}`);
}

/** Creates the bridge, one veth and one namespace of a run owned by `alias`, by hand. */
async function createLeftover(names: RunNames, alias: string): Promise<void> {
  await runIp('ip', ['link', 'add', names.bridge, 'type', 'bridge']);
  await runIp('ip', ['link', 'set', names.bridge, 'alias', alias]);
  await runIp('ip', ['netns', 'add', names.namespace('ghost')]);
  await runIp('ip', [
    'link',
    'add',
    names.hostVeth(0),
    'type',
    'veth',
    'peer',
    'name',
    names.namespaceVeth(0),
    'netns',
    names.namespace('ghost'),
  ]);
}

describe('netns run cleanup', () => {
  test.for(['SIGKILL', 'SIGTERM'] as const)(
    'owner ended by %s leaves nothing behind',
    async (signal, context) => {
      await requireNetns(context);
      const { child, report } = await startOwner();
      const exited = once(child, 'exit');

      expect(await leftoversOf(report.suffix)).not.toEqual([]);
      child.kill(signal);
      await exited;
      const removed = await eventually(
        async () => (await leftoversOf(report.suffix)).length === 0,
        10_000,
      );

      expect(removed).toBe(true);
      for (const pid of report.pids) {
        expect(isAlive(pid)).toBe(false);
      }
    },
  );

  test('cleanupStale removes runs of dead owners only', async (context) => {
    await requireNetns(context);
    const live = await NetnsTopology.create(['alpha']);
    const deadOwner = new RunNames(newRunSuffix());
    const noBridge = new RunNames(newRunSuffix());
    // A process that has exited: its pid no longer runs the process recorded as owner.
    const exitedPid = spawnSync('true').pid!;

    try {
      await createLeftover(deadOwner, ownerAlias({ pid: exitedPid, startTicks: 1 }));
      await runIp('ip', ['netns', 'add', noBridge.namespace('ghost')]);

      const removed = await cleanupStale();

      expect(removed).toContain(deadOwner.suffix);
      expect(removed).toContain(noBridge.suffix);
      expect(removed).not.toContain(live.suffix);
      expect(await leftoversOf(deadOwner.suffix)).toEqual([]);
      expect(await leftoversOf(noBridge.suffix)).toEqual([]);
      expect(await leftoversOf(live.suffix)).toHaveLength(3);
    } finally {
      await live.destroy();
      await teardownRun(deadOwner.suffix);
      await teardownRun(noBridge.suffix);
    }
  });
});
