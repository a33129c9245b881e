/** The parts of a step that change when it injects faults. */
import { readWorkerFiles } from '../measure/aggregate.ts';
import type { FaultSummary } from '../results/fault-summary.ts';
import type { LatencyInterval } from '../results/summary.ts';
import { summariseFaults } from './fault-outcome.ts';
import type { FaultSchedule } from './fault-schedule.ts';
import { formatFaultSpec } from './fault-spec.ts';

/** Latency timeline slices of a fault run, s: fine enough to show an outage of seconds. */
export const FAULT_TIMELINE_SLICE_SECONDS = 1;
/** Most send-time slices per thread, to bound the worker files of long fault runs. */
const MAX_SEND_SLICES = 3_000;

/** Slice length of the delivery counts by send time: 100 ms, longer for long windows. */
export function sendSliceMs(durationMs: number): number {
  return Math.max(100, Math.ceil(durationMs / MAX_SEND_SLICES / 100) * 100);
}

export interface StepFaults {
  faults: FaultSummary[];
  /** A reason against the step for each fault that could not be injected or recovered. */
  reasons: string[];
}

/** Waits for the faults to settle, then sums up what each cost from the worker files. */
export async function collectFaults(
  schedule: FaultSchedule,
  workerDir: string,
  stepId: string,
  measureStartMs: number,
  timeline: LatencyInterval[],
): Promise<StepFaults> {
  const injected = await schedule.finish();
  const { workers } = await readWorkerFiles(workerDir, stepId);

  const reasons = injected
    .filter(({ event }) => event.error !== null)
    .map(({ spec, event }) => `fault ${formatFaultSpec(spec)} failed: ${event.error}`);
  return { faults: summariseFaults(workers, injected, measureStartMs, timeline), reasons };
}
