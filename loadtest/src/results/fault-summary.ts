/** The `faults` section of a step in summary.json: what each injected fault cost. */
import type { LatencySummary } from './summary.ts';

/**
 * Deliveries of the messages sent in one part of the measure window, counted exactly:
 * `expected = delivered + lost`. The part's edges are rounded outward to the send-time slices.
 */
export interface DeliveryPart {
  /** Start and end of the part, ms into the measure window. */
  fromMs: number;
  toMs: number;
  expected: number;
  delivered: number;
  lost: number;
  /** Of `lost`: deliveries whose receiver or sender lost its connection during the step. */
  lostToDisconnects: number;
  duplicated: number;
}

/** One injected fault. Times are ms into the measure window. */
export interface FaultSummary {
  kind: string;
  /** The fault as given on the command line, e.g. kill-replica@30s. */
  spec: string;
  /** The component hit: a replica id, a Swarm task or Redis. */
  target: string;
  injectedAtMs: number;
  /** When the target was ready again; null when it did not recover in time. */
  recoveredAtMs: number | null;
  /** The failure of injecting or recovering; null when both worked. */
  error: string | null;
  /** Connections that dropped from this fault until the next one, and their rejoins. */
  clients: { disconnected: number; reconnected: number; reconnect: LatencySummary };
  /**
   * Messages sent before the injection, since the end of the previous fault's part or the
   * start of the window. Losses here are messages in flight when the fault hit.
   */
  beforeFault: DeliveryPart;
  /** Messages sent from the injection until the recovery (to the end, without recovery). */
  duringOutage: DeliveryPart;
  /** Messages sent after the recovery, until the next fault or the end of the window. */
  afterRecovery: DeliveryPart;
  /**
   * Latency of the deliveries of messages sent during the outage, from the slices of the
   * step's latency timeline that overlap it, so its edges are rounded outward to whole slices.
   */
  outageLatency: {
    fromSeconds: number;
    toSeconds: number;
    same: LatencySummary;
    cross: LatencySummary;
  };
  /**
   * Time from the injection to the start of the first send-time slice after which no
   * cross-replica delivery was lost; 0 when none was, null when losses lasted to the end.
   */
  crossResumedAfterMs: number | null;
  /** Length of the send-time slices, ms: the precision of the parts' edges. */
  sliceMs: number;
}
