import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { trackChild } from './child-cleanup.ts';
import { findFreePort } from './free-port.ts';

export class RedisServerMissingError extends Error {
  override name = 'RedisServerMissingError';
  constructor(binary: string) {
    super(
      `redis-server was not found (looked for "${binary}"). Install it with ` +
        `"apt-get install -y redis-server" (Debian/Ubuntu), or set REDIS_URL to use a ` +
        `Redis you run yourself.`,
    );
  }
}

export interface RedisServerOptions {
  /** Path or name of the redis-server binary. @default 'redis-server' */
  binary?: string;
  /** Port to listen on. @default a free port */
  port?: number;
  /** Password clients must send with AUTH. @default none */
  password?: string;
  /** How long to wait for the server to accept connections. @default 10000 */
  startTimeoutMs?: number;
}

/**
 * A redis-server process of our own on loopback, with no persistence, for tests and the
 * local cluster. It can be stopped and started again on the same port to simulate an outage.
 */
export class RedisServer {
  readonly host = '127.0.0.1';
  port = 0;
  private process: ChildProcess | null = null;
  private directory = '';
  private readonly binary: string;
  private readonly password: string | undefined;
  private readonly startTimeoutMs: number;
  private readonly requestedPort: number | undefined;

  constructor(options: RedisServerOptions = {}) {
    this.binary = options.binary ?? 'redis-server';
    this.password = options.password;
    this.startTimeoutMs = options.startTimeoutMs ?? 10_000;
    this.requestedPort = options.port;
  }

  get url(): string {
    const auth = this.password === undefined ? '' : `:${encodeURIComponent(this.password)}@`;
    return `redis://${auth}${this.host}:${this.port}`;
  }

  get running(): boolean {
    return this.process !== null && this.process.exitCode === null;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Returns the redis-server version, e.g. "7.0.15", or throws RedisServerMissingError. */
  version(): string {
    const result = spawnSync(this.binary, ['--version'], { encoding: 'utf8' });
    if (result.error !== undefined) {
      throw new RedisServerMissingError(this.binary);
    }
    const match = /v=(\d+\.\d+\.\d+)/.exec(result.stdout);
    return match?.[1] ?? 'unknown';
  }

  async start(): Promise<void> {
    if (this.running) {
      return;
    }
    this.version();
    if (this.port === 0) {
      this.port = this.requestedPort ?? (await findFreePort(this.host));
    }
    if (this.directory === '') {
      this.directory = await mkdtemp(join(tmpdir(), 'chat-redis-'));
    }

    const args = [
      '--port',
      String(this.port),
      '--bind',
      this.host,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.directory,
      '--loglevel',
      'warning',
    ];
    if (this.password !== undefined) {
      args.push('--requirepass', this.password);
    }

    // Its own process group, as for the replicas: a terminal's Ctrl-C is the owner's to handle.
    const child = spawn(this.binary, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    trackChild(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    this.process = child;
    await this.waitUntilAccepting(() => stderr);
  }

  /** Stops the server; SIGKILL simulates a crash, SIGTERM a clean shutdown. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.process;
    this.process = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) {
      return;
    }

    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the server and removes its working directory. */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.directory !== '') {
      await rm(this.directory, { recursive: true, force: true });
      this.directory = '';
    }
  }

  private async waitUntilAccepting(readStderr: () => string): Promise<void> {
    const deadline = Date.now() + this.startTimeoutMs;
    while (Date.now() < deadline) {
      if (this.process === null || this.process.exitCode !== null) {
        throw new Error(
          `redis-server on port ${this.port} exited during start-up: ${readStderr().trim()}`,
        );
      }
      if (await canConnect(this.host, this.port)) {
        return;
      }
      await sleep(25);
    }
    await this.stop('SIGKILL');
    throw new Error(
      `redis-server on port ${this.port} did not accept connections within ` +
        `${this.startTimeoutMs} ms`,
    );
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
