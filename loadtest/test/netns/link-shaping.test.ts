import { describe, expect, test } from 'vitest';
import { isUnshaped, netemArguments, resolveShaping } from '../../src/netns/link-shaping.ts';

describe('resolveShaping', () => {
  test('fills missing fields with zero', () => {
    expect(resolveShaping({ delayMs: 5 })).toEqual({ delayMs: 5, jitterMs: 0, lossPercent: 0 });
    expect(isUnshaped(resolveShaping({}))).toBe(true);
  });

  test.each([
    [{ delayMs: -1 }, /delayMs must be a number from 0 to 60000, got -1/],
    [{ delayMs: Number.NaN }, /delayMs/],
    [{ delayMs: 1, jitterMs: 2 }, /jitterMs \(2\) must not exceed delayMs \(1\)/],
    [{ lossPercent: 100.5 }, /lossPercent must be a number from 0 to 100, got 100.5/],
  ])('rejects %o', (shaping, message) => {
    expect(() => resolveShaping(shaping)).toThrow(RangeError);
    expect(() => resolveShaping(shaping)).toThrow(message);
  });
});

describe('netemArguments', () => {
  test('delay alone', () => {
    expect(netemArguments(resolveShaping({ delayMs: 5 }))).toEqual(['delay', '5ms']);
  });

  test('delay, jitter and loss', () => {
    const shaping = resolveShaping({ delayMs: 20, jitterMs: 2.5, lossPercent: 0.1 });

    expect(netemArguments(shaping)).toEqual(['delay', '20ms', '2.5ms', 'loss', '0.1%']);
  });

  test('loss without delay', () => {
    expect(netemArguments(resolveShaping({ lossPercent: 1 }))).toEqual([
      'delay',
      '0ms',
      'loss',
      '1%',
    ]);
  });
});
