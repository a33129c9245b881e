/**
 * The cost of each fault of a step, from the worker files. The delivery counts by send time
 * are split at the fault's edges. The dropped connections give the reconnect times, and the
 * cross-replica losses give the time until cross-replica delivery resumed.
 */

import type { SendTimeSlices } from '../measure/send-time-counts.ts';
import type { WorkerFile } from '../measure/worker-file.ts';
import type { DeliveryPart, FaultSummary } from '../results/fault-summary.ts';
import { createHistogram, summariseEncoded, summariseHistogram } from '../results/histogram.ts';
import type { LatencyInterval } from '../results/summary.ts';
import { type FaultEvent, type FaultSpec, formatFaultSpec } from './fault-spec.ts';

/** A fault as the step scheduled it, and what the provider reported. */
export interface InjectedFault {
  spec: FaultSpec;
  event: FaultEvent;
}

type Counts = Omit<SendTimeSlices, 'sliceMs'>;

/** Builds one summary per fault, in injection order; `measureStartMs` in epoch ms. */
export function summariseFaults(
  workers: WorkerFile[],
  faults: InjectedFault[],
  measureStartMs: number,
  timeline: LatencyInterval[] = [],
): FaultSummary[] {
  const slices = mergeSlices(workers);
  const drops = workers.flatMap((file) => file.drops ?? []);
  const ordered = [...faults].sort((a, b) => a.event.injectedAtMs - b.event.injectedAtMs);
  const sliceCount = slices.expected.length;

  let previousEnd = 0;
  return ordered.map(({ spec, event }, position) => {
    const injectedAtMs = event.injectedAtMs - measureStartMs;
    const recoveredAtMs =
      event.recoveredAtMs === null ? null : event.recoveredAtMs - measureStartMs;
    const next = ordered[position + 1];
    const nextAtMs = next === undefined ? null : next.event.injectedAtMs - measureStartMs;

    // Edges round outward, so that "after recovery" holds only messages sent after it.
    const slice = slices.sliceMs;
    const duringFrom = clamp(Math.floor(injectedAtMs / slice), sliceCount);
    const duringTo =
      recoveredAtMs === null ? sliceCount : clamp(Math.ceil(recoveredAtMs / slice), sliceCount);
    const afterTo =
      nextAtMs === null
        ? sliceCount
        : Math.max(duringTo, clamp(Math.floor(nextAtMs / slice), sliceCount));
    const beforeFrom = Math.min(previousEnd, duringFrom);
    previousEnd = afterTo;

    return {
      kind: spec.kind,
      spec: formatFaultSpec(spec),
      target: event.target,
      injectedAtMs: round(injectedAtMs),
      recoveredAtMs: recoveredAtMs === null ? null : round(recoveredAtMs),
      error: event.error,
      clients: reconnects(drops, injectedAtMs, nextAtMs),
      beforeFault: part(slices, beforeFrom, duringFrom),
      duringOutage: part(slices, duringFrom, duringTo),
      afterRecovery: part(slices, duringTo, afterTo),
      outageLatency: outageLatency(timeline, injectedAtMs, recoveredAtMs),
      crossResumedAfterMs: crossResumed(slices, duringFrom, afterTo, injectedAtMs),
      sliceMs: slice,
    };
  });
}

/** Adds the threads' slices up; every thread of a step has the same window and slice length. */
function mergeSlices(workers: WorkerFile[]): SendTimeSlices {
  const present = workers.flatMap((file) => (file.sendTimeSlices ? [file.sendTimeSlices] : []));
  const length = Math.max(0, ...present.map((slices) => slices.expected.length));
  const merged: SendTimeSlices = {
    sliceMs: present[0]?.sliceMs ?? 1_000,
    expected: zeros(length),
    delivered: zeros(length),
    lost: zeros(length),
    lostToDisconnects: zeros(length),
    duplicated: zeros(length),
    crossExpected: zeros(length),
    crossLost: zeros(length),
  };
  for (const slices of present) {
    for (const field of Object.keys(merged) as (keyof SendTimeSlices)[]) {
      if (field === 'sliceMs') {
        continue;
      }
      slices[field].forEach((value, index) => {
        merged[field][index]! += value;
      });
    }
  }
  return merged;
}

function part(slices: SendTimeSlices, from: number, to: number): DeliveryPart {
  const total = (field: keyof Counts) => sumRange(slices[field], from, to);
  return {
    fromMs: from * slices.sliceMs,
    toMs: to * slices.sliceMs,
    expected: total('expected'),
    delivered: total('delivered'),
    lost: total('lost'),
    lostToDisconnects: total('lostToDisconnects'),
    duplicated: total('duplicated'),
  };
}

/** Drops from the injection until the next fault, with the time each took to rejoin. */
function reconnects(
  drops: [number, number | null][],
  fromMs: number,
  untilMs: number | null,
): FaultSummary['clients'] {
  const histogram = createHistogram();
  let disconnected = 0;
  for (const [atMs, rejoinMs] of drops) {
    if (atMs < fromMs || (untilMs !== null && atMs >= untilMs)) {
      continue;
    }
    disconnected += 1;
    if (rejoinMs !== null) {
      histogram.recordValue(Math.max(1, Math.round(rejoinMs * 1_000)));
    }
  }
  return {
    disconnected,
    reconnected: histogram.totalCount,
    reconnect: summariseHistogram(histogram),
  };
}

/**
 * Finds the first slice with cross-replica deliveries after which none was lost up to `to`.
 * Returns its start relative to the injection, or null when the last slice lost some.
 */
function crossResumed(slices: SendTimeSlices, from: number, to: number, injectedAtMs: number) {
  let resumed: number | null = null;
  for (let index = to - 1; index >= from; index -= 1) {
    if (slices.crossLost[index]! > 0) {
      break;
    }
    if (slices.crossExpected[index]! > 0) {
      resumed = index;
    }
  }
  if (resumed === null) {
    return null;
  }
  return round(Math.max(0, resumed * slices.sliceMs - injectedAtMs));
}

/**
 * Merges the latency of the timeline slices whose messages were sent during the outage,
 * from the slice holding the injection to the one holding the recovery (or the last).
 */
function outageLatency(
  timeline: LatencyInterval[],
  injectedAtMs: number,
  recoveredAtMs: number | null,
): FaultSummary['outageLatency'] {
  const injected = injectedAtMs / 1_000;
  const recovered = recoveredAtMs === null ? Number.POSITIVE_INFINITY : recoveredAtMs / 1_000;
  const slices = timeline.filter(
    (slice) => slice.start + slice.seconds > injected && slice.start < recovered,
  );
  const last = slices.at(-1);
  return {
    fromSeconds: slices[0]?.start ?? injected,
    toSeconds: last === undefined ? injected : last.start + last.seconds,
    same: summariseEncoded(slices.map((slice) => slice.same.histogram)),
    cross: summariseEncoded(slices.map((slice) => slice.cross.histogram)),
  };
}

function sumRange(values: number[], from: number, to: number): number {
  let total = 0;
  for (let index = from; index < to; index += 1) {
    total += values[index] ?? 0;
  }
  return total;
}

function clamp(index: number, count: number): number {
  return Math.min(Math.max(index, 0), count);
}

function zeros(length: number): number[] {
  return new Array<number>(length).fill(0);
}

function round(ms: number): number {
  return Math.round(ms);
}
