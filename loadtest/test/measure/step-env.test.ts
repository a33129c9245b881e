import { describe, expect, test } from 'vitest';
import {
  DEFAULT_ACK_TIMEOUT_MS,
  parseStepEnv,
  STEP_ENV,
  StepEnvError,
  stepEnv,
} from '../../src/measure/step-env.ts';

const VALUES = {
  stepId: 'r2-load100',
  workerDir: '/tmp/workers',
  measureStartMs: 1_000_000,
  measureEndMs: 1_060_000,
  drainEndMs: 1_065_000,
  rate: 0.5,
  generatorId: 'gen-1',
};

describe('step environment', () => {
  test('round trip keeps every value', () => {
    const env = stepEnv({ ...VALUES, roomSize: 20, sendersPerRoom: 1, churnShare: 0.25 });

    const settings = parseStepEnv(env);

    expect(env[STEP_ENV.rate]).toBe('0.5');
    expect(settings).toMatchObject({ ...VALUES, roomSize: 20, sendersPerRoom: 1 });
    expect(settings.churnShare).toBe(0.25);
    expect(settings.ackTimeoutMs).toBe(DEFAULT_ACK_TIMEOUT_MS);
    expect(settings.sessionSeconds).toBeUndefined();
  });

  test('unset optional values are left out', () => {
    const env = stepEnv(VALUES);

    expect(Object.keys(env)).not.toContain(STEP_ENV.roomSize);
    expect(Object.keys(env)).not.toContain(STEP_ENV.sendersPerRoom);
  });

  test('error names every invalid variable', () => {
    const env = { ...stepEnv(VALUES), CHAT_RATE: 'fast', CHAT_ROOM_SIZE: '1' };
    delete (env as Record<string, string | undefined>).CHAT_STEP_ID;

    let error: unknown;
    try {
      parseStepEnv(env);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(StepEnvError);
    const message = (error as Error).message;
    expect(message).toContain('CHAT_RATE is "fast"');
    expect(message).toContain('CHAT_ROOM_SIZE is "1"');
    expect(message).toContain('CHAT_STEP_ID is unset');
  });

  test('windows out of order are rejected', () => {
    expect(() => stepEnv({ ...VALUES, measureEndMs: VALUES.measureStartMs })).toThrow(
      /CHAT_MEASURE_END_MS/,
    );
    expect(() => stepEnv({ ...VALUES, drainEndMs: VALUES.measureEndMs - 1 })).toThrow(
      /CHAT_DRAIN_END_MS/,
    );
  });

  test('generator id must fit in room names', () => {
    expect(() => stepEnv({ ...VALUES, generatorId: 'host.example' })).toThrow(/CHAT_GENERATOR_ID/);
  });

  test('empty variable counts as unset', () => {
    const settings = parseStepEnv({ ...stepEnv(VALUES), CHAT_ROOM_SIZE: '' });

    expect(settings.roomSize).toBeUndefined();
  });
});
