/**
 * The plans of `npm run bench` in two sizes: the full plan (about 11 minutes) and `--quick`
 * (about 3). Every load, duration and step count of the bench is set here, and so is the
 * calibration that `--calibrate` runs.
 */
import type { CalibrationPlan } from './calibration.ts';
import { type CapacityPlan, filesNeeded } from './capacity.ts';
import type { HarnessPlan, HarnessShape } from './harness.ts';
import type { LightLoad } from './one-way.ts';
import type { RepeatPlan } from './repeatability.ts';
import type { ServerCostPlan } from './server-cost/server-cost.ts';

export type BenchMode = 'full' | 'quick';

export interface BenchPlan {
  mode: BenchMode;
  /** Steps 1 to 3: the message rate and size every latency comparison uses. */
  light: LightLoad;
  harness: HarnessPlan;
  capacity: CapacityPlan;
  serverCost: ServerCostPlan;
  /** Step 6: the harness step of step 3, repeated. */
  repeat: RepeatPlan;
  /** The calibration, which `--calibrate` runs instead of the steps. */
  calibration: CalibrationPlan;
}

/** 200 messages per second of 64 bytes of text: light enough that nothing queues. */
const LIGHT_RATE = 200;
const MESSAGE_BYTES = 64;

/**
 * One message every 5 s per client, in rooms of 10: 1,000 clients make 1,800 deliveries per
 * second, 20,000 make 36,000.
 */
const CAPACITY_RATE_PER_CLIENT = 0.2;
const CAPACITY_ROOM_SIZE = 10;

/**
 * The light rate in 2 rooms of 4. The public port hands connections to the 2 replicas in
 * turn, so each room has members on both, and every message has 1 same-replica and 2
 * cross-replica deliveries.
 */
const CALIBRATION_SHAPE: HarnessShape = { clients: 8, roomSize: 4, ratePerClient: 25 };
const CALIBRATION_DELAY_MS = 10;
const CALIBRATION_TOLERANCE_MS = 0.5;

export function benchPlan(mode: BenchMode): BenchPlan {
  return mode === 'quick' ? QUICK : FULL;
}

const FULL: BenchPlan = {
  mode: 'full',
  light: {
    rate: LIGHT_RATE,
    messageBytes: MESSAGE_BYTES,
    warmupMs: 2_000,
    measureMs: 10_000,
    drainMs: 1_000,
  },
  harness: { rampSeconds: 2, settleSeconds: 3, durationSeconds: 10, drainSeconds: 2 },
  capacity: {
    steps: [1_000, 2_000, 5_000, 10_000, 20_000, 40_000],
    ratePerClient: CAPACITY_RATE_PER_CLIENT,
    roomSize: CAPACITY_ROOM_SIZE,
    connectsPerSecond: 500,
    settleSeconds: 3,
    durationSeconds: 10,
    drainSeconds: 3,
    compareAt: 5_000,
    budgetMs: 330_000,
  },
  serverCost: {
    load: {
      clients: 2_000,
      roomSize: 5,
      messagesPerSecond: 400,
      messageBytes: MESSAGE_BYTES,
      settleMs: 1_500,
      measureMs: 8_000,
      drainMs: 1_000,
    },
    replicaCounts: { pubsub: [1, 2, 4], sharded: [1, 2, 4] },
  },
  repeat: { repeats: 3 },
  calibration: {
    delayMs: CALIBRATION_DELAY_MS,
    toleranceMs: CALIBRATION_TOLERANCE_MS,
    shape: CALIBRATION_SHAPE,
    messageBytes: MESSAGE_BYTES,
    timeline: { rampSeconds: 1, settleSeconds: 2, durationSeconds: 20, drainSeconds: 1 },
  },
};

const QUICK: BenchPlan = {
  mode: 'quick',
  light: {
    rate: LIGHT_RATE,
    messageBytes: MESSAGE_BYTES,
    warmupMs: 1_000,
    measureMs: 4_000,
    drainMs: 500,
  },
  harness: { rampSeconds: 1, settleSeconds: 2, durationSeconds: 5, drainSeconds: 1 },
  capacity: {
    steps: [1_000, 2_000],
    ratePerClient: CAPACITY_RATE_PER_CLIENT,
    roomSize: CAPACITY_ROOM_SIZE,
    connectsPerSecond: 500,
    settleSeconds: 2,
    durationSeconds: 5,
    drainSeconds: 1,
    compareAt: 1_000,
    budgetMs: 110_000,
  },
  serverCost: {
    load: {
      clients: 600,
      roomSize: 5,
      messagesPerSecond: 400,
      messageBytes: MESSAGE_BYTES,
      settleMs: 1_000,
      measureMs: 3_000,
      drainMs: 500,
    },
    replicaCounts: { pubsub: [1, 2, 4], sharded: [2] },
  },
  repeat: { repeats: 2 },
  calibration: {
    delayMs: CALIBRATION_DELAY_MS,
    toleranceMs: CALIBRATION_TOLERANCE_MS,
    shape: CALIBRATION_SHAPE,
    messageBytes: MESSAGE_BYTES,
    timeline: { rampSeconds: 1, settleSeconds: 2, durationSeconds: 10, drainSeconds: 1 },
  },
};

/** Enough for the floors and the server-cost clients, which all run in the bench process. */
const MINIMUM_FILES = 8_192;

/** Returns the open-file limit the largest capacity step of `plan` needs. */
export function openFilesNeeded(plan: BenchPlan): number {
  const largest = Math.max(...plan.capacity.steps);
  return Math.max(MINIMUM_FILES, filesNeeded(largest));
}
