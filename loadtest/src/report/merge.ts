/**
 * `npm run report -- --merge OUT_DIR RUN_DIR...`: joins run folders written at the same time
 * by several load generators into one run folder with run.json and summary.json. Only
 * those two files are written; each generator's steps/ folder stays in its own run folder.
 */
import { access, mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { StepSummary, Summary } from '../results/summary.ts';
import { countOf, stepNumber } from './format.ts';
import { mergeStep } from './merge-step.ts';
import { type RunFolder, type RunInfo, readRunFolder } from './run-folder.ts';

export class RunMergeError extends Error {
  override name = 'RunMergeError';
}

export interface MergedRun {
  dir: string;
  run: RunInfo;
  summary: Summary;
}

/** Fields that must agree for two steps to be the same step seen by two generators. */
const MATCHED_FIELDS = ['index', 'replicas', 'repeat', 'adapter', 'scenario'] as const;

export async function mergeRunFolders(
  outDir: string,
  runDirs: readonly string[],
): Promise<MergedRun> {
  if (runDirs.length < 2) {
    throw new RunMergeError(
      `--merge needs at least two run folders to merge, got ${runDirs.length}: ` +
        'npm run report -- --merge OUT_DIR RUN_DIR RUN_DIR...',
    );
  }
  const out = resolve(outDir);
  const folders = await Promise.all(runDirs.map(readRunFolder));
  if (folders.some((folder) => folder.dir === out)) {
    throw new RunMergeError(`the output folder ${out} is also an input; choose a new folder`);
  }
  await checkOutputFree(out);

  const generators = folders.map(generatorName);
  checkDistinct(folders, generators);
  const summary = { steps: mergeSteps(folders, generators) };
  const run = mergeRunInfo(folders, generators, out);

  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  await writeFile(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return { dir: out, run, summary };
}

async function checkOutputFree(out: string): Promise<void> {
  const existing = join(out, 'summary.json');
  const exists = await access(existing).then(
    () => true,
    () => false,
  );
  if (exists) {
    throw new RunMergeError(`${existing} already exists; remove it or choose another OUT_DIR`);
  }
}

function generatorName(folder: RunFolder): string {
  const ids = folder.run.generators;
  if (Array.isArray(ids) && ids.length > 0) {
    return ids.join('+');
  }
  return folder.run.id ?? basename(folder.dir);
}

/**
 * Rooms are named after their generator, so two folders from one generator id would have
 * shared rooms across hosts, whose latencies mix two clocks.
 */
function checkDistinct(folders: readonly RunFolder[], generators: readonly string[]): void {
  generators.forEach((name, i) => {
    const j = generators.indexOf(name);
    if (j !== i) {
      throw new RunMergeError(
        `${folders[j]!.dir} and ${folders[i]!.dir} were both written by load generator ` +
          `"${name}"; merged runs must come from generators with distinct ids`,
      );
    }
  });
}

function mergeSteps(folders: readonly RunFolder[], generators: readonly string[]): StepSummary[] {
  const first = folders[0]!;
  for (const folder of folders.slice(1)) {
    if (folder.summary.steps.length !== first.summary.steps.length) {
      throw new RunMergeError(
        `${folder.dir} has ${countOf(folder.summary.steps.length, 'step')} but ${first.dir} ` +
          `has ${first.summary.steps.length}; merge only runs made together with the same sweep`,
      );
    }
  }

  return first.summary.steps.map((_, position) => {
    const parts = folders.map((folder, i) => ({
      generator: generators[i]!,
      step: folder.summary.steps[position]!,
    }));
    for (let i = 1; i < parts.length; i++) {
      checkSameStep(parts[0]!.step, parts[i]!.step, first.dir, folders[i]!.dir);
    }
    return mergeStep(parts);
  });
}

function checkSameStep(a: StepSummary, b: StepSummary, aDir: string, bDir: string): void {
  for (const field of MATCHED_FIELDS) {
    if (a[field] !== b[field]) {
      throw new RunMergeError(
        `step ${stepNumber(a.index)} does not match: ${field} is ${JSON.stringify(a[field])} in ${aDir} ` +
          `but ${JSON.stringify(b[field])} in ${bDir}. Steps are matched by position, index ` +
          'and replica count; merge only runs made together with the same sweep.',
      );
    }
  }
}

function mergeRunInfo(folders: readonly RunFolder[], generators: string[], out: string): RunInfo {
  const runs = folders.map((folder) => folder.run);
  const notes = [...new Set(runs.map((run) => run.hostNote).filter((note) => note !== undefined))];
  const starts = runs.map((run) => run.startedAt).filter((start) => start !== undefined);
  return {
    ...runs[0],
    id: basename(out),
    startedAt: starts.sort()[0],
    generators: generators.flatMap((name) => name.split('+')),
    sharedHost: sharedHostOf(runs),
    hostNote: notes.length === 0 ? undefined : notes.join(' '),
    mergedFrom: folders.map((folder) => folder.dir),
  };
}

/** True when any generator shared its host, false when every run.json states it did not. */
function sharedHostOf(runs: readonly RunInfo[]): boolean | undefined {
  if (runs.some((run) => run.sharedHost === true)) {
    return true;
  }
  return runs.every((run) => run.sharedHost === false) ? false : undefined;
}
