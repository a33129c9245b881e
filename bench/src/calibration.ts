/**
 * Calibration of the harness: the same light `rooms` step through `npm run loadtest` on two
 * local 2-replica clusters, one with CHAT_DELIVERY_DELAY_MS=0 and one with the known delay.
 * The delay must show up as a shift of the measured p50 by that amount, within a tolerance.
 *
 * The two runs go at the same time, because background load on a shared host changes from
 * one run to the next by more than the tolerance, while two concurrent runs see the same load.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepSummary } from '../../loadtest/src/results/summary.ts';
import { type HarnessPlan, type HarnessShape, harnessArgs, loadtestTimeoutMs } from './harness.ts';
import { fromSummary, type LatencyFigures } from './latency.ts';
import { runLoadtest, runProblem } from './loadtest-cli.ts';
import { NotRunError } from './part.ts';

export interface CalibrationPlan {
  /** CHAT_DELIVERY_DELAY_MS of the delayed run, whole milliseconds. */
  delayMs: number;
  /** Largest allowed difference between the p50 shift and the delay, ms. */
  toleranceMs: number;
  /** Rooms of 4 over 2 replicas, so every message has same- and cross-replica deliveries. */
  shape: HarnessShape;
  messageBytes: number;
  timeline: HarnessPlan;
}

export interface DelayRun {
  /** CHAT_DELIVERY_DELAY_MS given to the replicas. */
  delayMs: number;
  /**
   * Delay each replica logged at start, read from its log in the run folder; 0 for a replica
   * that logged no calibration warning.
   */
  replicaDelaysMs: number[];
  same: LatencyFigures;
  cross: LatencyFigures;
  sent: number;
  delivered: number;
  lost: number;
  valid: boolean;
  reasons: string[];
  runDir: string;
}

/** How far the delayed run's percentiles are above the undelayed run's, ms. */
export interface LatencyShift {
  p50Ms: number;
  p99Ms: number;
}

export type DeliveryKind = 'same' | 'cross';

export interface CalibrationFigures extends HarnessShape {
  delayMs: number;
  toleranceMs: number;
  baseline: DelayRun;
  delayed: DelayRun;
  /** Null for a kind that had no deliveries in one of the runs. */
  shift: Record<DeliveryKind, LatencyShift | null>;
  /** 1, or 2 when a run of the first pair was not valid and both ran again. */
  attempt: number;
  /** Reasons the first pair was not used; empty on the first attempt. */
  discarded: string[];
  passed: boolean;
  /** Reasons the calibration failed; empty when it passed. */
  failures: string[];
}

/** The attempt the figures come from, and why an earlier one was not used. */
export interface CalibrationAttempt {
  attempt: number;
  discarded: string[];
}

export const DELIVERY_KINDS: readonly DeliveryKind[] = ['cross', 'same'];

export const KIND_NAMES: Record<DeliveryKind, string> = {
  same: 'same-replica',
  cross: 'cross-replica',
};

/**
 * Runs the undelayed and the delayed step at the same time and compares their latency. When
 * a run is not valid, both run once more, because one stall of a shared host can spoil a run
 * (the capacity sweep retries its steps for the same reason).
 */
export async function measureCalibration(
  plan: CalibrationPlan,
  outDir: string,
  log: (line: string) => void = () => {},
): Promise<CalibrationFigures> {
  const first = await runPair(plan, outDir, '');
  const invalid = [first.baseline, first.delayed].filter((run) => !run.valid);
  if (invalid.length === 0) {
    return compareRuns(plan, first.baseline, first.delayed);
  }

  const discarded = invalid.map(invalidReason);
  log(`calibration: ${discarded.join('; ')}; running both once more`);
  const second = await runPair(plan, outDir, '-run2');
  return compareRuns(plan, second.baseline, second.delayed, { attempt: 2, discarded });
}

async function runPair(
  plan: CalibrationPlan,
  outDir: string,
  suffix: string,
): Promise<{ baseline: DelayRun; delayed: DelayRun }> {
  // allSettled, so that a failed run does not leave the other one running unwatched.
  const [baseline, delayed] = await Promise.allSettled([
    runWithDelay(plan, 0, join(outDir, `delay-0${suffix}`)),
    runWithDelay(plan, plan.delayMs, join(outDir, `delay-${plan.delayMs}${suffix}`)),
  ]);
  if (baseline.status === 'rejected') {
    throw baseline.reason;
  }
  if (delayed.status === 'rejected') {
    throw delayed.reason;
  }
  return { baseline: baseline.value, delayed: delayed.value };
}

async function runWithDelay(
  plan: CalibrationPlan,
  delayMs: number,
  runDir: string,
): Promise<DelayRun> {
  const args = harnessArgs(plan.shape, plan.messageBytes, plan.timeline);
  // Set even when 0, so that a value in the bench's own environment cannot reach the replicas.
  const env = { CHAT_DELIVERY_DELAY_MS: String(delayMs) };
  const run = await runLoadtest(args, runDir, loadtestTimeoutMs(plan.timeline), { env });
  const problem = runProblem(run);
  if (problem !== null || run.step === null) {
    throw new NotRunError(
      `the run with CHAT_DELIVERY_DELAY_MS=${delayMs}: ${problem ?? 'wrote no step'}`,
    );
  }
  return delayRun(delayMs, await loggedDelays(runDir), run.step, runDir);
}

function delayRun(
  delayMs: number,
  replicaDelaysMs: number[],
  step: StepSummary,
  runDir: string,
): DelayRun {
  return {
    delayMs,
    replicaDelaysMs,
    same: fromSummary(step.latency.same),
    cross: fromSummary(step.latency.cross),
    sent: step.messages.sent,
    delivered: step.messages.delivered,
    lost: step.messages.lost,
    valid: step.valid,
    reasons: step.reasons,
    runDir,
  };
}

/**
 * Reads the delay each replica of the run logged at start. The chat server logs a warning
 * with `deliveryDelayMs` when the delay is on and nothing when it is off, so a log without
 * that field means 0.
 */
export async function loggedDelays(runDir: string): Promise<number[]> {
  const logsDir = join(runDir, 'logs');
  const delays: number[] = [];
  for (const cluster of await readdir(logsDir)) {
    for (const file of await readdir(join(logsDir, cluster))) {
      const text = await readFile(join(logsDir, cluster, file), 'utf8');
      const match = /"deliveryDelayMs":(\d+(?:\.\d+)?)/.exec(text);
      delays.push(match === null ? 0 : Number(match[1]));
    }
  }
  return delays;
}

/** Computes the shifts and the verdict from two runs' figures. */
export function compareRuns(
  plan: CalibrationPlan,
  baseline: DelayRun,
  delayed: DelayRun,
  attempt: CalibrationAttempt = { attempt: 1, discarded: [] },
): CalibrationFigures {
  const shift = {
    same: shiftOf(baseline.same, delayed.same),
    cross: shiftOf(baseline.cross, delayed.cross),
  };
  const failures = [
    ...runFailures(baseline),
    ...runFailures(delayed),
    ...DELIVERY_KINDS.flatMap((kind) => shiftFailures(kind, shift[kind], plan)),
  ];
  return {
    ...plan.shape,
    delayMs: plan.delayMs,
    toleranceMs: plan.toleranceMs,
    baseline,
    delayed,
    shift,
    ...attempt,
    passed: failures.length === 0,
    failures,
  };
}

function shiftOf(before: LatencyFigures, after: LatencyFigures): LatencyShift | null {
  if (before.count === 0 || after.count === 0) {
    return null;
  }
  return {
    p50Ms: (after.p50 - before.p50) / 1000,
    p99Ms: (after.p99 - before.p99) / 1000,
  };
}

/** Lists what disqualifies a run: not valid, or a replica that ran with another delay. */
function runFailures(run: DelayRun): string[] {
  const failures: string[] = [];
  if (!run.valid) {
    failures.push(invalidReason(run));
  }
  const name = `the run with CHAT_DELIVERY_DELAY_MS=${run.delayMs}`;
  const wrong = run.replicaDelaysMs.filter((delay) => delay !== run.delayMs);
  if (run.replicaDelaysMs.length === 0 || wrong.length > 0) {
    failures.push(
      `${name} had replicas that logged delays [${run.replicaDelaysMs.join(', ')}] ms, ` +
        `expected ${run.delayMs} ms for each`,
    );
  }
  return failures;
}

function invalidReason(run: DelayRun): string {
  const reasons = run.reasons.join('; ');
  return `the run with CHAT_DELIVERY_DELAY_MS=${run.delayMs} was not valid (${reasons})`;
}

function shiftFailures(
  kind: DeliveryKind,
  shift: LatencyShift | null,
  plan: CalibrationPlan,
): string[] {
  if (shift === null) {
    return [`no ${KIND_NAMES[kind]} deliveries in one of the runs`];
  }
  const error = Math.abs(shift.p50Ms - plan.delayMs);
  if (error <= plan.toleranceMs) {
    return [];
  }
  return [
    `the ${KIND_NAMES[kind]} p50 shift ${formatMs(shift.p50Ms)} ms is ${formatMs(error)} ms ` +
      `from the delay, more than the tolerance of ${plan.toleranceMs} ms`,
  ];
}

/** Formats milliseconds with two decimals, e.g. 10.04. */
export function formatMs(value: number): string {
  return value.toFixed(2);
}
