/**
 * Following a running step: the server and Redis snapshots at both edges of the measure
 * window, then Artillery's exit, or stopping Artillery on an abort or a missed deadline.
 */
import type { ArtilleryProcess } from './artillery.ts';
import { ArtilleryError } from './errors.ts';
import type { Snapshot } from './figures.ts';
import type { StepTarget } from './step.ts';
import type { StepTimeline } from './timeline.ts';

export interface WatchedStep {
  before: Snapshot | null;
  after: Snapshot | null;
  complete: boolean;
  /** When the measure window ended: its planned end, or earlier if the step was cut short. */
  measureEndedMs: number;
  reasons: string[];
  error: ArtilleryError | null;
}

/**
 * Follows the running step to its end: snapshots at the start and end of the measure window,
 * then Artillery's exit. Stops Artillery when the signal aborts or the deadline passes.
 */
export async function watchStep(
  artillery: ArtilleryProcess,
  timeline: StepTimeline,
  target: StepTarget,
  signal: AbortSignal,
  readConnected: () => Promise<number>,
): Promise<WatchedStep> {
  const watched: WatchedStep = {
    before: null,
    after: null,
    complete: true,
    measureEndedMs: timeline.measureEndMs,
    reasons: [],
    error: null,
  };

  let event = await waitFor(timeline.measureStartMs, artillery, signal);
  if (event === 'time') {
    const connected = await readConnected();
    watched.before = await target.snapshot();
    watched.reasons.push(...connectedReasons(connected, timeline.phases[0]!.arrivalCount));
    event = await waitFor(timeline.measureEndMs, artillery, signal);
  }
  if (event === 'time') {
    watched.after = await target.snapshot();
    event = await waitFor(timeline.deadlineMs, artillery, signal);
  }

  const cutShort = watched.after === null;
  if (watched.before !== null && cutShort) {
    // Ended inside the measure window: the server figures cover the part that ran.
    watched.measureEndedMs = Date.now();
    watched.after = await target.snapshot();
  }
  if (event === 'exit') {
    await recordExit(watched, artillery, cutShort);
    return watched;
  }

  watched.complete = false;
  watched.reasons.push(
    event === 'abort'
      ? `the run was interrupted (${String(signal.reason)}) during the step, so its figures ` +
          'are partial'
      : 'Artillery was still running long after the drain window ended and was stopped',
  );
  await artillery.stop();
  return watched;
}

async function recordExit(
  watched: WatchedStep,
  artillery: ArtilleryProcess,
  cutShort: boolean,
): Promise<void> {
  const exit = await artillery.exited;
  if (exit.code !== 0) {
    const status = exit.code === null ? `signal ${exit.signal}` : `code ${exit.code}`;
    watched.complete = false;
    watched.error = new ArtilleryError(
      `Artillery exited with ${status} during the step. Its last output:\n` +
        artillery.outputTail(),
    );
    watched.reasons.push('Artillery failed during the step, so its figures are partial');
  } else if (cutShort) {
    watched.complete = false;
    watched.reasons.push('Artillery exited before the measure window ended');
  }
}

type WaitEvent = 'time' | 'exit' | 'abort';

/** Waits until `atMs`, Artillery's exit or the abort signal, whichever comes first. */
async function waitFor(
  atMs: number,
  artillery: ArtilleryProcess,
  signal: AbortSignal,
): Promise<WaitEvent> {
  if (signal.aborted) {
    return 'abort';
  }

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const events: Promise<WaitEvent>[] = [
    new Promise((resolve) => {
      timer = setTimeout(() => resolve('time'), Math.max(0, atMs - Date.now()));
    }),
    artillery.exited.then(() => 'exit'),
    new Promise((resolve) => {
      onAbort = () => resolve('abort');
      signal.addEventListener('abort', onAbort, { once: true });
    }),
  ];
  const event = await Promise.race(events);
  clearTimeout(timer);
  signal.removeEventListener('abort', onAbort!);
  return event;
}

function connectedReasons(connected: number, target: number): string[] {
  if (connected >= target) {
    return [];
  }
  return [
    `only ${connected} of ${target} clients had joined their rooms when the measure window ` +
      'started; lengthen --ramp or --settle, or lower --clients',
  ];
}
