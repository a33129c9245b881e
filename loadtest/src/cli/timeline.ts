/**
 * The timeline of one step, in epoch milliseconds: Artillery start-up, clients arriving over
 * the ramp, settle, the measure window, the drain window. The load generator receives these
 * times through the step environment and schedules its sends from them.
 */

/**
 * Time allowed from spawning Artillery to its first arrival: loading Artillery, its worker
 * threads and the TypeScript processor. An estimate with room to spare: Artillery 2.0.34 took
 * about 4.5 s on a 2-core machine with an idle local cluster. A slower start only shortens
 * the settle time, and a step whose clients are not all connected when measuring starts
 * lists that in its reasons.
 */
export const ARTILLERY_START_ALLOWANCE_MS = 8_000;

/** Time Artillery may take after the drain window to write its report and exit. */
export const ARTILLERY_EXIT_GRACE_MS = 30_000;

export interface StepTimeline {
  /** When Artillery is started. */
  startMs: number;
  /** Expected first arrival; the real one depends on Artillery's start-up time. */
  rampStartMs: number;
  rampEndMs: number;
  measureStartMs: number;
  measureEndMs: number;
  drainEndMs: number;
  /** Artillery is stopped if still running at this time, and the step is incomplete. */
  deadlineMs: number;
  /** Artillery `config.phases`: every client arrives over the ramp, at an even pace. */
  phases: { duration: number; arrivalCount: number }[];
}

export interface TimelineInput {
  clients: number;
  /** Whole seconds; Artillery phase durations are given in seconds. */
  rampMs: number;
  settleMs: number;
  durationMs: number;
  drainMs: number;
}

export function planTimeline(input: TimelineInput, nowMs: number): StepTimeline {
  const rampStartMs = nowMs + ARTILLERY_START_ALLOWANCE_MS;
  const rampEndMs = rampStartMs + input.rampMs;
  const measureStartMs = rampEndMs + input.settleMs;
  const measureEndMs = measureStartMs + input.durationMs;
  const drainEndMs = measureEndMs + input.drainMs;

  return {
    startMs: nowMs,
    rampStartMs,
    rampEndMs,
    measureStartMs,
    measureEndMs,
    drainEndMs,
    deadlineMs: drainEndMs + ARTILLERY_EXIT_GRACE_MS,
    phases: [{ duration: Math.ceil(input.rampMs / 1_000), arrivalCount: input.clients }],
  };
}

export type StepPhase = 'connect' | 'measure' | 'drain' | 'finish';

/** Returns the phase of the step at `nowMs`; start-up, ramp and settle are all `connect`. */
export function phaseAt(timeline: StepTimeline, nowMs: number): StepPhase {
  if (nowMs < timeline.measureStartMs) {
    return 'connect';
  }
  if (nowMs < timeline.measureEndMs) {
    return 'measure';
  }
  if (nowMs < timeline.drainEndMs) {
    return 'drain';
  }
  return 'finish';
}
