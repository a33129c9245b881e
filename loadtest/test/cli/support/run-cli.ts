import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../src/cli/paths.ts';

const MAIN = join(PROJECT_ROOT, 'loadtest', 'src', 'cli', 'main.ts');
/** Time the CLI gets to stop its cluster after the time-out's SIGINT. */
const KILL_AFTER_MS = 20_000;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  child: ChildProcess;
  /** Resolves once stdout contains `text`; rejects if the process exits first. */
  waitForOutput(text: string): Promise<void>;
  result: Promise<CliResult>;
}

/**
 * Starts `node loadtest/src/cli/main.ts` with `args`. After `timeoutMs` it is interrupted,
 * and killed if it has not exited 20 s later.
 */
export function startCli(
  args: string[],
  options: {
    timeoutMs: number;
    env?: Record<string, string>;
    /** Start it in a process group of its own, as a terminal starts a command. */
    ownGroup?: boolean;
  },
): CliRun {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownGroup ?? false,
  });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const waiter of waiters.filter((item) => stdout.includes(item.text))) {
      waiter.resolve();
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });

  // On time-out the CLI first gets SIGINT, so it still stops the cluster it started.
  const interrupter = setTimeout(() => child.kill('SIGINT'), options.timeoutMs);
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs + KILL_AFTER_MS);
  const result = once(child, 'close').then(([code, signal]) => {
    clearTimeout(interrupter);
    clearTimeout(killer);
    return { code, signal, stdout, stderr } as CliResult;
  });

  const waitForOutput = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (stdout.includes(text)) {
        resolve();
        return;
      }
      waiters.push({ text, resolve });
      void result.then((final) =>
        reject(
          new Error(`the CLI exited before printing "${text}":\n${final.stdout}\n${final.stderr}`),
        ),
      );
    });

  return { child, waitForOutput, result };
}

export function runCli(
  args: string[],
  options: { timeoutMs: number; env?: Record<string, string> },
): Promise<CliResult> {
  return startCli(args, options).result;
}

/** True while a process with this id exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
