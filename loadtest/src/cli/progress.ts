/**
 * The progress display of a running step: on a terminal one line rewritten about once a
 * second, otherwise a plain line every few seconds. It reads the load generator's result
 * files (readProgress), never one line per message.
 */
import type { Progress } from '../measure/aggregate.ts';
import { phaseAt, type StepTimeline } from './timeline.ts';

export interface ProgressOutput {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressStep {
  /** Leading words of every line, e.g. "step 2/3, 4 replicas". */
  label: string;
  timeline: StepTimeline;
  clients: number;
  read: () => Promise<Progress>;
}

const TTY_INTERVAL_MS = 1_000;
const PLAIN_INTERVAL_MS = 5_000;
/** Rates are taken over this much history, as the result files change every 2 s. */
const RATE_WINDOW_MS = 5_000;
const DEFAULT_COLUMNS = 100;

interface Sample {
  atMs: number;
  sent: number;
  delivered: number;
}

export class ProgressDisplay {
  private readonly output: ProgressOutput;
  private readonly tty: boolean;
  private step: ProgressStep | null = null;
  private timer: NodeJS.Timeout | null = null;
  private samples: Sample[] = [];
  private reading = false;
  private lineVisible = false;

  constructor(output: ProgressOutput) {
    this.output = output;
    this.tty = output.isTTY === true;
  }

  start(step: ProgressStep): void {
    this.stop();
    this.step = step;
    this.samples = [];
    const interval = this.tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS;
    this.timer = setInterval(() => void this.tick(), interval);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
    this.clearLine();
    this.step = null;
  }

  /** Prints a line of its own; on a terminal the progress line is redrawn on the next tick. */
  log(line: string): void {
    this.clearLine();
    this.output.write(`${line}\n`);
  }

  private async tick(): Promise<void> {
    const step = this.step;
    if (step === null || this.reading) {
      return;
    }

    this.reading = true;
    try {
      const progress = await step.read();
      if (this.step === step) {
        this.show(describeProgress(step, progress, this.rates(progress), Date.now()));
      }
    } catch {
      // A result file being replaced can fail one read; the next tick reads it again.
    } finally {
      this.reading = false;
    }
  }

  private rates(progress: Progress): { sent: number; delivered: number } {
    const now = Date.now();
    this.samples.push({ atMs: now, sent: progress.sent, delivered: progress.delivered });
    // The oldest sample kept is the newest one at least RATE_WINDOW_MS old: the rate's base.
    while (this.samples.length > 2 && now - this.samples[1]!.atMs >= RATE_WINDOW_MS) {
      this.samples.shift();
    }

    const first = this.samples[0]!;
    const seconds = (now - first.atMs) / 1_000;
    if (seconds <= 0) {
      return { sent: 0, delivered: 0 };
    }
    return {
      sent: (progress.sent - first.sent) / seconds,
      delivered: (progress.delivered - first.delivered) / seconds,
    };
  }

  private show(line: string): void {
    if (!this.tty) {
      this.output.write(`${line}\n`);
      return;
    }
    // A terminal of unknown size (columns 0, as under `script`) gets 100 columns.
    const columns = this.output.columns ?? 0;
    const width = (columns > 0 ? columns : DEFAULT_COLUMNS) - 1;
    this.output.write(`\r\x1b[2K${line.slice(0, width)}`);
    this.lineVisible = true;
  }

  private clearLine(): void {
    if (this.tty && this.lineVisible) {
      this.output.write('\r\x1b[2K');
      this.lineVisible = false;
    }
  }
}

/** Formats one progress line, e.g. "step 1/1, 2 replicas: measure | 0:31 elapsed, 0:44 left | ...". */
export function describeProgress(
  step: ProgressStep,
  progress: Progress,
  rates: { sent: number; delivered: number },
  nowMs: number,
): string {
  const { timeline } = step;
  const phase = phaseAt(timeline, nowMs);
  const elapsed = formatClock(nowMs - timeline.startMs);
  const remaining = formatClock(timeline.drainEndMs - nowMs);
  const crossP99 = progress.crossP99Ms > 0 ? `${progress.crossP99Ms.toFixed(1)} ms` : '-';

  return [
    `${step.label}: ${phase}`,
    `${elapsed} elapsed, ${remaining} left`,
    `clients ${progress.clientsConnected}/${step.clients}`,
    `sent ${Math.round(rates.sent)}/s`,
    `delivered ${Math.round(rates.delivered)}/s`,
    `cross p99 ${crossP99}`,
  ].join(' | ');
}

/** Formats a time span as m:ss, negative spans as 0:00. */
function formatClock(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1_000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
