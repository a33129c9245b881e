import { describe, expect, test } from 'vitest';
import { emptyLatencySummary } from '../../loadtest/src/results/histogram.ts';
import { fromSummary } from '../src/latency.ts';
import { latencyRatio, ratio } from '../src/ratios.ts';
import { checkTarget } from '../src/targets.ts';

describe('checkTarget', () => {
  test('reports a met upper limit', () => {
    const check = checkTarget('p50 ratio', 1.1, '<=', 1.2);

    expect(check.met).toBe(true);
    expect(check.verdict).toBe('met: 1.1, target <= 1.2');
  });

  test('says by how much an upper limit is missed', () => {
    const check = checkTarget('p99 ratio', 1.8, '<=', 1.5);

    expect(check.met).toBe(false);
    expect(check.verdict).toBe('missed by 0.3: 1.8, target <= 1.5, 20 % over');
  });

  test('says by how much a lower limit is missed', () => {
    const check = checkTarget('largest step', 5_000, '>=', 20_000, ' clients');

    expect(check.met).toBe(false);
    expect(check.verdict).toBe(
      'missed by 15,000 clients: 5,000 clients, target >= 20,000 clients, 75 % short',
    );
  });

  test('explains a value that was not measured', () => {
    const check = checkTarget('rss', null, '<=', 20_000, ' bytes', 'not run: no Redis');

    expect(check.met).toBeNull();
    expect(check.verdict).toBe('not run: no Redis');
  });
});

describe('ratio', () => {
  test('divides and rounds to two decimals', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(1, 3)).toBe(0.33);
  });

  test('is null without a positive divisor', () => {
    expect(ratio(3, 0)).toBeNull();
    expect(ratio(3, null)).toBeNull();
    expect(ratio(undefined, 2)).toBeNull();
  });

  test('of latencies uses p50 and p99', () => {
    const base = fromSummary(emptyLatencySummary());
    const fast = { ...base, count: 10, p50: 400, p99: 1_000 };
    const slow = { ...base, count: 10, p50: 600, p99: 3_000 };

    expect(latencyRatio(slow, fast)).toEqual({ p50: 1.5, p99: 3 });
    expect(latencyRatio(slow, null)).toEqual({ p50: null, p99: null });
  });
});
