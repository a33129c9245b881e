/**
 * Artillery as a child process: `artillery run` on a scenario with the step's phases, target
 * and environment, its console output kept in a log file, stopped on request.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { ArtilleryError } from './errors.ts';
import { ARTILLERY_BIN } from './paths.ts';

export interface ArtilleryOptions {
  scenarioPath: string;
  target: string;
  phases: { duration: number; arrivalCount: number }[];
  /** Step environment (stepEnv), added to this process's environment. */
  env: Record<string, string>;
  /** Artillery's JSON report. */
  outputPath: string;
  /** File that receives Artillery's console output. */
  logPath: string;
}

export interface ArtilleryExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Time Artillery gets to stop its worker threads after SIGTERM before it is killed. */
const STOP_GRACE_MS = 10_000;
const TAIL_CHARS = 2_000;

export class ArtilleryProcess {
  readonly pid: number;
  /** Resolves when Artillery has exited and its log is closed; never rejects. */
  readonly exited: Promise<ArtilleryExit>;
  private readonly child: ChildProcess;
  private tail = '';
  private stopping = false;

  private constructor(child: ChildProcess, log: WriteStream) {
    this.child = child;
    this.pid = child.pid!;
    const keep = (chunk: Buffer) => {
      log.write(chunk);
      this.tail = (this.tail + chunk.toString()).slice(-TAIL_CHARS);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = once(child, 'close').then(async ([code, signal]) => {
      await new Promise((resolve) => log.end(resolve));
      return { code, signal } as ArtilleryExit;
    });
  }

  /** Starts `artillery run`; throws ArtilleryError when the process cannot be started. */
  static async start(options: ArtilleryOptions): Promise<ArtilleryProcess> {
    const log = createWriteStream(options.logPath);
    await once(log, 'open');

    const args = [
      ARTILLERY_BIN,
      'run',
      '--output',
      options.outputPath,
      '--overrides',
      JSON.stringify({ config: { phases: options.phases } }),
      '--target',
      options.target,
      options.scenarioPath,
    ];
    // Detached: a Ctrl-C in the terminal reaches only the orchestrator, which stops Artillery
    // itself after recording the step, instead of both racing to shut down.
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...options.env, ARTILLERY_DISABLE_TELEMETRY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });

    const [error] = await Promise.race([
      once(child, 'spawn').then(() => [null] as const),
      once(child, 'error') as Promise<[Error]>,
    ]);
    if (error !== null) {
      log.end();
      throw new ArtilleryError(
        `cannot start Artillery (${ARTILLERY_BIN}): ${error.message}. Run "npm ci" to ` +
          'install it.',
        { cause: error },
      );
    }
    return new ArtilleryProcess(child, log);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Returns the last lines Artillery printed, for error messages. */
  outputTail(): string {
    return this.tail.trim();
  }

  /** Asks Artillery to shut down (SIGTERM), kills it if it has not exited in time. */
  async stop(): Promise<ArtilleryExit> {
    if (this.running && !this.stopping) {
      this.stopping = true;
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.kill(), STOP_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  /** Ends Artillery at once (SIGKILL). */
  kill(): void {
    if (this.running) {
      this.child.kill('SIGKILL');
    }
  }
}
