import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { trackChild } from '../cluster/child-cleanup.ts';
import { LOG_LEVEL, ReplicaOutput } from '../cluster/replica-output.ts';

export interface NamespaceProcessOptions {
  /** Name in output and errors, e.g. 'redis' or 'replica-1'. */
  id: string;
  /** Network namespace to run in. */
  namespace: string;
  command: string;
  args: string[];
  /** The whole environment of the process. */
  env: NodeJS.ProcessEnv;
  /** Working directory. @default this process's */
  cwd?: string;
  /** File stdout and stderr are appended to. @default none: output is kept in memory only */
  logFile?: string;
  /** Wait between SIGTERM and SIGKILL when stopping, in ms. @default 5000 */
  stopTimeoutMs?: number;
}

/**
 * One program run inside a network namespace with `ip netns exec`. iproute2 enters the
 * namespace and then replaces itself with the program (exec, no fork), so the child's pid is
 * the program's and signals reach it directly. It is not restarted when it exits.
 */
export class NamespaceProcess {
  readonly id: string;
  private readonly options: NamespaceProcessOptions;
  private readonly output: ReplicaOutput;
  private child: ChildProcess | null = null;
  private exitDescription: string | null = null;

  constructor(options: NamespaceProcessOptions) {
    this.id = options.id;
    this.options = options;
    this.output = new ReplicaOutput(options.id, options.logFile);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Description of the process's end, e.g. "exited with code 1", or null while it runs. */
  get exit(): string | null {
    return this.exitDescription;
  }

  async start(): Promise<void> {
    await this.output.open();
    const { namespace, command, args, env, cwd } = this.options;

    const child = spawn('ip', ['netns', 'exec', namespace, command, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(child);
    child.stdout?.on('data', (chunk: Buffer) => this.output.record(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.output.record(chunk));
    child.on('error', (error) => {
      this.exitDescription = `could not be started: ${error.message}`;
      this.output.note(LOG_LEVEL.error, `${this.id} ${this.exitDescription}`);
    });
    child.once('exit', (code, signal) => {
      this.exitDescription = signal === null ? `exited with code ${code}` : `ended by ${signal}`;
    });
    this.child = child;
  }

  /** Stops the process with SIGTERM, SIGKILL after stopTimeoutMs, and closes its log. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child !== null && this.exitDescription === null) {
      const closed = once(child, 'close');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), this.options.stopTimeoutMs ?? 5_000);
      await closed;
      clearTimeout(timer);
    }
    await this.output.close();
  }

  /** Returns the last lines of output, for error messages. */
  recentOutput(): string {
    return this.output.recent();
  }
}
