/**
 * Step 3, the harness at light load: `npm run loadtest` with the `rooms` scenario shaped to
 * the floors' message rate and size, on 2 local replicas with the pubsub adapter. Its
 * cross-replica percentiles divided by the server floor's show what the harness adds.
 */
import type { StepSummary } from '../../loadtest/src/results/summary.ts';
import { fromSummary, type LatencyFigures } from './latency.ts';
import { runLoadtest, runProblem } from './loadtest-cli.ts';
import type { LightLoad } from './one-way.ts';
import { NotRunError } from './part.ts';

export interface HarnessPlan {
  /** Arrival time of the clients, whole seconds. */
  rampSeconds: number;
  settleSeconds: number;
  durationSeconds: number;
  drainSeconds: number;
}

/** Rooms of two clients; every client both sends and receives, as the `rooms` scenario does. */
export interface HarnessShape {
  clients: number;
  roomSize: number;
  /** Messages per second each client sends. */
  ratePerClient: number;
}

export interface HarnessFigures extends HarnessShape {
  cross: LatencyFigures;
  same: LatencyFigures;
  sent: number;
  delivered: number;
  lost: number;
  valid: boolean;
  reasons: string[];
  generatorCpuPercent: number;
  scheduleLagP99Ms: number;
  runDir: string;
}

/**
 * Per-client rate the harness shape stays under: half of the chat server's default limit of
 * 50 messages per second per connection, so no message of the comparison is rejected.
 */
const MAX_RATE_PER_CLIENT = 25;

/** Spreads the light-load rate over pairs of clients, each under MAX_RATE_PER_CLIENT. */
export function harnessShape(load: LightLoad): HarnessShape {
  const pairs = Math.ceil(load.rate / (2 * MAX_RATE_PER_CLIENT));
  const clients = 2 * pairs;
  return { clients, roomSize: 2, ratePerClient: load.rate / clients };
}

export async function measureHarness(
  load: LightLoad,
  plan: HarnessPlan,
  outDir: string,
): Promise<HarnessFigures> {
  const shape = harnessShape(load);
  const args = harnessArgs(shape, load.messageBytes, plan);
  const run = await runLoadtest(args, outDir, loadtestTimeoutMs(plan));
  const problem = runProblem(run);
  if (problem !== null || run.step === null) {
    throw new NotRunError(problem ?? 'the loadtest wrote no step');
  }
  return harnessFigures(shape, run.step, outDir);
}

/** Returns the loadtest flags of one `rooms` step with this shape on 2 local pubsub replicas. */
export function harnessArgs(
  shape: HarnessShape,
  messageBytes: number,
  plan: HarnessPlan,
): string[] {
  return [
    ...['--scenario', 'rooms', '--replicas', '2', '--adapter', 'pubsub'],
    ...['--clients', String(shape.clients), '--room-size', String(shape.roomSize)],
    ...['--rate', String(shape.ratePerClient), '--message-bytes', String(messageBytes)],
    ...['--ramp', `${plan.rampSeconds}s`, '--settle', `${plan.settleSeconds}s`],
    ...['--duration', `${plan.durationSeconds}s`, '--drain', `${plan.drainSeconds}s`],
    ...['--generator-id', 'bench'],
  ];
}

/** Start-up allowance the loadtest gives Artillery, plus cluster start and report. */
const LOADTEST_OVERHEAD_MS = 60_000;

/** Returns the maximum time a loadtest run with this timeline may take before it is stopped. */
export function loadtestTimeoutMs(plan: HarnessPlan): number {
  const seconds = plan.rampSeconds + plan.settleSeconds + plan.durationSeconds + plan.drainSeconds;
  return seconds * 1000 + LOADTEST_OVERHEAD_MS;
}

function harnessFigures(shape: HarnessShape, step: StepSummary, runDir: string): HarnessFigures {
  return {
    ...shape,
    cross: fromSummary(step.latency.cross),
    same: fromSummary(step.latency.same),
    sent: step.messages.sent,
    delivered: step.messages.delivered,
    lost: step.messages.lost,
    valid: step.valid,
    reasons: step.reasons,
    generatorCpuPercent: step.generator.cpuPercent,
    scheduleLagP99Ms: step.generator.scheduleLag.p99,
    runDir,
  };
}
