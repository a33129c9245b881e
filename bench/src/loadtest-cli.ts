/**
 * `npm run loadtest` as a child process: a check that it can start at all, and one run with
 * given flags whose summary.json is read back. Steps 3, 4 and 6 and the calibration go through
 * it, so they measure the harness exactly as a user runs it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepSummary, Summary } from '../../loadtest/src/results/summary.ts';
import { findProjectRoot } from '../../server/src/project-root.ts';

export const PROJECT_ROOT = findProjectRoot(import.meta.dirname);
export const LOADTEST_MAIN = join(PROJECT_ROOT, 'loadtest', 'src', 'cli', 'main.ts');

/** Time the loadtest gets to stop its step and cluster after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 30_000;
const HELP_TIMEOUT_MS = 30_000;
const OUTPUT_TAIL_CHARS = 3_000;

/** Loadtest runs in progress, so that an interrupted bench can stop them cleanly. */
const running = new Set<ChildProcess>();

/**
 * Sends SIGTERM to every loadtest still running: each records its step, stops its cluster
 * and exits. Resolves when all have exited.
 */
export async function stopRunningLoadtests(): Promise<void> {
  const exits = [...running].map((child) => once(child, 'close'));
  for (const child of running) {
    child.kill('SIGTERM');
  }
  await Promise.all(exits);
}

export interface LoadtestRun {
  /** Exit code; null when it ended by a signal. */
  exitCode: number | null;
  /** The first step of summary.json; null when the run wrote none. */
  step: StepSummary | null;
  /** Every step of summary.json, in run order (several with `--repeat`). */
  steps: StepSummary[];
  outDir: string;
  /** The last lines the loadtest printed, for "not run" reasons. */
  outputTail: string;
  timedOut: boolean;
}

/**
 * Returns null when `node loadtest/src/cli/main.ts --help` exits with 0, else the reason it
 * cannot be used (missing, failing import, non-zero exit), for a "not run" line.
 */
export async function loadtestUnavailable(main = LOADTEST_MAIN): Promise<string | null> {
  if (!existsSync(main)) {
    return `the loadtest CLI ${main} does not exist`;
  }
  const child = spawn(process.execPath, [main, '--help'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), HELP_TIMEOUT_MS);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  if (code === 0) {
    return null;
  }
  const status = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
  return `"npm run loadtest -- --help" ${status}: ${lastLine(output())}`;
}

export interface LoadtestRunOptions {
  /**
   * Extra environment of the loadtest process. Its local replicas inherit it, so this is how
   * the bench sets server variables such as CHAT_DELIVERY_DELAY_MS. @default {}
   */
  env?: Record<string, string>;
  /** @default LOADTEST_MAIN */
  main?: string;
}

/**
 * Runs the loadtest with `args` plus `--out outDir`, lets it run for at most `timeoutMs`
 * (then SIGTERM, which makes it record the step and stop its cluster), and reads its summary.
 */
/** Exit status of `npm run loadtest` for an invalid flag or an existing run folder. */
const LOADTEST_USAGE_EXIT = 2;

export async function runLoadtest(
  args: string[],
  outDir: string,
  timeoutMs: number,
  options: LoadtestRunOptions = {},
): Promise<LoadtestRun> {
  const env = { ...process.env, ...options.env };
  const main = options.main ?? LOADTEST_MAIN;
  // The loadtest starts a redis-server of its own unless REDIS_URL is set.
  delete env.REDIS_URL;
  const child = spawn(process.execPath, [main, ...args, '--out', outDir], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  running.add(child);
  child.once('close', () => running.delete(child));

  let timedOut = false;
  let killer: NodeJS.Timeout | undefined;
  const stopper = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
    killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  }, timeoutMs);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(stopper);
  clearTimeout(killer);

  if (code === LOADTEST_USAGE_EXIT) {
    // An invalid flag or an existing run folder: any summary.json there is not from this run.
    throw new Error(`the loadtest rejected its flags or run folder (exit 2): ${output().trim()}`);
  }
  const steps = await readSteps(outDir);
  return {
    exitCode: code,
    step: steps[0] ?? null,
    steps,
    outDir,
    outputTail: output(),
    timedOut,
  };
}

/** Returns a one-line reason when a run produced no usable step, else null. */
export function runProblem(run: LoadtestRun): string | null {
  if (run.step?.complete === true) {
    return null;
  }
  if (run.timedOut) {
    return `the loadtest did not finish within its time limit (run folder ${run.outDir})`;
  }
  const status = run.exitCode === null ? 'was killed' : `exited with code ${run.exitCode}`;
  const outcome = run.step === null ? 'wrote no step' : 'left its step incomplete';
  return `the loadtest ${status} and ${outcome}: ${lastLine(run.outputTail)} (run folder ${run.outDir})`;
}

/** Reads the steps of the run's summary.json; none when the run wrote no readable summary. */
async function readSteps(outDir: string): Promise<StepSummary[]> {
  try {
    const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as Summary;
    return summary.steps;
  } catch {
    return [];
  }
}

function collectOutput(child: ChildProcess): () => string {
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output.trim();
}

/** Picks the line that explains a failure: the last error line, else the last plain line. */
export function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('at ') && !line.startsWith('Node.js v'));
  const errors = lines.filter((line) => /error|loadtest:/i.test(line));
  return errors.at(-1) ?? lines.at(-1) ?? '(no output)';
}
