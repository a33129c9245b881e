/**
 * Memory of every process of a step, read every few seconds while it runs: each replica's
 * RSS and heap from its /metrics, the RSS of Artillery's process tree from /proc, and the
 * loadtest orchestrator's own RSS and heap. The readings run in the orchestrator, outside
 * the load generator's threads.
 */
import { readdir, readFile } from 'node:fs/promises';
import { METRIC } from '../../../server/src/metric-names.ts';
import { NODE_METRIC, replicaId, scrapeMetrics, seriesValue } from '../cluster/metrics-scrape.ts';
import { memorySlopes } from '../results/memory-trend.ts';
import type { MemorySample, MemorySeries, StepMemory } from '../results/summary.ts';
import type { MetricsEndpoint } from './figures.ts';

export const MEMORY_INTERVAL_MS = 5_000;
/**
 * Readings kept per process: an hour at 5 s. Past this every other reading is dropped and the
 * interval doubles, so a soak of any length keeps at most this many points per series.
 */
export const MAX_MEMORY_SAMPLES = 720;

/** Names asked for, so that a reading does not collect (and reset) the loop-delay histogram. */
const SAMPLED_METRICS = [NODE_METRIC.residentMemory, NODE_METRIC.heapUsed, METRIC.replicaInfo];

export interface MemorySamplerOptions {
  endpoints: MetricsEndpoint[];
  /** Artillery's process id, or null to leave the generator out. */
  generatorPid: number | null;
  /** Epoch ms at which the measure window starts. Reading times count from it. */
  measureStartMs: number;
  intervalMs?: number;
  maxSamples?: number;
}

interface Reading {
  rssBytes: number;
  heapUsedBytes: number | null;
  /** Replica id from the replica's own metrics. A replica restarted under a new id renames its series. */
  process?: string;
}

interface Track {
  process: string;
  kind: MemorySeries['kind'];
  read: () => Promise<Reading>;
  /** One entry per reading time, null where the reading failed, so thinning keeps them aligned. */
  readings: (MemorySample | null)[];
  failed: number;
}

export class MemorySampler {
  private readonly tracks: Track[];
  private readonly measureStartMs: number;
  private readonly maxSamples: number;
  private intervalMs: number;
  private nextAtMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private stopped = false;

  constructor(options: MemorySamplerOptions) {
    this.measureStartMs = options.measureStartMs;
    this.intervalMs = options.intervalMs ?? MEMORY_INTERVAL_MS;
    this.maxSamples = options.maxSamples ?? MAX_MEMORY_SAMPLES;
    this.tracks = [
      ...options.endpoints.map((endpoint) => replicaTrack(endpoint)),
      ...(options.generatorPid === null ? [] : [generatorTrack(options.generatorPid)]),
      loadtestTrack(),
    ];
  }

  /** Takes the first reading now and the next ones every interval until stop(). */
  start(): void {
    this.nextAtMs = Date.now();
    this.tick();
  }

  /** Stops reading and waits for a reading in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) {
      clearTimeout(this.timer);
    }
    await this.current;
  }

  /** Returns the series so far, with slopes over the first `measureSeconds` of the measure window. */
  result(measureSeconds: number): StepMemory {
    const series = this.tracks.map((track): MemorySeries => {
      const samples = track.readings.filter((sample) => sample !== null);
      const slopes = memorySlopes(samples, measureSeconds);
      return {
        process: track.process,
        kind: track.kind,
        samples,
        rssSlopeMiBPerMinute: slopes.rss,
        heapSlopeMiBPerMinute: slopes.heap,
        failedReadings: track.failed,
      };
    });
    return {
      measureStartedAt: new Date(this.measureStartMs).toISOString(),
      intervalSeconds: this.intervalMs / 1_000,
      series,
    };
  }

  private tick(): void {
    this.current = this.readAll().then(() => {
      if (this.stopped) {
        return;
      }
      this.nextAtMs += this.intervalMs;
      this.timer = setTimeout(() => this.tick(), Math.max(0, this.nextAtMs - Date.now()));
    });
  }

  private async readAll(): Promise<void> {
    const atMs = Date.now();
    const seconds = Math.round((atMs - this.measureStartMs) / 100) / 10;
    const readings = await Promise.all(this.tracks.map((track) => track.read().catch(() => null)));

    this.tracks.forEach((track, index) => {
      const reading = readings[index]!;
      if (reading === null) {
        track.failed += 1;
        track.readings.push(null);
        return;
      }
      if (reading.process !== undefined) {
        track.process = reading.process;
      }
      track.readings.push([seconds, reading.rssBytes, reading.heapUsedBytes]);
    });

    if (this.tracks[0]!.readings.length > this.maxSamples) {
      for (const track of this.tracks) {
        track.readings = track.readings.filter((_, position) => position % 2 === 0);
      }
      this.intervalMs *= 2;
    }
  }
}

function replicaTrack(endpoint: MetricsEndpoint): Track {
  const url = new URL(endpoint.url);
  for (const name of SAMPLED_METRICS) {
    url.searchParams.append('name', name);
  }

  return {
    process: endpoint.name,
    kind: 'replica',
    readings: [],
    failed: 0,
    read: async () => {
      const snapshot = await scrapeMetrics(url.href);
      const rssBytes = seriesValue(snapshot, NODE_METRIC.residentMemory);
      if (rssBytes === undefined) {
        throw new Error(`${endpoint.url} has no ${NODE_METRIC.residentMemory}`);
      }
      return {
        rssBytes,
        heapUsedBytes: seriesValue(snapshot, NODE_METRIC.heapUsed) ?? null,
        process: replicaId(snapshot),
      };
    },
  };
}

/** Artillery runs its virtual users in worker threads, so its heap is not readable from here. */
function generatorTrack(pid: number): Track {
  return {
    process: 'generator',
    kind: 'generator',
    readings: [],
    failed: 0,
    read: async () => ({ rssBytes: await processTreeRss(pid), heapUsedBytes: null }),
  };
}

function loadtestTrack(): Track {
  return {
    process: 'loadtest',
    kind: 'loadtest',
    readings: [],
    failed: 0,
    read: async () => {
      const usage = process.memoryUsage();
      return { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed };
    },
  };
}

/**
 * Sums VmRSS of `pid` and its descendants from Linux's /proc. Throws where /proc is missing
 * or the process has exited. Pages shared between the processes are counted once per process.
 */
export async function processTreeRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match === null) {
    throw new Error(`/proc/${pid}/status has no VmRSS line`);
  }

  let total = Number(match[1]) * 1024;
  for (const child of await childPids(pid)) {
    total += await processTreeRss(child).catch(() => 0);
  }
  return total;
}

async function childPids(pid: number): Promise<number[]> {
  const threads = await readdir(`/proc/${pid}/task`).catch(() => []);
  const lists = await Promise.all(
    threads.map((thread) =>
      readFile(`/proc/${pid}/task/${thread}/children`, 'utf8').catch(() => ''),
    ),
  );
  return lists.flatMap((list) => list.split(/\s+/).filter(Boolean).map(Number));
}
