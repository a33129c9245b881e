import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AdapterMode } from '../../../server/src/protocol.ts';
import { trackChild } from './child-cleanup.ts';
import { findFreePort } from './free-port.ts';
import { LOG_LEVEL, ReplicaOutput } from './replica-output.ts';

const PROJECT_ROOT = resolve(import.meta.dirname, '../../..');
const SERVER_MAIN = 'server/src/main.ts';
const HOST = '127.0.0.1';
const READY_POLL_MS = 100;
const READY_REQUEST_TIMEOUT_MS = 1_000;

export interface ReplicaProcessOptions {
  /** Replica id, passed as REPLICA_ID and sent to every client, e.g. 'replica-1'. */
  id: string;
  /** Redis the replica uses as its backplane, passed as REDIS_URL. */
  redisUrl: string;
  /** Backplane flavour, passed as CHAT_ADAPTER. @default 'pubsub' */
  adapter?: AdapterMode;
  /** Prefix of the replica's Redis channels, passed as CHAT_CHANNEL_PREFIX. @default 'chat' */
  channelPrefix?: string;
  /** Port on 127.0.0.1, kept across restarts. @default a free port */
  port?: number;
  /** More environment variables; they cannot override the ones above. @default {} */
  extraEnv?: Record<string, string>;
  /** File the server's stdout and stderr are appended to. @default none: output is dropped */
  logFile?: string;
  /** Restarts allowed after unexpected exits, over the life of this object. @default 10 */
  maxRestarts?: number;
  /** Wait between an unexpected exit and the restart, in ms. @default 500 */
  restartDelayMs?: number;
  /** Wait between SIGTERM and SIGKILL when stopping, in ms. @default 5000 */
  stopTimeoutMs?: number;
}

export interface ReplicaExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether a restart is scheduled; false once the restart budget is used up. */
  restarting: boolean;
}

interface ReplicaEvents {
  exit: [ReplicaExit];
  restart: [{ restarts: number; pid: number | undefined }];
}

export class ReplicaNotReadyError extends Error {
  override name = 'ReplicaNotReadyError';
  readonly replicaId: string;
  readonly lastStatus: string;

  constructor(replicaId: string, detail: string, lastStatus: string, output: string) {
    const recent = output === '' ? '' : `\nlast output:\n${output}`;
    super(`replica ${replicaId} ${detail} (last /readyz result: ${lastStatus})${recent}`);
    this.replicaId = replicaId;
    this.lastStatus = lastStatus;
  }
}

/**
 * One chat server replica run as `node server/src/main.ts` from the repository root, on its
 * own port on 127.0.0.1. As with a Swarm restart policy, an unexpected exit starts it again
 * with the same id and port after a short delay, up to `maxRestarts` times. After stop() it
 * stays down.
 */
export class ReplicaProcess extends EventEmitter<ReplicaEvents> {
  readonly id: string;
  port: number;
  /** Restarts after unexpected exits so far. */
  restarts = 0;
  private readonly options: Required<Omit<ReplicaProcessOptions, 'port' | 'logFile'>>;
  private readonly output: ReplicaOutput;
  private child: ChildProcess | null = null;
  private lastPid: number | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  /** Reason the replica stays down after using up its restarts, or null. */
  private gaveUp: string | null = null;

  constructor(options: ReplicaProcessOptions) {
    super();
    this.id = options.id;
    this.port = options.port ?? 0;
    this.output = new ReplicaOutput(options.id, options.logFile);
    this.options = {
      id: options.id,
      redisUrl: options.redisUrl,
      adapter: options.adapter ?? 'pubsub',
      channelPrefix: options.channelPrefix ?? 'chat',
      extraEnv: options.extraEnv ?? {},
      maxRestarts: options.maxRestarts ?? 10,
      restartDelayMs: options.restartDelayMs ?? 500,
      stopTimeoutMs: options.stopTimeoutMs ?? 5_000,
    };
  }

  get url(): string {
    return `http://${HOST}:${this.port}`;
  }

  get metricsUrl(): string {
    return `${this.url}/metrics`;
  }

  /** Process id of the running server, or of the last one while a restart is pending. */
  get pid(): number | undefined {
    return this.lastPid;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts the server process; it may not be ready yet (see waitUntilReady). */
  async start(): Promise<void> {
    if (this.child !== null || this.restartTimer !== null) {
      return;
    }
    this.stopping = false;
    this.gaveUp = null;

    if (this.port === 0) {
      this.port = await findFreePort(HOST);
    }
    await this.output.open();
    this.spawnServer();
  }

  /** Stops the server with SIGTERM (SIGKILL after stopTimeoutMs); it is not restarted. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== null) {
      clearTimeout(this.restartTimer);
      this.restartTimer = null;
    }

    const child = this.child;
    if (child !== null) {
      const closed = once(child, 'close');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), this.options.stopTimeoutMs);
      await closed;
      clearTimeout(timer);
    }
    await this.output.close();
  }

  /**
   * Kills the server with SIGKILL, as a crash would, and resolves once it has exited. The
   * restart policy then starts it again.
   */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === null) {
      return;
    }
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /**
   * Polls GET /readyz until it returns 200, across a pending restart. Throws
   * ReplicaNotReadyError on timeout, when the replica stays down or when it is stopped.
   */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastStatus = 'no request made yet';

    for (;;) {
      if (this.gaveUp !== null) {
        throw new ReplicaNotReadyError(this.id, this.gaveUp, lastStatus, this.output.recent());
      }
      if (this.stopping) {
        throw new ReplicaNotReadyError(this.id, 'was stopped', lastStatus, '');
      }
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) {
        break;
      }

      if (this.running) {
        const probe = await this.probeReady(remainingMs);
        if (probe.ready) {
          return;
        }
        lastStatus = probe.status;
      } else {
        lastStatus = 'process not running';
      }
      await sleep(Math.min(READY_POLL_MS, Math.max(0, deadline - Date.now())));
    }

    const detail = `on port ${this.port} was not ready within ${timeoutMs} ms`;
    throw new ReplicaNotReadyError(this.id, detail, lastStatus, this.output.recent());
  }

  private async probeReady(remainingMs: number): Promise<{ ready: boolean; status: string }> {
    const timeoutMs = Math.min(READY_REQUEST_TIMEOUT_MS, remainingMs);
    try {
      const response = await fetch(`${this.url}/readyz`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
      return { ready: response.status === 200, status: `HTTP ${response.status}` };
    } catch (error) {
      return { ready: false, status: describeRequestError(error) };
    }
  }

  private spawnServer(): void {
    const env = {
      ...process.env,
      ...this.options.extraEnv,
      PORT: String(this.port),
      HOST,
      REPLICA_ID: this.id,
      REDIS_URL: this.options.redisUrl,
      CHAT_ADAPTER: this.options.adapter,
      CHAT_CHANNEL_PREFIX: this.options.channelPrefix,
    };
    // A process group of its own keeps a terminal's Ctrl-C from reaching the server, so the
    // owner can still read its /metrics before stopping it. The owner's exit and signal hooks
    // (child-cleanup.ts) stop it when the owner ends.
    const child = spawn(process.execPath, [SERVER_MAIN], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    trackChild(child);

    child.stdout?.on('data', (chunk: Buffer) => this.output.record(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.output.record(chunk));
    child.on('error', (error) => {
      this.output.note(LOG_LEVEL.error, `replica process error: ${error.message}`);
      // A process that could not be spawned emits no 'exit'; treat it as one that died.
      if (child.pid === undefined) {
        this.onExit(child, null, null);
      }
    });
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    this.child = child;
    this.lastPid = child.pid;
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) {
      return;
    }
    this.child = null;
    if (this.stopping) {
      return;
    }

    const restarting = this.restarts < this.options.maxRestarts;
    const cause = signal === null ? `with code ${code}` : `on ${signal}`;
    if (restarting) {
      const delay = this.options.restartDelayMs;
      this.output.note(LOG_LEVEL.warn, `replica exited ${cause}: restarting in ${delay} ms`);
      this.restartTimer = setTimeout(() => this.restart(), this.options.restartDelayMs);
    } else {
      this.gaveUp = `exited ${cause} after ${this.restarts} restarts, the maximum allowed`;
      this.output.note(LOG_LEVEL.error, `replica ${this.gaveUp}: not restarting`);
    }
    this.emit('exit', { code, signal, restarting });
  }

  private restart(): void {
    this.restartTimer = null;
    this.restarts += 1;
    this.spawnServer();
    this.emit('restart', { restarts: this.restarts, pid: this.lastPid });
  }
}

function describeRequestError(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error);
  }
  const cause = error.cause as NodeJS.ErrnoException | undefined;
  if (cause?.code !== undefined) {
    return cause.code;
  }
  return error.name === 'TimeoutError' ? 'request timed out' : error.message;
}
