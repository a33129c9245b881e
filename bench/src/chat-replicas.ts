/**
 * Replicas of the project's chat server as real processes (`node server/src/main.ts`) on
 * loopback, one per port, sharing one Redis. The bench starts them itself, not through the
 * local cluster, because it needs each replica's process id for /proc figures and its own
 * environment (a higher per-client rate limit for the one-sender floor).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { trackChild } from '../../loadtest/src/cluster/child-cleanup.ts';
import { findFreePort } from '../../loadtest/src/cluster/free-port.ts';
import { findProjectRoot } from '../../server/src/project-root.ts';
import type { AdapterMode } from '../../server/src/protocol.ts';

const SERVER_MAIN = join(findProjectRoot(import.meta.dirname), 'server', 'src', 'main.ts');
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

export interface ReplicaSetOptions {
  count: number;
  adapter: AdapterMode;
  redisUrl: string;
  /** Extra environment for every replica, e.g. CHAT_RATE_LIMIT. @default {} */
  env?: Record<string, string>;
}

export interface Replica {
  id: string;
  url: string;
  pid: number;
}

export class ReplicaStartError extends Error {
  override name = 'ReplicaStartError';
}

/** A set of running chat server replicas; `stop()` ends every one of them. */
export class ChatReplicas {
  readonly replicas: Replica[] = [];
  private readonly children: ChildProcess[] = [];

  static async start(options: ReplicaSetOptions): Promise<ChatReplicas> {
    const set = new ChatReplicas();
    try {
      const ports = await distinctFreePorts(options.count);
      const starts = ports.map((port, index) => set.startOne(options, index + 1, port));
      await Promise.all(starts);
    } catch (error) {
      await set.stop();
      throw error;
    }
    return set;
  }

  get urls(): string[] {
    return this.replicas.map((replica) => replica.url);
  }

  get pids(): number[] {
    return this.replicas.map((replica) => replica.pid);
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map(stopChild));
  }

  private async startOne(options: ReplicaSetOptions, number: number, port: number) {
    const id = `bench-${number}`;
    const child = spawn(process.execPath, [SERVER_MAIN], {
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        REDIS_URL: options.redisUrl,
        CHAT_ADAPTER: options.adapter,
        REPLICA_ID: id,
        LOG_LEVEL: 'warn',
        CHAT_SHUTDOWN_GRACE_MS: '2000',
        ...options.env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.children.push(child);
    trackChild(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2_000);
    });

    const url = `http://127.0.0.1:${port}`;
    await waitUntilReady(url, child, () => stderr);
    this.replicas.push({ id, url, pid: child.pid! });
    this.replicas.sort((a, b) => a.id.localeCompare(b.id));
  }
}

async function waitUntilReady(url: string, child: ChildProcess, stderr: () => string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new ReplicaStartError(
        `the chat server for ${url} exited with code ${child.exitCode}: ${stderr().trim()}`,
      );
    }
    const status = await fetch(`${url}/readyz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) {
      return;
    }
    await sleep(100);
  }
  throw new ReplicaStartError(
    `the chat server at ${url} did not return 200 from /readyz within ${READY_TIMEOUT_MS} ms: ` +
      stderr().trim(),
  );
}

/** Free ports, asked for one after another so two replicas never get the same one. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    ports.add(await findFreePort());
  }
  return [...ports];
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
