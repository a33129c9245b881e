/**
 * Runs `docker` commands. In dry-run mode it only records them, so a caller can print the
 * plan of a sweep without a Docker engine.
 */
import { execFile } from 'node:child_process';

export class DockerCommandError extends Error {
  override name = 'DockerCommandError';
  readonly args: readonly string[];
  readonly stderr: string;

  constructor(args: readonly string[], stderr: string, cause: unknown) {
    const detail = stderr.trim() === '' ? (cause as Error).message : stderr.trim();
    super(`docker ${args.join(' ')} failed: ${detail}`, { cause });
    this.args = args;
    this.stderr = stderr;
  }
}

export class DockerCli {
  /** Every command run or, in dry-run mode, planned, in order. */
  readonly commands: string[][] = [];
  readonly dryRun: boolean;
  private readonly executable: string;
  private readonly timeoutMs: number;

  constructor(executable: string, timeoutMs: number, dryRun: boolean) {
    this.executable = executable;
    this.timeoutMs = timeoutMs;
    this.dryRun = dryRun;
  }

  /** Runs `docker ARGS` and returns its standard output; in dry-run mode returns "". */
  run(args: readonly string[]): Promise<string> {
    this.commands.push([...args]);
    if (this.dryRun) {
      return Promise.resolve('');
    }

    return new Promise((resolve, reject) => {
      execFile(
        this.executable,
        args,
        { timeout: this.timeoutMs, maxBuffer: 4 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error !== null) {
            reject(new DockerCommandError(args, stderr, error));
            return;
          }
          resolve(stdout);
        },
      );
    });
  }
}

/** Formats a command as a shell line, quoting arguments that need it, for dry-run output. */
export function commandLine(args: readonly string[]): string {
  const quoted = args.map((arg) =>
    /^[\w./=:@%+,-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`,
  );
  return ['docker', ...quoted].join(' ');
}
