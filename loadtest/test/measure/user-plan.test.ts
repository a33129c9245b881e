import { describe, expect, test } from 'vitest';
import { SendSchedule } from '../../src/measure/schedule.ts';
import { parseStepEnv, stepEnv } from '../../src/measure/step-env.ts';
import {
  DEFAULT_ROOM_SIZE,
  planUser,
  resolveShape,
  ScenarioShapeError,
} from '../../src/measure/user-plan.ts';

const SETTINGS = parseStepEnv(
  stepEnv({
    stepId: 's',
    workerDir: '/tmp/w',
    measureStartMs: 1,
    measureEndMs: 2,
    drainEndMs: 3,
    rate: 1,
    generatorId: 'g',
  }),
);

describe('scenario shape', () => {
  test('environment wins over scenario variables', () => {
    const shape = resolveShape({ ...SETTINGS, roomSize: 4 }, { roomSize: 50, sendersPerRoom: 1 });

    expect(shape.roomSize).toBe(4);
    expect(shape.sendersPerRoom).toBe(1);
  });

  test('defaults apply when nothing is set', () => {
    const shape = resolveShape(SETTINGS, {});

    expect(shape).toEqual({
      roomSize: DEFAULT_ROOM_SIZE,
      sendersPerRoom: DEFAULT_ROOM_SIZE,
      churnShare: 0,
      sessionSeconds: 10,
    });
  });

  test('more senders than members is rejected', () => {
    expect(() => resolveShape(SETTINGS, { roomSize: 3, sendersPerRoom: 4 })).toThrow(
      ScenarioShapeError,
    );
    expect(() => resolveShape(SETTINGS, { roomSize: 'ten' })).toThrow(/roomSize/);
  });
});

describe('user plan', () => {
  const shape = { roomSize: 4, sendersPerRoom: 1, churnShare: 0.5, sessionSeconds: 5 };

  test('rooms fill in arrival order', () => {
    const plans = Array.from({ length: 9 }, (_, index) => planUser(index, shape, 'g.1.2', 0));

    expect(plans.map((plan) => plan.room)).toEqual([
      'g.1.2.0',
      'g.1.2.0',
      'g.1.2.0',
      'g.1.2.0',
      'g.1.2.1',
      'g.1.2.1',
      'g.1.2.1',
      'g.1.2.1',
      'g.1.2.2',
    ]);
    expect(plans.map((plan) => plan.sender)).toEqual([
      true,
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      true,
    ]);
    expect(plans.slice(0, 4).map((plan) => plan.churner)).toEqual([false, false, true, true]);
  });

  test('send phases spread over the interval', () => {
    const phases = Array.from({ length: 100 }, (_, index) => planUser(index, shape, 'g', 0.3))
      .map((plan) => plan.sendPhase)
      .sort((a, b) => a - b);

    for (let decile = 0; decile < 10; decile += 1) {
      const inDecile = phases.filter((phase) => Math.floor(phase * 10) === decile);
      expect(inDecile.length).toBeGreaterThanOrEqual(8);
      expect(inDecile.length).toBeLessThanOrEqual(12);
    }
  });
});

describe('send schedule', () => {
  test('slots come at the rate until the end', () => {
    const schedule = new SendSchedule(100n, 50n, 300n);

    expect(schedule.takeDue(99n)).toBeNull();
    expect(schedule.takeDue(100n)).toBe(100n);
    expect(schedule.takeDue(100n)).toBeNull();
    expect(schedule.takeDue(400n)).toBe(150n);
    expect(schedule.takeDue(400n)).toBe(200n);
    expect(schedule.takeDue(400n)).toBe(250n);
    expect(schedule.takeDue(400n)).toBeNull();
    expect(schedule.next).toBeNull();
  });

  test('slots before a late start are skipped', () => {
    const schedule = new SendSchedule(100n, 50n, 1_000n);

    schedule.skipBefore(231n);

    expect(schedule.next).toBe(250n);
  });

  test('interval follows the rate', () => {
    expect(SendSchedule.intervalFor(4)).toBe(250_000_000n);
    expect(() => new SendSchedule(0n, 0n, 10n)).toThrow(RangeError);
  });
});
