/**
 * Injecting a step's faults at their times in the measure window, through the target
 * provider, and collecting what happened. A fault that fails is recorded with its error;
 * it never stops the step.
 */
import type { InjectedFault } from './fault-outcome.ts';
import { type FaultEvent, type FaultSpec, formatFaultSpec } from './fault-spec.ts';

/** Injects one fault and resolves once the target is ready again or gave up recovering. */
export type InjectFault = (fault: FaultSpec, log: (line: string) => void) => Promise<FaultEvent>;

export class FaultSchedule {
  private readonly specs: FaultSpec[];
  private readonly measureStartMs: number;
  private readonly inject: InjectFault | undefined;
  private readonly log: (line: string) => void;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly injected: Promise<InjectedFault>[] = [];

  /** `measureStartMs` in epoch ms; `inject` is undefined for a target that cannot inject. */
  constructor(
    specs: FaultSpec[],
    measureStartMs: number,
    inject: InjectFault | undefined,
    log: (line: string) => void,
  ) {
    this.specs = specs;
    this.measureStartMs = measureStartMs;
    this.inject = inject;
    this.log = log;
  }

  /** Sets a timer for every fault. */
  start(): void {
    for (const spec of this.specs) {
      this.at(this.measureStartMs + spec.atMs, () => this.injected.push(this.run(spec)));
    }
  }

  /** Drops the faults whose time has not come, e.g. when the step was interrupted. */
  cancel(): void {
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.length = 0;
  }

  /** Waits for the faults already injected to recover or give up, and returns them. */
  async finish(): Promise<InjectedFault[]> {
    this.cancel();
    return Promise.all(this.injected);
  }

  /** Runs `action` once the epoch clock reaches `epochMs`, even if a timer fires early. */
  private at(epochMs: number, action: () => void): void {
    const timer = setTimeout(
      () => (Date.now() < epochMs ? this.at(epochMs, action) : action()),
      Math.max(0, epochMs - Date.now()),
    );
    this.timers.push(timer);
  }

  private async run(spec: FaultSpec): Promise<InjectedFault> {
    const name = formatFaultSpec(spec);
    const startedAt = Date.now();
    if (this.inject === undefined) {
      const error = 'this target cannot inject faults';
      this.log(`fault ${name}: ${error}`);
      return { spec, event: failedEvent(spec, startedAt, error) };
    }

    try {
      const event = await this.inject(spec, this.log);
      const recovery =
        event.recoveredAtMs === null
          ? 'did not recover'
          : `ready again after ${((event.recoveredAtMs - event.injectedAtMs) / 1_000).toFixed(1)} s`;
      this.log(`fault ${name} on ${event.target}: ${event.error ?? recovery}`);
      return { spec, event };
    } catch (error) {
      const message = (error as Error).message;
      this.log(`fault ${name} failed: ${message}`);
      return { spec, event: failedEvent(spec, startedAt, message) };
    }
  }
}

function failedEvent(spec: FaultSpec, atMs: number, error: string): FaultEvent {
  return { kind: spec.kind, target: '-', injectedAtMs: atMs, recoveredAtMs: null, error };
}
