import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RedisServer } from '../../loadtest/src/cluster/redis-server.ts';
import { measureFloor } from '../src/floor/floor.ts';
import { formatReport } from '../src/markdown.ts';
import type { OneWayResult } from '../src/one-way.ts';
import { benchPlan } from '../src/plan.ts';
import { ratio } from '../src/ratios.ts';
import { analyse, type BenchContext, buildReport } from '../src/report.ts';
import { floorRateLimit, measureServerFloor } from '../src/server-floor.ts';

/** 2 s of 200 messages per second: enough samples for a p50, small enough for a test. */
const LOAD = { rate: 200, messageBytes: 64, warmupMs: 300, measureMs: 2_000, drainMs: 300 };

let redis: RedisServer;
let floor: OneWayResult;
let serverFloor: OneWayResult;

beforeAll(async () => {
  redis = new RedisServer();
  await redis.start();
  floor = await measureFloor(redis.url, LOAD);
  serverFloor = await measureServerFloor(redis.url, LOAD);
});

afterAll(async () => {
  await redis?.dispose();
});

describe.each([
  ['floor', () => floor],
  ['server floor', () => serverFloor],
])('%s', (_name, result) => {
  test('receives every message once', () => {
    const { sent, received, lost, duplicated } = result();

    expect(sent).toBe(400);
    expect(received).toBe(sent);
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
  });

  test('records one latency per message', () => {
    const { latency } = result();

    expect(latency.count).toBe(400);
    expect(latency.min).toBeGreaterThan(0);
    expect(latency.p50).toBeGreaterThanOrEqual(latency.min);
    expect(latency.p99).toBeGreaterThanOrEqual(latency.p50);
    expect(latency.max).toBeGreaterThanOrEqual(latency.p99);
    expect(latency.histogram.length).toBeGreaterThan(0);
  });
});

describe('floor against server floor', () => {
  test('floor p50 is below server floor p50', () => {
    expect(floor.latency.p50).toBeLessThan(serverFloor.latency.p50);
  });

  test('ratios come from the printed figures', () => {
    const parts = {
      floor: { status: 'done' as const, seconds: 1, figures: floor },
      serverFloor: {
        status: 'done' as const,
        seconds: 1,
        figures: { ...serverFloor, rateLimit: floorRateLimit(LOAD) },
      },
    };
    const analysis = analyse(parts);
    const expectedP50 = ratio(serverFloor.latency.p50, floor.latency.p50);
    const markdown = formatReport(buildReport(fakeContext(), parts));

    expect(analysis.ratios.serverFloorOverFloor.p50).toBe(expectedP50);
    expect(analysis.ratios.serverFloorOverFloor.p99).toBe(
      ratio(serverFloor.latency.p99, floor.latency.p99),
    );
    expect(markdown).toContain(`| ${floor.latency.p50.toLocaleString('en-US')} |`);
    expect(markdown).toContain(`what Socket.IO and the adapter cost) | ${expectedP50} |`);
  });

  test('missing harness is reported as not measured', () => {
    const analysis = analyse({});
    const harnessTarget = analysis.targets.find((check) => check.name.includes('p50'));

    expect(harnessTarget?.met).toBeNull();
    expect(harnessTarget?.verdict).toBe('not run: not selected');
  });
});

function fakeContext(): BenchContext {
  return {
    startedAt: '2025-03-04T05:06:07.000Z',
    command: 'npm run bench -- --quick',
    outDir: '/tmp/bench-test',
    machine: {
      hostname: 'test',
      os: 'Linux',
      arch: 'x64',
      cpus: 2,
      cpuModel: 'test cpu',
      memoryBytes: 1e9,
      node: '24.0.0',
      loadAverage: [0, 0, 0],
      sharedHost: true,
    },
    versions: { node: process.version },
    git: 'abc1234',
    openFiles: { limit: 1024, note: 'open-file limit 1024' },
    ephemeralPorts: 28_232,
    plan: benchPlan('quick'),
  };
}
