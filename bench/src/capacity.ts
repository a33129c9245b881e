/**
 * Step 4, generator capacity: `npm run loadtest` with more and more chatting clients at a
 * fixed rate per client, until a step is not valid (generator saturated, connect errors,
 * lost messages) or the time budget runs out. Then one step is repeated on Artillery's
 * built-in `socketio` engine to compare what each engine costs the load generator.
 */
import { join } from 'node:path';
import { type CapacityStep, capacityStep, type Engine } from './capacity-step.ts';
import { compareEngines, type EngineComparison } from './engine-comparison.ts';
import { runLoadtest, runProblem } from './loadtest-cli.ts';
import { NotRunError } from './part.ts';
import { formatNumber as number } from './targets.ts';

export interface CapacityPlan {
  /** Client counts of the sweep, in order. */
  steps: number[];
  /** Messages per second each client sends. */
  ratePerClient: number;
  roomSize: number;
  /** Clients arriving per second; sets each step's ramp. */
  connectsPerSecond: number;
  settleSeconds: number;
  durationSeconds: number;
  drainSeconds: number;
  /** The engine comparison runs at the largest valid step up to this many clients. */
  compareAt: number;
  /** Time the sweep and the comparison may take together, ms. */
  budgetMs: number;
}

export interface CapacityFigures {
  ratePerClient: number;
  roomSize: number;
  steps: CapacityStep[];
  largestValid: CapacityStep | null;
  /** Generator RSS added per client between the two largest valid steps, bytes. */
  marginalRssBytesPerClient: number | null;
  /** Reason the sweep ended. */
  stopReason: string;
  /** True when every planned step was valid, so the plan, not the generator, set the end. */
  planExhausted: boolean;
  comparison: EngineComparison | null;
}

/** Limits of this host that cap the client count of one step. */
export interface HostLimits {
  /** Open-file limit of this process, inherited by the loadtest and its children. */
  openFiles: number;
  /** Local ports one address can use towards one destination (the ephemeral range). */
  ephemeralPorts: number;
}

const BUILTIN_SCENARIO = join(import.meta.dirname, '..', 'scenarios', 'rooms-builtin-socketio.yml');
/** Cluster start, Artillery start-up (8 s) and report, added to a step's own timeline. */
const STEP_OVERHEAD_SECONDS = 25;
/** Runs of one client count before the sweep stops there. */
const MAX_ATTEMPTS = 2;
/**
 * File descriptors one client costs the loadtest process. The generator's socket is in
 * Artillery, but the public port's proxy keeps two open (client side and replica side).
 */
const FILES_PER_CLIENT = 2;
const SPARE_FILES = 1_000;

export async function measureCapacity(
  plan: CapacityPlan,
  limits: HostLimits,
  runsDir: string,
  log: (line: string) => void,
): Promise<CapacityFigures> {
  const deadline = performance.now() + plan.budgetMs;
  const steps: CapacityStep[] = [];
  const largestPlanned = plan.steps.at(-1) ?? 0;
  let stopReason = `every planned step ran and was valid, up to ${number(largestPlanned)} clients`;
  let planExhausted = true;

  for (const clients of plan.steps) {
    const blocked = stepBlocked(clients, plan, limits, deadline);
    if (blocked !== null) {
      stopReason = `${number(clients)} clients not run: ${blocked}`;
      planExhausted = false;
      break;
    }
    const step = await runSweepStep(clients, plan, limits, deadline, runsDir, log, steps);
    if (!step.valid) {
      stopReason = `${number(clients)} clients is not valid: ${step.reasons.join('; ')}`;
      planExhausted = false;
      break;
    }
  }

  const valid = steps.filter((step) => step.valid);
  const comparison = await runComparison(steps, plan, deadline, runsDir, log);
  return {
    ratePerClient: plan.ratePerClient,
    roomSize: plan.roomSize,
    steps,
    largestValid: valid.at(-1) ?? null,
    marginalRssBytesPerClient: marginalRss(valid),
    stopReason,
    planExhausted,
    comparison,
  };
}

/**
 * Runs one step of the sweep and adds it to `steps`. A step that is not valid runs once more
 * when the time budget allows, because one stall on a shared host can spoil a step that the
 * generator could carry. The second run decides.
 */
async function runSweepStep(
  clients: number,
  plan: CapacityPlan,
  limits: HostLimits,
  deadline: number,
  runsDir: string,
  log: (line: string) => void,
  steps: CapacityStep[],
): Promise<CapacityStep> {
  let step: CapacityStep | null = null;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    if (attempt > 1 && stepBlocked(clients, plan, limits, deadline) !== null) {
      break;
    }
    log(`${number(clients)} clients, socketio-v3 engine${attempt > 1 ? ', once more' : ''}`);
    step = await runCapacityStep('socketio-v3', clients, plan, runsDir, attempt);
    steps.push(step);
    log(`${number(clients)} clients: ${step.valid ? 'valid' : `not valid (${step.reasons[0]})`}`);
    if (step.valid) {
      break;
    }
  }
  return step!;
}

/** Returns why a step cannot run on this host or in the time left, or null. */
export function stepBlocked(
  clients: number,
  plan: CapacityPlan,
  limits: HostLimits,
  deadline: number,
): string | null {
  const files = filesNeeded(clients);
  if (files > limits.openFiles) {
    return `it needs about ${number(files)} open files, over the limit of ${number(limits.openFiles)}`;
  }
  if (clients > limits.ephemeralPorts) {
    return (
      `every client connects from 127.0.0.1 to the one public port, and the ephemeral ` +
      `port range (net.ipv4.ip_local_port_range) offers only ${number(limits.ephemeralPorts)} ports`
    );
  }
  const needMs = stepSeconds(clients, plan) * 1000;
  if (performance.now() + needMs > deadline) {
    return `about ${Math.round(needMs / 1000)} s needed, more than the time budget has left`;
  }
  return null;
}

/** Returns the open files a step of `clients` needs in the loadtest process. */
export function filesNeeded(clients: number): number {
  return clients * FILES_PER_CLIENT + SPARE_FILES;
}

function rampSeconds(clients: number, plan: CapacityPlan): number {
  return Math.max(2, Math.ceil(clients / plan.connectsPerSecond));
}

function stepSeconds(clients: number, plan: CapacityPlan): number {
  const timeline = plan.settleSeconds + plan.durationSeconds + plan.drainSeconds;
  return rampSeconds(clients, plan) + timeline + STEP_OVERHEAD_SECONDS;
}

async function runCapacityStep(
  engine: Engine,
  clients: number,
  plan: CapacityPlan,
  runsDir: string,
  attempt = 1,
): Promise<CapacityStep> {
  const suffix = attempt > 1 ? `-run${attempt}` : '';
  const outDir = join(runsDir, `capacity-${engine}-${clients}${suffix}`);
  const scenario = engine === 'socketio-v3' ? 'rooms' : BUILTIN_SCENARIO;
  const args = [
    ...['--scenario', scenario, '--replicas', '2', '--adapter', 'pubsub'],
    ...['--clients', String(clients), '--room-size', String(plan.roomSize)],
    ...['--rate', String(plan.ratePerClient), '--ramp', `${rampSeconds(clients, plan)}s`],
    ...['--settle', `${plan.settleSeconds}s`, '--duration', `${plan.durationSeconds}s`],
    ...['--drain', `${plan.drainSeconds}s`, '--generator-id', 'bench'],
  ];
  const timeoutMs = (stepSeconds(clients, plan) + 60) * 1000;
  const run = await runLoadtest(args, outDir, timeoutMs);
  const problem = runProblem(run);
  if (run.step === null) {
    throw new NotRunError(problem ?? 'the loadtest wrote no step');
  }
  return { ...capacityStep(engine, run.step, outDir, problem), attempt };
}

/** Picks the comparison step and runs the built-in engine there, if the budget allows. */
async function runComparison(
  steps: CapacityStep[],
  plan: CapacityPlan,
  deadline: number,
  runsDir: string,
  log: (line: string) => void,
): Promise<EngineComparison | null> {
  const candidates = steps.filter((step) => step.valid && step.clients <= plan.compareAt);
  const v3 = candidates.at(-1) ?? steps[0];
  if (v3 === undefined) {
    return null;
  }
  if (performance.now() + stepSeconds(v3.clients, plan) * 1000 > deadline) {
    return compareEngines(v3, null, 'the time budget of step 4 was used up');
  }

  log(`${number(v3.clients)} clients, built-in socketio engine`);
  try {
    const builtin = await runCapacityStep('socketio', v3.clients, plan, runsDir);
    return compareEngines(v3, builtin, null);
  } catch (error) {
    return compareEngines(v3, null, (error as Error).message);
  }
}

function marginalRss(valid: CapacityStep[]): number | null {
  const [smaller, larger] = valid.slice(-2);
  if (smaller === undefined || larger === undefined) {
    return null;
  }
  const added = larger.generator.rssBytes - smaller.generator.rssBytes;
  return Math.round(added / (larger.clients - smaller.clients));
}
