/**
 * The run folder: created fresh for every run (an existing one is never reused), with JSON
 * files written atomically, so a reader or a run killed mid-write never leaves half a file.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OutputExistsError, UsageError } from './errors.ts';

/** Creates the run folder and its parents; throws OutputExistsError if it exists already. */
export async function createRunFolder(dir: string): Promise<void> {
  try {
    await mkdir(dirname(dir), { recursive: true });
  } catch (error) {
    throw cannotCreate(dir, error as Error);
  }

  try {
    await mkdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new OutputExistsError(dir);
    }
    throw cannotCreate(dir, error as Error);
  }
}

function cannotCreate(dir: string, error: Error): UsageError {
  return new UsageError(
    `cannot create the run folder ${dir}: ${error.message}. Pass an --out folder in a ` +
      'place you can write to.',
    { cause: error },
  );
}

/** Writes `value` as indented JSON to a temporary file beside `path`, then renames it. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temporary, path);
}

/** Files of one step inside the run folder. */
export interface StepPaths {
  dir: string;
  /** Artillery's own JSON report (`artillery run --output`). */
  artilleryJson: string;
  /** Artillery's console output. */
  artilleryLog: string;
  /** Result files of the load-generator threads. */
  workers: string;
  /** Logs of the local cluster's replicas during this step. */
  replicaLogs: string;
}

export function stepPaths(runDir: string, index: number): StepPaths {
  const dir = join(runDir, 'steps', String(index));
  return {
    dir,
    artilleryJson: join(dir, 'artillery.json'),
    artilleryLog: join(dir, 'artillery.log'),
    workers: join(dir, 'workers'),
    replicaLogs: join(dir, 'replicas'),
  };
}
