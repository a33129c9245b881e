/**
 * One step of the capacity sweep as the bench reports it: the loadtest's step summary
 * reduced to validity, throughput and what the step cost the load generator.
 */
import type { StepSummary } from '../../loadtest/src/results/summary.ts';

export type Engine = 'socketio-v3' | 'socketio';

export interface CapacityStep {
  engine: Engine;
  clients: number;
  /** 1, or 2 for the second run of a step whose first run was not valid. */
  attempt: number;
  valid: boolean;
  reasons: string[];
  peakClients: number;
  connectErrors: number;
  sent: number;
  delivered: number;
  lost: number;
  deliveriesPerSecond: number;
  crossP99Ms: number;
  generator: GeneratorCost;
  runDir: string;
}

export interface GeneratorCost {
  /** CPU of the busiest load-generator thread, percent of one core. */
  cpuPercent: number;
  /** Load-generator process RSS at the end of the step, bytes. */
  rssBytes: number;
  loopDelayP99Ms: number;
  scheduleLagP99Ms: number;
  workers: number;
  /** Generator CPU per delivery, µs: cpuPercent as core-seconds per second over deliveries. */
  cpuMicrosecondsPerDelivery: number;
  rssBytesPerClient: number;
}

/** Turns a loadtest step into a capacity step; `problem` is a run problem to list, if any. */
export function capacityStep(
  engine: Engine,
  step: StepSummary,
  runDir: string,
  problem: string | null,
): CapacityStep {
  const reasons = [...step.reasons];
  if (problem !== null) {
    reasons.push(problem);
  }
  if (step.connect.errors > 0) {
    reasons.push(`${step.connect.errors} connect errors`);
  }
  if (step.messages.lost > 0) {
    reasons.push(`${step.messages.lost} messages lost`);
  }
  if (step.clients.peak < step.clients.target) {
    reasons.push(`only ${step.clients.peak} of ${step.clients.target} clients were connected`);
  }

  const { generator } = step;
  const coreSecondsPerSecond = generator.cpuPercent / 100;
  return {
    engine,
    clients: step.clients.target,
    attempt: 1,
    valid: step.complete && reasons.length === 0,
    reasons,
    peakClients: step.clients.peak,
    connectErrors: step.connect.errors,
    sent: step.messages.sent,
    delivered: step.messages.delivered,
    lost: step.messages.lost,
    deliveriesPerSecond: step.throughput,
    crossP99Ms: step.latency.cross.p99,
    generator: {
      cpuPercent: generator.cpuPercent,
      rssBytes: generator.rssBytes,
      loopDelayP99Ms: generator.loopDelayP99,
      scheduleLagP99Ms: generator.scheduleLag.p99,
      workers: generator.workers,
      cpuMicrosecondsPerDelivery:
        step.throughput > 0 ? round((coreSecondsPerSecond / step.throughput) * 1e6) : 0,
      rssBytesPerClient: Math.round(generator.rssBytes / Math.max(1, step.clients.target)),
    },
    runDir,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
