/**
 * The open-file limit the bench needs for its largest capacity step. Every socket is a file,
 * and the loadtest, its Artillery and the replicas inherit this process's limit. Node raises
 * its soft limit to the hard limit at start-up, so the hard limit is what counts. When it is
 * too low, the bench runs itself again under `prlimit --nofile=N:N` instead of failing
 * part-way through a step.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readOpenFileLimit } from './host.ts';

/** Set in the re-run process; contains the limit before the re-run, e.g. "1024:4096". */
export const RAISED_ENV = 'BENCH_OPEN_FILES_BEFORE';

export interface OpenFiles {
  /** The soft limit this process runs with. */
  limit: number;
  /** One sentence on what was done, printed and stored with the results. */
  note: string;
}

/**
 * Returns the limit to run with. When the current one is below `needed` and this process is
 * not already the re-run, it runs the bench again under prlimit and exits with its code.
 */
export async function ensureOpenFiles(needed: number): Promise<OpenFiles> {
  const current = readOpenFileLimit();
  const before = process.env[RAISED_ENV];
  if (before !== undefined) {
    return {
      limit: current.soft,
      note:
        `open-file limit raised from ${before} (soft:hard) to ${current.soft} by re-running ` +
        `the bench under "prlimit --nofile=${current.soft}:${current.hard}"`,
    };
  }
  if (current.soft >= needed) {
    return { limit: current.soft, note: `open-file limit ${current.soft}, enough for this plan` };
  }

  // Only root may raise the hard limit; anyone may raise the soft limit up to it.
  const isRoot = process.getuid?.() === 0;
  const target = isRoot ? needed : Math.min(needed, current.hard);
  if (target <= current.soft) {
    return {
      limit: current.soft,
      note:
        `open-file limit ${current.soft} is below the ${needed} this plan needs and cannot be ` +
        `raised without root (hard limit ${current.hard}); larger steps are not run`,
    };
  }
  const refused = probePrlimit(target);
  if (refused !== null) {
    return {
      limit: current.soft,
      note:
        `open-file limit ${current.soft} is below the ${needed} this plan needs and could not ` +
        `be raised (${refused}); larger steps are not run`,
    };
  }
  const code = await rerunUnderPrlimit(target, `${current.soft}:${current.hard}`);
  if (code !== null) {
    process.exit(code);
  }
  return {
    limit: current.soft,
    note:
      `open-file limit ${current.soft} is below the ${needed} this plan needs, and prlimit ` +
      'could not be started to raise it; larger steps are not run',
  };
}

/**
 * Tries `prlimit --nofile=N:N -- true`; returns null when it works, else why not. Even root
 * may not raise the hard limit, e.g. in a container without CAP_SYS_RESOURCE.
 */
function probePrlimit(limit: number): string | null {
  const result = spawnSync('prlimit', [`--nofile=${limit}:${limit}`, '--', 'true'], {
    encoding: 'utf8',
  });
  if (result.error !== undefined) {
    return `prlimit was not found: ${result.error.message}; it comes with util-linux`;
  }
  if (result.status !== 0) {
    return result.stderr.trim() || `prlimit exited with code ${result.status}`;
  }
  return null;
}

/** Runs the bench again under prlimit; returns its exit code, or null if prlimit is missing. */
async function rerunUnderPrlimit(limit: number, before: string): Promise<number | null> {
  const args = [
    `--nofile=${limit}:${limit}`,
    '--',
    process.execPath,
    ...process.execArgv,
    ...process.argv.slice(1),
  ];
  console.log(`bench: raising the open-file limit to ${limit}: prlimit ${args.join(' ')}`);
  const child = spawn('prlimit', args, {
    stdio: 'inherit',
    env: { ...process.env, [RAISED_ENV]: before },
  });

  // Ctrl-C reaches the whole process group, so the re-run receives it directly. A signal sent
  // to this process alone is passed on.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    if (code === null) {
      return signal === 'SIGINT' ? 130 : 1;
    }
    return code;
  } catch {
    return null;
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGTERM', forward);
  }
}
