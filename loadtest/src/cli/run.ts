/**
 * A whole `npm run loadtest` run: the run folder, every step of the sweep in order,
 * summary.json after each step, and the cleanup that stops what the run started, also after a
 * failure or an interrupt.
 */
import { join } from 'node:path';
import { replicaCount } from '../report/format.ts';
import type { StepSummary } from '../results/summary.ts';
import type { LoadtestConfig } from './options.ts';
import { ProgressDisplay, type ProgressOutput } from './progress.ts';
import { createRunFolder, writeJsonAtomic } from './run-folder.ts';
import { initialRunInfo, type RunStatus } from './run-info.ts';
import { runStep } from './step.ts';
import { openTargets, type TargetProvider } from './targets.ts';

export interface RunContext {
  /** The command-line arguments, recorded in run.json. */
  argv: string[];
  output: ProgressOutput;
  /** Aborts the run: the current step stops and is recorded as incomplete. */
  signal: AbortSignal;
}

export interface RunResult {
  status: RunStatus;
  steps: StepSummary[];
  /** The failure that ended the run early; null when it ran to the end or was interrupted. */
  error: Error | null;
}

/** Runs every step; returns what was measured, even when a step failed or was interrupted. */
export async function runLoadtest(config: LoadtestConfig, context: RunContext): Promise<RunResult> {
  await createRunFolder(config.outDir);
  const progress = new ProgressDisplay(context.output);
  const log = (line: string) => progress.log(line);
  const record = new RunRecord(config.outDir, initialRunInfo(config, context.argv, new Date()));
  await record.save();
  log(`run folder: ${config.outDir}`);

  let error: Error | null = null;
  try {
    const targets = await openTargets(config, { log, signal: context.signal });
    record.layout = () => targets.describe();
    try {
      await runSteps(config, context, targets, progress, record);
    } finally {
      progress.stop();
      await targets.close().catch((closeError: Error) => {
        log(`stopping the local cluster failed: ${closeError.message}`);
      });
    }
  } catch (caught) {
    error = caught as Error;
  }

  const status = runStatus(context.signal, error, record.steps);
  await record.finish(status);
  return { status, steps: record.steps, error };
}

/** run.json and summary.json, rewritten whenever something new is known. */
class RunRecord {
  readonly steps: StepSummary[] = [];
  layout: () => Record<string, unknown> = () => ({});
  private readonly dir: string;
  private readonly info: Record<string, unknown>;
  private readonly artilleryPids: number[] = [];

  constructor(dir: string, info: Record<string, unknown>) {
    this.dir = dir;
    this.info = info;
  }

  async save(): Promise<void> {
    const info = { ...this.info, layout: this.layout(), artilleryPids: this.artilleryPids };
    await writeJsonAtomic(join(this.dir, 'run.json'), info);
    await writeJsonAtomic(join(this.dir, 'summary.json'), { steps: this.steps });
  }

  async addStep(summary: StepSummary, artilleryPid: number): Promise<void> {
    this.steps.push(summary);
    this.artilleryPids.push(artilleryPid);
    await this.save();
  }

  async finish(status: RunStatus): Promise<void> {
    this.info.status = status;
    this.info.endedAt = new Date().toISOString();
    await this.save();
  }
}

async function runSteps(
  config: LoadtestConfig,
  context: RunContext,
  targets: TargetProvider,
  progress: ProgressDisplay,
  record: RunRecord,
): Promise<void> {
  const plan = config.replicaCounts.flatMap((replicas) =>
    Array.from({ length: config.repeat }, (_, offset) => ({ replicas, repeat: offset + 1 })),
  );

  for (const [index, { replicas, repeat }] of plan.entries()) {
    if (context.signal.aborted) {
      return;
    }
    const target = await targets.prepare(replicas, index);
    await record.save();
    if (context.signal.aborted) {
      return;
    }

    const label =
      `step ${index + 1}/${plan.length}, ${replicaCount(replicas)}` +
      (config.repeat > 1 ? `, repeat ${repeat}` : '');
    progress.log(`${label}: ${config.clients} clients against ${target.url}`);
    const outcome = await runStep({
      config,
      runDir: config.outDir,
      index,
      repeat,
      label,
      target,
      progress,
      signal: context.signal,
      injectFault: targets.injectFault?.bind(targets),
    });
    await record.addStep(outcome.summary, outcome.artilleryPid);
    progress.log(describeStepEnd(label, outcome.summary));

    if (outcome.error !== null) {
      throw outcome.error;
    }
  }
}

function describeStepEnd(label: string, step: StepSummary): string {
  const { messages } = step;
  let state = step.valid ? 'valid' : 'NOT VALID';
  if (!step.complete) {
    state = 'INCOMPLETE';
  }
  const crossP99 = step.latency.cross.count > 0 ? `${step.latency.cross.p99} ms` : '-';
  return (
    `${label}: ${state}, sent ${messages.sent}, delivered ${messages.delivered}, ` +
    `lost ${messages.lost}, cross p99 ${crossP99}`
  );
}

function runStatus(signal: AbortSignal, error: Error | null, steps: StepSummary[]): RunStatus {
  if (signal.aborted) {
    return 'interrupted';
  }
  if (error !== null || steps.some((step) => !step.complete)) {
    return 'failed';
  }
  return 'complete';
}
