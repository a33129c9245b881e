import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySampler, processTreeRss } from '../../src/cli/memory-sampler.ts';
import { type LocalCluster, startLocalCluster } from '../../src/cluster/local-cluster.ts';
import { memorySlopes, slopeMiBPerMinute, windowSamples } from '../../src/results/memory-trend.ts';
import type { MemorySample } from '../../src/results/summary.ts';

const MEBIBYTE = 1024 * 1024;

describe('memory slope', () => {
  it('is the rate of a straight line', () => {
    const points: [number, number][] = [0, 60, 120, 180].map((s) => [s, 100 * MEBIBYTE + s * 1024]);

    // 1 KiB per second is 60 KiB per minute.
    expect(slopeMiBPerMinute(points)).toBe(0.059);
  });

  it('fits noisy readings by least squares', () => {
    const points: [number, number][] = [
      [0, 10 * MEBIBYTE],
      [30, 12 * MEBIBYTE],
      [60, 11 * MEBIBYTE],
      [90, 13 * MEBIBYTE],
    ];

    // Least squares over x = 0, 30, 60, 90 s and y = 10, 12, 11, 13 MiB: 120 / 4500 MiB/s.
    expect(slopeMiBPerMinute(points)).toBe(1.6);
  });

  it('is negative for shrinking memory', () => {
    expect(
      slopeMiBPerMinute([
        [0, 2 * MEBIBYTE],
        [60, MEBIBYTE],
      ]),
    ).toBe(-1);
  });

  it('is null below two readings or at one instant', () => {
    expect(slopeMiBPerMinute([])).toBeNull();
    expect(slopeMiBPerMinute([[5, MEBIBYTE]])).toBeNull();
    expect(
      slopeMiBPerMinute([
        [5, MEBIBYTE],
        [5, 2 * MEBIBYTE],
      ]),
    ).toBeNull();
  });

  it('counts only readings inside the measure window', () => {
    const samples: MemorySample[] = [
      [-10, 500 * MEBIBYTE, null],
      [0, 10 * MEBIBYTE, 5 * MEBIBYTE],
      [60, 11 * MEBIBYTE, null],
      [120, 12 * MEBIBYTE, 5 * MEBIBYTE],
      [130, 900 * MEBIBYTE, 900 * MEBIBYTE],
    ];

    expect(windowSamples(samples, 120).map(([seconds]) => seconds)).toEqual([0, 60, 120]);
    expect(memorySlopes(samples, 120)).toEqual({ rss: 1, heap: 0 });
  });
});

describe('memory sampler', () => {
  it('keeps at most maxSamples readings by thinning', { timeout: 10_000 }, async () => {
    const sampler = new MemorySampler({
      endpoints: [],
      generatorPid: process.pid,
      measureStartMs: Date.now(),
      intervalMs: 10,
      maxSamples: 8,
    });

    sampler.start();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await sampler.stop();
    const memory = sampler.result(1);

    expect(memory.series.map((series) => series.kind)).toEqual(['generator', 'loadtest']);
    expect(memory.intervalSeconds).toBeGreaterThan(0.01);
    for (const series of memory.series) {
      expect(series.samples.length).toBeGreaterThan(2);
      expect(series.samples.length).toBeLessThanOrEqual(8);
      expect(series.failedReadings).toBe(0);
      const times = series.samples.map(([seconds]) => seconds);
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }
  });

  it('reads the RSS of this process from /proc', async () => {
    const rss = await processTreeRss(process.pid);

    expect(rss).toBeGreaterThan(10 * MEBIBYTE);
    expect(rss).toBeLessThan(process.memoryUsage.rss() * 2);
  });

  it('rejects a process that does not exist', async () => {
    await expect(processTreeRss(2 ** 22 + 1)).rejects.toThrow(/ENOENT/);
  });
});

describe('memory sampler on replicas', () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startLocalCluster({ replicas: 2, adapter: 'pubsub' });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('reads RSS and heap of every replica', { timeout: 20_000 }, async () => {
    const endpoints = cluster.replicas.map((replica) => ({
      name: `replica ${replica.id}`,
      url: replica.metricsUrl,
    }));
    const sampler = new MemorySampler({
      endpoints,
      generatorPid: null,
      measureStartMs: Date.now(),
      intervalMs: 200,
    });

    sampler.start();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await sampler.stop();
    const replicas = sampler.result(60).series.filter((series) => series.kind === 'replica');

    expect(replicas.map((series) => series.process).sort()).toEqual(
      cluster.replicas.map((replica) => replica.id).sort(),
    );
    for (const series of replicas) {
      expect(series.failedReadings).toBe(0);
      expect(series.samples.length).toBeGreaterThanOrEqual(2);
      for (const [, rss, heap] of series.samples) {
        expect(rss).toBeGreaterThan(10 * MEBIBYTE);
        expect(heap).toBeGreaterThan(MEBIBYTE);
        expect(heap).toBeLessThan(rss);
      }
      expect(Number.isFinite(series.rssSlopeMiBPerMinute)).toBe(true);
    }
  });
});
