/**
 * One step. It checks readiness, starts Artillery with the step's timeline, and reads server
 * and Redis figures at both edges of the measure window. After the drain it combines the load
 * generator's result files with the server figures into a StepSummary.
 */
import { mkdir } from 'node:fs/promises';
import { FaultSchedule, type InjectFault } from '../faults/fault-schedule.ts';
import {
  collectFaults,
  FAULT_TIMELINE_SLICE_SECONDS,
  type StepFaults,
  sendSliceMs,
} from '../faults/step-faults.ts';
import { aggregateStep, type MeasuredStep, readProgress } from '../measure/aggregate.ts';
import { stepEnv } from '../measure/step-env.ts';
import type { StepMemory, StepSummary } from '../results/summary.ts';
import { ArtilleryProcess } from './artillery.ts';
import type { ArtilleryError } from './errors.ts';
import type { FigureSource } from './figures.ts';
import { MemorySampler } from './memory-sampler.ts';
import type { LoadtestConfig } from './options.ts';
import { type ReadinessCheck, waitUntilReady } from './probes.ts';
import type { ProgressDisplay } from './progress.ts';
import { type StepPaths, stepPaths } from './run-folder.ts';
import { type WatchedStep, watchStep } from './step-watch.ts';
import { planTimeline, type StepTimeline } from './timeline.ts';

/** How long replicas may take to report ready before a step starts anyway. */
const READY_TIMEOUT_MS = 30_000;
/** Length of the latency timeline's slices, s; a shorter measure window is one slice. */
const TIMELINE_SLICE_SECONDS = 5;

/** The cluster a step runs against: the local one or a deployed one. */
export interface StepTarget extends FigureSource {
  /** Address Artillery connects to. */
  url: string;
  /** Replica count recorded in the summary. */
  replicas: number;
  readiness: ReadinessCheck[];
}

export interface StepRequest {
  config: LoadtestConfig;
  runDir: string;
  index: number;
  repeat: number;
  /** e.g. "step 2/3, 4 replicas", for progress lines. */
  label: string;
  target: StepTarget;
  progress: ProgressDisplay;
  signal: AbortSignal;
  /** Injects the --fault faults; absent for a target that cannot. */
  injectFault?: InjectFault;
}

export interface StepOutcome {
  summary: StepSummary;
  artilleryPid: number;
  /** Set when Artillery failed; the summary is written before it is thrown. */
  error: ArtilleryError | null;
}

export async function runStep(request: StepRequest): Promise<StepOutcome> {
  const { config, target, progress, signal } = request;
  const paths = stepPaths(request.runDir, request.index);
  const stepId = `step-${request.index}`;
  const startedAt = new Date();
  await mkdir(paths.workers, { recursive: true });

  const reasons = await waitUntilReady(target.readiness, READY_TIMEOUT_MS, signal);
  const timeline = planTimeline(config, Date.now());
  const artillery = await startArtillery(config, target.url, paths, stepId, timeline);
  const faults = new FaultSchedule(
    config.faults,
    timeline.measureStartMs,
    request.injectFault,
    (line) => progress.log(line),
  );
  faults.start();
  progress.start({
    label: request.label,
    timeline,
    clients: config.clients,
    read: () => readProgress(paths.workers, stepId),
  });
  const memory = new MemorySampler({
    endpoints: target.endpoints,
    generatorPid: artillery.pid,
    measureStartMs: timeline.measureStartMs,
  });
  memory.start();

  const readConnected = () =>
    readProgress(paths.workers, stepId).then(
      (reading) => reading.clientsConnected,
      () => 0,
    );
  let watched: WatchedStep;
  try {
    watched = await watchStep(artillery, timeline, target, signal, readConnected);
  } finally {
    faults.cancel();
    await memory.stop();
    progress.stop();
    await artillery.stop();
  }

  const measured = await aggregateStep(paths.workers, { stepId });
  let faulted: StepFaults | null = null;
  if (config.faults.length > 0) {
    const { measureStartMs } = timeline;
    faulted = await collectFaults(faults, paths.workers, stepId, measureStartMs, measured.timeline);
    reasons.push(...faulted.reasons);
  }
  const figures =
    watched.before !== null && watched.after !== null
      ? target.figures(watched.before, watched.after)
      : { servers: [], redis: null, reasons: [] };
  reasons.push(...watched.reasons, ...figures.reasons);

  const measureSeconds = measuredSeconds(timeline, watched, measured);
  const summary = composeSummary(request, measured, {
    measureSeconds,
    startedAt,
    complete: watched.complete,
    servers: figures.servers,
    redis: figures.redis,
    memory: memory.result(measureSeconds),
    reasons,
  });
  if (faulted !== null) {
    summary.faults = faulted.faults;
  }
  return { summary, artilleryPid: artillery.pid, error: watched.error };
}

function startArtillery(
  config: LoadtestConfig,
  url: string,
  paths: StepPaths,
  stepId: string,
  timeline: StepTimeline,
): Promise<ArtilleryProcess> {
  const env = stepEnv({
    stepId,
    workerDir: paths.workers,
    measureStartMs: timeline.measureStartMs,
    measureEndMs: timeline.measureEndMs,
    drainEndMs: timeline.drainEndMs,
    rate: config.rate,
    roomSize: config.roomSize,
    messageBytes: config.messageBytes,
    generatorId: config.generatorId,
    intervalSeconds: Math.min(
      config.faults.length > 0 ? FAULT_TIMELINE_SLICE_SECONDS : TIMELINE_SLICE_SECONDS,
      config.durationMs / 1_000,
    ),
    sendSliceMs: config.faults.length > 0 ? sendSliceMs(config.durationMs) : undefined,
  });
  return ArtilleryProcess.start({
    scenarioPath: config.scenario.path,
    target: url,
    phases: timeline.phases,
    env,
    outputPath: paths.artilleryJson,
    logPath: paths.artilleryLog,
  });
}

/** Seconds of the measure window that ran: all of it, part of it, or none. */
function measuredSeconds(
  timeline: StepTimeline,
  watched: WatchedStep,
  measured: MeasuredStep,
): number {
  if (watched.before === null) {
    return 0;
  }
  if (watched.measureEndedMs >= timeline.measureEndMs) {
    return measured.measureSeconds;
  }
  return Math.max(0, Math.round(watched.measureEndedMs - timeline.measureStartMs) / 1_000);
}

interface StepExtras {
  measureSeconds: number;
  startedAt: Date;
  complete: boolean;
  servers: StepSummary['servers'];
  redis: StepSummary['redis'];
  memory: StepMemory;
  reasons: string[];
}

function composeSummary(
  request: StepRequest,
  measured: MeasuredStep,
  extras: StepExtras,
): StepSummary {
  const { config, target } = request;
  const reasons = [...measured.reasons, ...extras.reasons];

  return {
    index: request.index,
    replicas: target.replicas,
    repeat: request.repeat,
    adapter: config.adapter,
    scenario: config.scenario.name,
    startedAt: extras.startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    measureSeconds: extras.measureSeconds,
    complete: extras.complete,
    clients: { target: config.clients, peak: measured.clients.peak },
    messages: measured.messages,
    throughput:
      extras.measureSeconds > 0
        ? Math.round((measured.messages.delivered / extras.measureSeconds) * 1_000) / 1_000
        : 0,
    latency: measured.latency,
    timeline: measured.timeline,
    connect: measured.connect,
    generator: measured.generator,
    servers: extras.servers,
    redis: extras.redis,
    memory: extras.memory,
    valid: reasons.length === 0,
    reasons,
  };
}
