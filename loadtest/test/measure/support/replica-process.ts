import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '../../../src/cluster/free-port.ts';

const MAIN = join(import.meta.dirname, '../../../../server/src/main.ts');

/** A chat server started as its own process with `node server/src/main.ts`, on loopback. */
export class ReplicaProcess {
  port = 0;
  readonly replicaId: string;
  private readonly env: Record<string, string>;
  private child: ChildProcess | null = null;
  private output = '';

  constructor(replicaId: string, env: Record<string, string>) {
    this.replicaId = replicaId;
    this.env = env;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 15_000): Promise<void> {
    this.port = await findFreePort();
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        REPLICA_ID: this.replicaId,
        LOG_LEVEL: 'warn',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => this.keepOutput(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.keepOutput(chunk));
    this.child = child;
    await this.waitUntilReady(timeoutMs);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private keepOutput(chunk: Buffer): void {
    this.output = (this.output + chunk.toString()).slice(-4_000);
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child === null || this.child.exitCode !== null) {
        throw new Error(`replica ${this.replicaId} exited during start-up:\n${this.output}`);
      }
      const ready = await fetch(`${this.url}/readyz`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (ready) {
        return;
      }
      await sleep(100);
    }
    await this.stop();
    throw new Error(`replica ${this.replicaId} was not ready within ${timeoutMs} ms`);
  }
}
