/**
 * The format of a run folder's summary.json. docs/results.md explains each field; the
 * measuring method behind the numbers is in docs/method.md.
 */
import type { FaultSummary } from './fault-summary.ts';

/** Latency figures in milliseconds, plus the histogram they came from. */
export interface LatencySummary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  /** hdr-histogram-js encoded histogram (base64, compressed) of values in microseconds. */
  histogram: string;
}

export interface MessageCounts {
  sent: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** Deliveries to clients that were not members when the message was sent. */
  unexpected: number;
  /** Of `lost`: messages missed by clients whose connection dropped during the step. */
  lostToDisconnects: number;
}

export interface ConnectSummary {
  /** Time from starting a connection to the server's join acknowledgement. */
  latency: LatencySummary;
  attempts: number;
  errors: number;
  disconnects: number;
  reconnects: number;
}

export interface GeneratorHealth {
  /** Event-loop delay p99 in milliseconds, worst load-generator thread. */
  loopDelayP99: number;
  /** CPU use in percent of one core, busiest load-generator thread. */
  cpuPercent: number;
  /** How late sends left relative to their schedule, milliseconds. */
  scheduleLag: LatencySummary;
  /** Load-generator process memory (RSS) at the end of the step, bytes. */
  rssBytes: number;
  workers: number;
}

/** One replica's figures, deltas over the measure window unless named otherwise. */
export interface ServerFigures {
  replica: string;
  /** Connected clients at the end of the measure window. */
  connections: number;
  messagesReceived: number;
  messagesDelivered: number;
  backplanePublished: number;
  backplaneReceived: number;
  cpuSeconds: number;
  rssBytes: number;
  heapUsedBytes: number;
  loopDelayP99Ms: number;
}

export interface RedisFigures {
  cpuSeconds: number;
  commandsProcessed: number;
  pubsubChannels: number;
  usedMemoryBytes: number;
}

/**
 * One memory reading: seconds from the start of the measure window (negative while clients
 * connect), resident memory in bytes, and heap used in bytes or null where it cannot be read.
 */
export type MemorySample = [seconds: number, rssBytes: number, heapUsedBytes: number | null];

/** Memory of one process over a step, read every few seconds. */
export interface MemorySeries {
  /** A replica id, "generator" (Artillery's process tree) or "loadtest" (the orchestrator). */
  process: string;
  kind: 'replica' | 'generator' | 'loadtest';
  samples: MemorySample[];
  /** Least-squares slope over the measure window in MiB per minute, or null below two readings. */
  rssSlopeMiBPerMinute: number | null;
  heapSlopeMiBPerMinute: number | null;
  /** Readings that failed, such as a replica that did not respond. */
  failedReadings: number;
}

export interface StepMemory {
  /** Planned start of the measure window, ISO 8601. Reading times count from it. */
  measureStartedAt: string;
  /** Seconds between readings; doubled each time long series are thinned to stay bounded. */
  intervalSeconds: number;
  series: MemorySeries[];
}

/** Latency percentiles for one slice of the measure window. */
export interface LatencyInterval {
  /** Seconds from the start of the measure window to the start of the slice. */
  start: number;
  seconds: number;
  delivered: number;
  same: LatencySummary;
  cross: LatencySummary;
}

export interface StepSummary {
  index: number;
  replicas: number;
  /** Repetition number, from 1, when a step is repeated. */
  repeat: number;
  adapter: string;
  scenario: string;
  startedAt: string;
  endedAt: string;
  /** Seconds of the measure window. */
  measureSeconds: number;
  /** False when the step ended early (Ctrl-C, failure); its figures are partial. */
  complete: boolean;
  clients: { target: number; peak: number };
  messages: MessageCounts;
  /** Deliveries per second over the measure window. */
  throughput: number;
  latency: { same: LatencySummary; cross: LatencySummary; all: LatencySummary };
  timeline: LatencyInterval[];
  connect: ConnectSummary;
  generator: GeneratorHealth;
  servers: ServerFigures[];
  redis: RedisFigures | null;
  /** Memory over the step; absent in summaries written before it was recorded. */
  memory?: StepMemory;
  /** Each --fault injected in the step, in order; absent without --fault. */
  faults?: FaultSummary[];
  valid: boolean;
  reasons: string[];
}

export interface Summary {
  steps: StepSummary[];
}
