import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, test } from 'vitest';
import { isAlive } from './support/processes.ts';

const OWNER = join(import.meta.dirname, 'support', 'cluster-owner.ts');

interface Owner {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: string;
}

const owners: Owner[] = [];
const startedPids: number[] = [];

/** Starts cluster-owner.ts in `mode` and resolves with the process ids it started. */
async function startOwner(mode: string): Promise<{ owner: Owner; pids: number[] }> {
  const child = spawn(process.execPath, [OWNER, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  const owner: Owner = { child, lines: [], stderr: '' };
  owners.push(owner);
  child.stderr?.on('data', (chunk: Buffer) => {
    owner.stderr += chunk.toString();
  });

  const pids = await new Promise<number[]>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const parsed = JSON.parse(line) as { pids?: number[] };
        owner.lines.push(parsed);
        if (parsed.pids !== undefined) {
          resolve(parsed.pids);
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`owner exited ${code}: ${owner.stderr}`)));
  });
  startedPids.push(...pids);
  return { owner, pids };
}

async function waitUntilGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(50);
    alive = pids.filter(isAlive);
  }
  return alive;
}

afterEach(() => {
  // Whatever a failed test left behind.
  for (const owner of owners.splice(0)) {
    owner.child.kill('SIGKILL');
  }
  for (const pid of startedPids.splice(0).filter(isAlive)) {
    process.kill(pid, 'SIGKILL');
  }
});

describe('child cleanup', () => {
  test('kills children on SIGTERM', async () => {
    const { owner, pids } = await startOwner('wait');
    expect(pids).toHaveLength(2);
    const exited = once(owner.child, 'exit');

    owner.child.kill('SIGTERM');
    const [code, signal] = await exited;

    expect(code).toBeNull();
    expect(signal).toBe('SIGTERM');
    expect(await waitUntilGone(pids, 2_000)).toEqual([]);
  });

  test('kills children on a crash', async () => {
    const { owner, pids } = await startOwner('crash');
    const [code] = await once(owner.child, 'exit');

    expect(code).toBe(1);
    expect(owner.stderr).toContain('simulated crash');
    expect(await waitUntilGone(pids, 2_000)).toEqual([]);
  });

  test('leaves signals to a program handler', async () => {
    const { owner, pids } = await startOwner('handle');
    const exited = once(owner.child, 'exit');

    owner.child.kill('SIGTERM');
    const [code] = await exited;

    expect(code).toBe(3);
    expect(owner.lines).toContainEqual({ handled: true });
    expect(await waitUntilGone(pids, 2_000)).toEqual([]);
  });
});
