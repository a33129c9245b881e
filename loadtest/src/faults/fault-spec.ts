/**
 * Faults a step can inject (`--fault KIND@TIME`), and the record of what happened when one
 * was injected. Times of a spec are ms into the measure window; times of an event are epoch ms.
 */
import { parseDurationMs } from '../cli/durations.ts';

export const FAULT_KINDS = ['kill-replica', 'restart-redis'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  kind: FaultKind;
  /** When to inject it, ms after the start of the measure window. */
  atMs: number;
}

/** The outcome of one injected fault; the step converts its times into window offsets. */
export interface FaultEvent {
  kind: FaultKind;
  /** The component hit: a replica id, a Swarm task name or the Redis service. */
  target: string;
  /** When the fault was injected, epoch ms. */
  injectedAtMs: number;
  /** When the target served again (ready), epoch ms; null when it did not recover in time. */
  recoveredAtMs: number | null;
  /** The failure of injecting or recovering; null when both worked. */
  error: string | null;
}

export class FaultSpecError extends Error {
  override name = 'FaultSpecError';
}

/** Parses `KIND@TIME`, e.g. `kill-replica@30s`; throws FaultSpecError naming what is wrong. */
export function parseFaultSpec(text: string): FaultSpec {
  const at = text.lastIndexOf('@');
  if (at < 0) {
    throw new FaultSpecError(
      `expected KIND@TIME such as kill-replica@30s, with KIND one of ${FAULT_KINDS.join(', ')}`,
    );
  }

  const kind = text.slice(0, at).trim();
  if (!(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new FaultSpecError(
      `unknown fault kind "${kind}"; expected one of ${FAULT_KINDS.join(', ')}`,
    );
  }
  const atMs = parseDurationMs(text.slice(at + 1));
  if (atMs === null) {
    throw new FaultSpecError(
      `invalid time "${text.slice(at + 1)}"; expected a duration into the measure window ` +
        'such as 30s, 1m30s or 45 (seconds)',
    );
  }
  return { kind: kind as FaultKind, atMs };
}

/** Returns a spec as it was written on the command line, e.g. `restart-redis@30s`. */
export function formatFaultSpec(spec: FaultSpec): string {
  const seconds = Math.round(spec.atMs) / 1_000;
  return `${spec.kind}@${seconds}s`;
}
