/**
 * Step 6, repeatability: the harness step of step 3 run several times in one loadtest run
 * (`--repeat`, one cluster), and the spread of its cross-replica p50 over the repeats.
 */
import type { StepSummary } from '../../loadtest/src/results/summary.ts';
import {
  type HarnessPlan,
  type HarnessShape,
  harnessArgs,
  harnessShape,
  loadtestTimeoutMs,
} from './harness.ts';
import { fromSummary, type LatencyFigures } from './latency.ts';
import { type LoadtestRun, lastLine, runLoadtest } from './loadtest-cli.ts';
import type { LightLoad } from './one-way.ts';
import { NotRunError } from './part.ts';

export interface RepeatPlan {
  /** Times the light harness step runs, at least 2. */
  repeats: number;
}

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export interface RepeatRun {
  /** Repetition number, from 1. */
  repeat: number;
  cross: LatencyFigures;
  sent: number;
  delivered: number;
  lost: number;
  valid: boolean;
  reasons: string[];
}

export interface RepeatSpread {
  /** Spread of the repeats' cross-replica p50, µs. */
  p50: Spread;
  /** (max - min) / median of the repeats' cross-replica p50, percent, two decimals. */
  spreadPercent: number;
}

export interface RepeatabilityFigures extends HarnessShape, RepeatSpread {
  runs: RepeatRun[];
  runDir: string;
}

export async function measureRepeatability(
  load: LightLoad,
  timeline: HarnessPlan,
  plan: RepeatPlan,
  outDir: string,
): Promise<RepeatabilityFigures> {
  const shape = harnessShape(load);
  const args = [
    ...harnessArgs(shape, load.messageBytes, timeline),
    ...['--repeat', String(plan.repeats)],
  ];
  const run = await runLoadtest(args, outDir, plan.repeats * loadtestTimeoutMs(timeline));

  const problem = repeatsProblem(run, plan.repeats);
  if (problem !== null) {
    throw new NotRunError(problem);
  }
  const runs = run.steps.map(repeatRun);
  return { ...shape, runs, ...spreadOfRuns(runs), runDir: outDir };
}

/** Returns why the run has fewer complete repeats than planned, else null. */
function repeatsProblem(run: LoadtestRun, repeats: number): string | null {
  const complete = run.steps.filter((step) => step.complete).length;
  if (complete >= repeats) {
    return null;
  }
  const cause = run.timedOut
    ? 'the loadtest did not finish within its time limit'
    : `the loadtest exited with code ${run.exitCode}: ${lastLine(run.outputTail)}`;
  return `only ${complete} of ${repeats} repeats completed: ${cause} (run folder ${run.outDir})`;
}

function repeatRun(step: StepSummary): RepeatRun {
  return {
    repeat: step.repeat,
    cross: fromSummary(step.latency.cross),
    sent: step.messages.sent,
    delivered: step.messages.delivered,
    lost: step.messages.lost,
    valid: step.valid,
    reasons: step.reasons,
  };
}

/** Computes the spread of the runs' cross-replica p50; throws on fewer than two runs. */
export function spreadOfRuns(runs: readonly RepeatRun[]): RepeatSpread {
  if (runs.length < 2) {
    throw new RangeError(`a spread needs at least 2 repeats, got ${runs.length}`);
  }
  const p50 = spreadOf(runs.map((run) => run.cross.p50));
  const percent = p50.median === 0 ? 0 : (100 * (p50.max - p50.min)) / p50.median;
  return { p50, spreadPercent: Math.round(percent * 100) / 100 };
}

/** Returns min, median and max; the median of an even count is the mean of the middle two. */
export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { min: sorted[0]!, median, max: sorted.at(-1)! };
}
