/**
 * Child processes the bench starts (relays, plain Socket.IO server, chat replicas) and what
 * the kernel reports about them: CPU seconds and resident memory from /proc (Linux only).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { trackChild } from '../../loadtest/src/cluster/child-cleanup.ts';

/** Time a stopped process gets to exit after SIGTERM before it is killed. */
const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_CHARS = 4_000;

export class ChildStartError extends Error {
  override name = 'ChildStartError';
}

export interface ChildOptions {
  /** Program arguments after the Node binary, e.g. [scriptPath, '--port', '0']. */
  args: string[];
  env?: Record<string, string>;
  /** Resolves the start once a stdout line matches. */
  readyLine: RegExp;
  /** @default 15000 */
  startTimeoutMs?: number;
}

/** A Node child process that prints a line when it is ready, and keeps its output's tail. */
export class NodeChild {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The stdout line that matched `readyLine`. */
  readyText = '';
  private output = '';

  private constructor(child: ChildProcess) {
    this.child = child;
    this.pid = child.pid!;
  }

  static async start(options: ChildOptions): Promise<NodeChild> {
    const child = spawn(process.execPath, options.args, {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = new NodeChild(child);
    trackChild(child);
    child.stderr?.on('data', (chunk: Buffer) => started.keep(chunk));
    await started.waitForReady(options.readyLine, options.startTimeoutMs ?? 15_000);
    return started;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Returns the last few thousand characters the process printed. */
  outputTail(): string {
    return this.output.trim();
  }

  /** Sends SIGTERM and waits for the exit; SIGKILL after the grace period. */
  async stop(): Promise<void> {
    if (!this.running) {
      return;
    }
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  private keep(chunk: Buffer): void {
    this.output = (this.output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  }

  private waitForReady(readyLine: RegExp, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let pending = '';
      const fail = (reason: string) => {
        clearTimeout(timer);
        this.child.kill('SIGKILL');
        reject(new ChildStartError(`${reason}. Its output:\n${this.outputTail()}`));
      };
      const timer = setTimeout(
        () => fail(`process ${this.pid} did not print a ready line within ${timeoutMs} ms`),
        timeoutMs,
      );
      this.child.once('exit', (code, signal) =>
        fail(`process ${this.pid} exited during start-up (${code ?? signal})`),
      );
      this.child.stdout?.on('data', (chunk: Buffer) => {
        this.keep(chunk);
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        const ready = lines.find((line) => readyLine.test(line));
        if (ready !== undefined && this.readyText === '') {
          this.readyText = ready;
          clearTimeout(timer);
          this.child.removeAllListeners('exit');
          resolve();
        }
      });
    });
  }
}

export interface ProcessUsage {
  /** User plus system CPU time since the process started, seconds. */
  cpuSeconds: number;
  /** Resident set size now, bytes. */
  rssBytes: number;
}

let clockTicks: number | undefined;

/** Kernel clock ticks per second, the unit of CPU times in /proc/PID/stat. */
function ticksPerSecond(): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  return clockTicks;
}

/** Reads CPU time and RSS of a process from /proc; throws when the process is gone. */
export function readProcessUsage(pid: number): ProcessUsage {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name in field 2 may contain spaces, so fields are counted after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);

  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKilobytes = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  return {
    cpuSeconds: (userTicks + systemTicks) / ticksPerSecond(),
    rssBytes: rssKilobytes * 1024,
  };
}

/** Adds up the usage of several processes. */
export function readTotalUsage(pids: number[]): ProcessUsage {
  const usages = pids.map(readProcessUsage);
  return {
    cpuSeconds: usages.reduce((sum, usage) => sum + usage.cpuSeconds, 0),
    rssBytes: usages.reduce((sum, usage) => sum + usage.rssBytes, 0),
  };
}
