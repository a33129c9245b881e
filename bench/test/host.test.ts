import { describe, expect, test } from 'vitest';
import { ephemeralPortCount, readOpenFileLimit, readVersions } from '../src/host.ts';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
`;

describe('host limits', () => {
  test('open-file limit from /proc text', () => {
    expect(readOpenFileLimit(LIMITS)).toEqual({ soft: 1024, hard: 524_288 });
  });

  test('open-file limit of this process', () => {
    const limit = readOpenFileLimit();

    expect(limit.soft).toBeGreaterThan(0);
    expect(limit.hard).toBeGreaterThanOrEqual(limit.soft);
  });

  test('ephemeral port count from the range', () => {
    expect(ephemeralPortCount('32768\t60999\n')).toBe(28_232);
    expect(() => ephemeralPortCount('60999 32768')).toThrow(/ephemeral port range/);
  });
});

describe('readVersions', () => {
  test('names node, redis-server and the measured packages', () => {
    const versions = readVersions();

    expect(versions.node).toBe(process.version);
    expect(versions['socket.io']).toMatch(/^\d+\.\d+\.\d+/);
    expect(versions.ws).toMatch(/^\d+\.\d+\.\d+/);
    expect(versions['redis-server']).toMatch(/^\d+\.\d+\.\d+/);
  });
});
