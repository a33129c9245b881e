import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { RunSuffix } from './names.ts';

const WATCHDOG_MAIN = join(import.meta.dirname, 'watchdog-main.ts');

/**
 * The owner's side of a run's watchdog process (see watchdog-main.ts): a pipe that closes
 * when this process ends, however it ends, so the watchdog cleans up after it.
 */
export class Watchdog {
  private readonly child: ChildProcess;

  private constructor(child: ChildProcess) {
    this.child = child;
  }

  /** Starts the watchdog of run `suffix`; it does not keep this process alive. */
  static start(suffix: RunSuffix): Watchdog {
    // detached: its own session, so a Ctrl-C to our process group does not reach it. Its
    // output is ignored: holding our stdout or stderr open would keep readers of those pipes
    // waiting after we exit.
    const child = spawn(process.execPath, [WATCHDOG_MAIN, suffix], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.unref();
    child.stdin?.on('error', () => {
      // The watchdog already exited, e.g. killed by someone: cleanupStale() covers that case.
    });
    return new Watchdog(child);
  }

  /** Tells the watchdog the run was cleaned up, so it exits without doing anything. */
  release(): void {
    this.child.stdin?.end('release\n');
  }
}
