import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '../../../loadtest/src/cluster/free-port.ts';

/** The repository root, where `node server/src/main.ts` runs from. */
export const PROJECT_ROOT = join(import.meta.dirname, '..', '..', '..');

export interface ChatProcessOptions {
  replicaId: string;
  redisUrl: string;
  /** Extra environment variables for the server. */
  env?: Record<string, string>;
  /** How long to wait for /readyz to return 200. @default 30000 */
  readyTimeoutMs?: number;
}

/**
 * A real chat server process (`node server/src/main.ts`) on a free loopback port, as a swarm
 * task runs it, only not compiled.
 */
export class ChatProcess {
  port = 0;
  private child: ChildProcess | null = null;
  private output = '';
  private readonly options: ChatProcessOptions;

  constructor(options: ChatProcessOptions) {
    this.options = options;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port = await findFreePort();
    const child = spawn(process.execPath, ['server/src/main.ts'], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        REDIS_URL: this.options.redisUrl,
        REPLICA_ID: this.options.replicaId,
        LOG_LEVEL: 'warn',
        ...this.options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.child = child;
    await this.waitUntilReady(this.options.readyTimeoutMs ?? 30_000);
  }

  /** Sends SIGTERM and waits for the exit; SIGKILL after 15 s. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) {
      return;
    }

    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child === null || this.child.exitCode !== null) {
        throw new Error(`chat server ${this.options.replicaId} exited at start: ${this.output}`);
      }
      if (await isReady(`${this.url}/readyz`)) {
        return;
      }
      await sleep(100);
    }
    await this.stop();
    throw new Error(
      `chat server ${this.options.replicaId} on port ${this.port} was not ready within ` +
        `${timeoutMs} ms: ${this.output}`,
    );
  }
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Fetches a server's /metrics and returns the name of every sample in it. */
export async function fetchSampleNames(url: string): Promise<Set<string>> {
  const response = await fetch(`${url}/metrics`);
  const text = await response.text();
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (name !== null) {
      names.add(name[0]);
    }
  }
  return names;
}
