/**
 * The data behind report.html and report.md, written as report.json. It is summary.json
 * without the encoded histograms, plus figures derived from it: CPU in percent, loss in
 * percent, the spread of repeated steps, the baseline comparison and the gate results.
 */
import type { LatencySummary, StepMemory, StepSummary } from '../results/summary.ts';
import type { BaselineComparison } from './baseline.ts';
import { type FaultReport, toFaultReports } from './fault-report.ts';
import type { GateCheck } from './gates.ts';
import { findNoise, groupByReplicas, type NoiseCheck, type ReplicaGroup } from './repeatability.ts';
import type { RunFolder, RunInfo } from './run-folder.ts';

export type LatencyFigures = Omit<LatencySummary, 'histogram'>;

export interface ServerRow {
  replica: string;
  connections: number;
  /** CPU over the measure window in percent of one core. */
  cpuPercent: number;
  rssBytes: number;
  heapUsedBytes: number;
  loopDelayP99Ms: number;
  messagesDelivered: number;
}

export interface StepReport {
  index: number;
  replicas: number;
  repeat: number;
  /** Backplane mode of the replicas, e.g. pubsub. */
  adapter: string;
  /** Short name used on chart axes and in tables, such as "3r #2". */
  label: string;
  startedAt: string;
  measureSeconds: number;
  complete: boolean;
  valid: boolean;
  reasons: string[];
  clients: { target: number; peak: number };
  messages: StepSummary['messages'];
  lossPercent: number;
  throughput: number;
  latency: { same: LatencyFigures; cross: LatencyFigures; all: LatencyFigures };
  connect: Omit<StepSummary['connect'], 'latency'> & { latency: LatencyFigures };
  generator: Omit<StepSummary['generator'], 'scheduleLag'> & { scheduleLag: LatencyFigures };
  servers: ServerRow[];
  redis: {
    cpuPercent: number;
    commandsPerSecond: number;
    pubsubChannels: number;
    usedMemoryBytes: number;
  } | null;
  /** Memory readings over the step; null for summaries written before they were recorded. */
  memory: StepMemory | null;
  /** Each --fault injected in the step; empty without faults. */
  faults: FaultReport[];
  timeline: {
    start: number;
    seconds: number;
    delivered: number;
    same: LatencyFigures;
    cross: LatencyFigures;
  }[];
}

export interface ReportData {
  title: string;
  generatedAt: string;
  runDir: string;
  run: RunInfo;
  /** Statement on where the run ran; null when run.json has neither hostNote nor sharedHost. */
  hostNote: string | null;
  /** From run.json: true when generator, replicas and Redis shared one host; null if unknown. */
  sharedHost: boolean | null;
  verdict: { steps: number; invalid: number; incomplete: number };
  steps: StepReport[];
  groups: ReplicaGroup[];
  /** True when some replica count was measured more than once. */
  repeated: boolean;
  noise: NoiseCheck;
  baseline: BaselineComparison | null;
  gates: GateCheck[] | null;
}

export function withoutHistogram(summary: LatencySummary): LatencyFigures {
  const { histogram: _histogram, ...figures } = summary;
  return figures;
}

/** Per second over the measure window; 0 for a step that measured nothing. */
function perSecond(value: number, seconds: number): number {
  return seconds > 0 ? value / seconds : 0;
}

export function stepLabel(
  step: Pick<StepSummary, 'replicas' | 'repeat'>,
  repeated: boolean,
): string {
  return repeated ? `${step.replicas}r #${step.repeat}` : `${step.replicas}r`;
}

export function toStepReport(step: StepSummary, repeated: boolean): StepReport {
  const { messages, measureSeconds } = step;
  return {
    index: step.index,
    replicas: step.replicas,
    repeat: step.repeat,
    adapter: step.adapter,
    label: stepLabel(step, repeated),
    startedAt: step.startedAt,
    measureSeconds,
    complete: step.complete,
    valid: step.valid,
    reasons: step.reasons,
    clients: step.clients,
    messages,
    lossPercent: messages.expected > 0 ? (messages.lost / messages.expected) * 100 : 0,
    throughput: step.throughput,
    latency: {
      same: withoutHistogram(step.latency.same),
      cross: withoutHistogram(step.latency.cross),
      all: withoutHistogram(step.latency.all),
    },
    connect: { ...step.connect, latency: withoutHistogram(step.connect.latency) },
    generator: { ...step.generator, scheduleLag: withoutHistogram(step.generator.scheduleLag) },
    servers: step.servers.map((server) => ({
      replica: server.replica,
      connections: server.connections,
      cpuPercent: perSecond(server.cpuSeconds, measureSeconds) * 100,
      rssBytes: server.rssBytes,
      heapUsedBytes: server.heapUsedBytes,
      loopDelayP99Ms: server.loopDelayP99Ms,
      messagesDelivered: server.messagesDelivered,
    })),
    redis:
      step.redis === null
        ? null
        : {
            cpuPercent: perSecond(step.redis.cpuSeconds, measureSeconds) * 100,
            commandsPerSecond: perSecond(step.redis.commandsProcessed, measureSeconds),
            pubsubChannels: step.redis.pubsubChannels,
            usedMemoryBytes: step.redis.usedMemoryBytes,
          },
    memory: step.memory ?? null,
    faults: toFaultReports(step.faults),
    timeline: step.timeline.map((slice) => ({
      start: slice.start,
      seconds: slice.seconds,
      delivered: slice.delivered,
      same: withoutHistogram(slice.same),
      cross: withoutHistogram(slice.cross),
    })),
  };
}

export interface ReportParts {
  title: string | null;
  generatedAt: Date;
  baseline: BaselineComparison | null;
  gates: GateCheck[] | null;
}

export function buildReportData(folder: RunFolder, parts: ReportParts): ReportData {
  const summarySteps = folder.summary.steps;
  const repeated = summarySteps.some((step) => step.repeat > 1);
  const steps = summarySteps.map((step) => toStepReport(step, repeated));
  const groups = groupByReplicas(steps);
  const runId = folder.run.id ?? folder.dir;

  return {
    title: parts.title ?? `Chat scaling report: ${runId}`,
    generatedAt: parts.generatedAt.toISOString(),
    runDir: folder.dir,
    run: folder.run,
    hostNote: hostNoteOf(folder.run),
    sharedHost: typeof folder.run.sharedHost === 'boolean' ? folder.run.sharedHost : null,
    verdict: {
      steps: steps.length,
      invalid: steps.filter((step) => !step.valid).length,
      incomplete: steps.filter((step) => !step.complete).length,
    },
    steps,
    groups,
    repeated,
    noise: findNoise(groups),
    baseline: parts.baseline,
    gates: parts.gates,
  };
}

const SHARED_HOST_NOTE =
  'The load generator, the replicas and Redis shared one host, so these figures demonstrate ' +
  'the measuring method, not the capacity of a real swarm.';

function hostNoteOf(run: RunInfo): string | null {
  if (typeof run.hostNote === 'string') {
    return run.hostNote;
  }
  return run.sharedHost === true ? SHARED_HOST_NOTE : null;
}
