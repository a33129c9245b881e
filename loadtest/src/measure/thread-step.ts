/**
 * The state of the current step inside one load-generator thread. It contains the step
 * window on the thread's monotonic clock, the delivery accounting of the thread's rooms, the
 * recorder and the generator health, and writes the result file every few seconds and at
 * the end.
 */
import { mkdirSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { DeliveryAccounting, type StepWindow } from './accounting.ts';
import { HealthMonitor } from './health.ts';
import { StepRecorder } from './recorder.ts';
import { SendTimeCounts } from './send-time-counts.ts';
import { readStepEnv, type StepSettings } from './step-env.ts';
import { planUser, resolveShape, type ScenarioShape, type UserPlan } from './user-plan.ts';
import {
  WORKER_FILE_VERSION,
  type WorkerFile,
  writeWorkerFile,
  writeWorkerFileSync,
} from './worker-file.ts';

/** How often a thread rewrites its result file, ms. */
export const WRITE_INTERVAL_MS = 2_000;

export class ThreadStep {
  private static instance: ThreadStep | undefined;

  readonly settings: StepSettings;
  readonly window: StepWindow;
  readonly accounting: DeliveryAccounting;
  readonly recorder: StepRecorder;
  readonly health = new HealthMonitor();
  /** Delivery counts by send time; only fault runs ask for them. */
  private readonly bySendTime: SendTimeCounts | undefined;
  /** Text of every chat message, `messageBytes` long. */
  readonly padding: string;
  private readonly anchorMs: number;
  private readonly anchorTime: bigint;
  private readonly roomPrefix: string;
  private readonly seed = Math.random();
  private readonly timers: NodeJS.Timeout[] = [];
  private shape: ScenarioShape | undefined;
  private nextIndex = 0;
  private started = 0;
  private active = 0;
  private done = false;
  private writing: Promise<void> | null = null;
  private writeAgain = false;
  private writeFailed = false;

  /** Returns the step of this thread, created on first use from the environment. */
  static current(): ThreadStep {
    ThreadStep.instance ??= new ThreadStep(readStepEnv());
    return ThreadStep.instance;
  }

  constructor(settings: StepSettings) {
    this.settings = settings;
    this.anchorMs = Date.now();
    this.anchorTime = process.hrtime.bigint();
    this.window = {
      measureStart: this.timeAt(settings.measureStartMs),
      measureEnd: this.timeAt(settings.measureEndMs),
      drainEnd: this.timeAt(settings.drainEndMs),
    };
    const grace = BigInt(settings.ackTimeoutMs) * 1_000_000n;
    if (settings.sendSliceMs !== undefined) {
      const { measureStart, measureEnd } = this.window;
      this.bySendTime = new SendTimeCounts(measureStart, measureEnd, settings.sendSliceMs);
    }
    this.accounting = new DeliveryAccounting(this.window, grace, this.bySendTime);
    const sliceLength = BigInt(Math.round(settings.intervalSeconds * 1e9));
    this.recorder = new StepRecorder(this.window.measureStart, this.window.measureEnd, sliceLength);
    this.padding = 'x'.repeat(settings.messageBytes);
    this.roomPrefix = `${settings.generatorId}.${process.pid}.${threadId}`;

    mkdirSync(settings.workerDir, { recursive: true });
    this.startTimers();
    process.once('exit', () => this.writeNow());
  }

  /** Monotonic-clock time (ns) of an epoch time in ms, through this thread's anchor. */
  timeAt(epochMs: number): bigint {
    return this.anchorTime + BigInt(Math.round((epochMs - this.anchorMs) * 1e6));
  }

  /** Plans the next user of this thread; the scenario variables are read on the first call. */
  planUser(variables: Record<string, unknown>): UserPlan & { shape: ScenarioShape } {
    this.shape ??= resolveShape(this.settings, variables);
    const plan = planUser(this.nextIndex, this.shape, this.roomPrefix, this.seed);
    this.nextIndex += 1;
    return { ...plan, shape: this.shape };
  }

  userStarted(): void {
    this.started += 1;
    this.active += 1;
    this.recorder.connection.attempts += 1;
  }

  /**
   * Marks a user finished. When no user is left the file is written at once, and after the
   * drain window that write is the last one.
   */
  userFinished(): void {
    this.active -= 1;
    if (this.active > 0) {
      return;
    }
    if (this.accounting.finished) {
      this.done = true;
      this.stopTimers();
    }
    // Synchronous, because Artillery may end the thread as soon as its last user is done.
    this.writeNow();
  }

  /** Closes the accounting once the drain window is over. */
  finishIfDue(): void {
    if (this.accounting.finished || Date.now() < this.settings.drainEndMs) {
      return;
    }
    this.accounting.finish();
    this.health.stop();
    void this.write();
  }

  workerFile(): WorkerFile {
    const counts = this.accounting.snapshot();
    const encoded = this.recorder.encode();
    const { settings } = this;
    return {
      version: WORKER_FILE_VERSION,
      stepId: settings.stepId,
      generatorId: settings.generatorId,
      pid: process.pid,
      threadId,
      writtenAt: Date.now(),
      final: this.accounting.finished,
      done: this.done,
      window: {
        measureStartMs: settings.measureStartMs,
        measureEndMs: settings.measureEndMs,
        drainEndMs: settings.drainEndMs,
        intervalSeconds: settings.intervalSeconds,
      },
      messages: {
        ...counts,
        ...this.recorder.sends,
        rejectReasons: Object.fromEntries(this.recorder.rejectReasons),
      },
      latency: encoded.latency,
      scheduleLag: encoded.scheduleLag,
      connect: { latency: encoded.connectLatency, ...this.recorder.connection },
      clients: { ...encoded.clients, started: this.started, active: this.active },
      intervals: encoded.intervals,
      drops: encoded.drops,
      sendTimeSlices: this.bySendTime?.encode(),
      health: this.health.figures(),
    };
  }

  /**
   * Writes the result file. A call during a write is not lost: one more write follows with
   * the state at that time.
   */
  async write(): Promise<void> {
    if (this.writing !== null) {
      this.writeAgain = true;
      return this.writing;
    }
    this.writing = this.writeUntilCurrent();
    return this.writing;
  }

  private async writeUntilCurrent(): Promise<void> {
    do {
      this.writeAgain = false;
      try {
        await writeWorkerFile(this.settings.workerDir, this.workerFile());
      } catch (error) {
        this.reportWriteError(error);
      }
    } while (this.writeAgain);
    this.writing = null;
  }

  private writeNow(): void {
    try {
      writeWorkerFileSync(this.settings.workerDir, this.workerFile());
    } catch (error) {
      this.reportWriteError(error);
    }
  }

  private reportWriteError(error: unknown): void {
    if (this.writeFailed) {
      return;
    }
    this.writeFailed = true;
    console.error(
      `load generator thread ${threadId}: cannot write its result file in ` +
        `${this.settings.workerDir}: ${(error as Error).message}. Check that the folder ` +
        'is writable; this thread keeps trying every few seconds.',
    );
  }

  private startTimers(): void {
    const periodic = setInterval(() => void this.write(), WRITE_INTERVAL_MS);
    periodic.unref();
    this.timers.push(periodic);
    this.at(this.settings.measureStartMs, () => this.health.start());
    this.at(this.settings.measureEndMs, () => this.health.stop());
    this.at(this.settings.drainEndMs, () => this.finishIfDue());
  }

  private stopTimers(): void {
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.length = 0;
  }

  /** Runs `action` once the epoch clock reaches `epochMs`, even if a timer fires early. */
  private at(epochMs: number, action: () => void): void {
    const timer = setTimeout(
      () => {
        if (Date.now() < epochMs) {
          this.at(epochMs, action);
          return;
        }
        action();
      },
      Math.max(0, epochMs - Date.now()),
    );
    timer.unref();
    this.timers.push(timer);
  }
}
