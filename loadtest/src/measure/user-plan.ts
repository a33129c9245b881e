/**
 * The plan of each virtual user of a thread: its room, whether it sends, whether it churns,
 * and the timing of its sends and its arrival. Rooms are numbered per thread, so a room
 * never spans worker threads or load-generator processes and all its members share one
 * monotonic clock.
 */
import type { StepSettings } from './step-env.ts';

/** Room shape of a scenario after environment and scenario variables are combined. */
export interface ScenarioShape {
  roomSize: number;
  sendersPerRoom: number;
  /** Share of each room's places taken by members that join mid-step and leave early. */
  churnShare: number;
  sessionSeconds: number;
}

export interface UserPlan {
  /** Arrival order of the user within its thread, from 0. */
  index: number;
  room: string;
  /** Place in the room, from 0. */
  slot: number;
  sender: boolean;
  churner: boolean;
  /** Offset of the user's sends within one send interval, as a fraction in [0, 1). */
  sendPhase: number;
  /** Start of a churner's session within the window left for it, as a fraction in [0, 1). */
  arrivalPhase: number;
}

export const DEFAULT_ROOM_SIZE = 10;
export const DEFAULT_SESSION_SECONDS = 10;

export class ScenarioShapeError extends Error {
  override name = 'ScenarioShapeError';
}

/**
 * Combines the step environment with the scenario's variables: an environment variable, when
 * set, wins over the scenario variable of the same meaning, which wins over the default.
 */
export function resolveShape(
  settings: StepSettings,
  variables: Record<string, unknown>,
): ScenarioShape {
  const roomSize = settings.roomSize ?? variable(variables, 'roomSize') ?? DEFAULT_ROOM_SIZE;
  const sendersPerRoom =
    settings.sendersPerRoom ?? variable(variables, 'sendersPerRoom') ?? roomSize;
  const churnShare = settings.churnShare ?? variable(variables, 'churnShare') ?? 0;
  const sessionSeconds =
    settings.sessionSeconds ?? variable(variables, 'sessionSeconds') ?? DEFAULT_SESSION_SECONDS;

  if (!Number.isInteger(roomSize) || roomSize < 2) {
    throw new ScenarioShapeError(`room size ${roomSize} is invalid; use a whole number >= 2`);
  }
  if (!Number.isInteger(sendersPerRoom) || sendersPerRoom < 1 || sendersPerRoom > roomSize) {
    throw new ScenarioShapeError(
      `senders per room ${sendersPerRoom} is invalid; use a whole number from 1 to the ` +
        `room size ${roomSize}`,
    );
  }
  if (churnShare < 0 || churnShare > 1) {
    throw new ScenarioShapeError(`churn share ${churnShare} is invalid; use 0 to 1`);
  }
  if (sessionSeconds <= 0) {
    throw new ScenarioShapeError(`session length ${sessionSeconds} s is invalid; use > 0`);
  }
  return { roomSize, sendersPerRoom, churnShare, sessionSeconds };
}

/** Golden-ratio steps spread any number of users evenly over [0, 1). */
const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * Plans the user arriving `index`-th in its thread. Rooms fill in arrival order, K places
 * each; the first `sendersPerRoom` places send and the last `churnShare` of places churn.
 * `seed` shifts the phases so that threads do not all start their users at the same instant.
 */
export function planUser(
  index: number,
  shape: ScenarioShape,
  roomPrefix: string,
  seed: number,
): UserPlan {
  const slot = index % shape.roomSize;
  const churners = Math.round(shape.roomSize * shape.churnShare);
  return {
    index,
    room: `${roomPrefix}.${Math.floor(index / shape.roomSize)}`,
    slot,
    sender: slot < shape.sendersPerRoom,
    churner: slot >= shape.roomSize - churners,
    sendPhase: fraction(seed + index * GOLDEN),
    arrivalPhase: fraction(seed + index * GOLDEN * GOLDEN),
  };
}

function fraction(value: number): number {
  return value - Math.floor(value);
}

function variable(variables: Record<string, unknown>, name: string): number | undefined {
  const value = variables[name];
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(number)) {
    throw new ScenarioShapeError(
      `scenario variable ${name} is ${JSON.stringify(value)}; expected a number`,
    );
  }
  return number;
}
