import { LABEL, METRIC } from '../../../server/src/metric-names.ts';
import type { ServerFigures } from '../results/summary.ts';
import { type Labels, parseMetricsText, parseSample, seriesKey } from './prometheus-text.ts';

export { MetricsParseError, parseMetricsText, seriesKey } from './prometheus-text.ts';

/** Node's default metrics, as prom-client's collectDefaultMetrics names them. */
export const NODE_METRIC = {
  cpuSeconds: 'process_cpu_seconds_total',
  residentMemory: 'process_resident_memory_bytes',
  heapUsed: 'nodejs_heap_size_used_bytes',
  loopDelayP99: 'nodejs_eventloop_lag_p99_seconds',
} as const;

/** One scrape of a replica's /metrics. */
export interface MetricsSnapshot {
  url: string;
  /** Series key (see seriesKey) -> value. */
  series: Map<string, number>;
}

export class MetricsScrapeError extends Error {
  override name = 'MetricsScrapeError';
}

export class MetricMissingError extends Error {
  override name = 'MetricMissingError';
}

/**
 * Fetches `url` (a replica's full /metrics address) and parses it. Throws MetricsScrapeError
 * when the request fails, times out after `timeoutMs` or returns a status other than 200, and
 * MetricsParseError when the body is not the Prometheus text format.
 */
export async function scrapeMetrics(url: string, timeoutMs = 2_000): Promise<MetricsSnapshot> {
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
    if (response.status !== 200) {
      throw new MetricsScrapeError(`GET ${url} returned HTTP ${response.status}`);
    }
  } catch (error) {
    if (error instanceof MetricsScrapeError) {
      throw error;
    }
    throw new MetricsScrapeError(`GET ${url} failed: ${describeFetchError(error, timeoutMs)}`, {
      cause: error,
    });
  }
  return { url, series: parseMetricsText(text) };
}

/** Returns the value of one series, or undefined when the snapshot does not have it. */
export function seriesValue(
  snapshot: MetricsSnapshot,
  name: string,
  labels: Labels = {},
): number | undefined {
  return snapshot.series.get(seriesKey(name, labels));
}

/**
 * Computes one replica's figures for a measure window from scrapes at its start and end.
 * Counters become deltas. A counter lower at the end means the replica restarted in between,
 * so its end value (counted since the restart) is the delta. Connections, memory and loop
 * delay are the values at the end. Throws MetricMissingError when a series is missing.
 */
export function serverFigures(before: MetricsSnapshot, after: MetricsSnapshot): ServerFigures {
  const delta = (name: string) => counterDelta(read(before, name), read(after, name));

  return {
    replica: replicaId(after),
    connections: read(after, METRIC.connectedClients),
    messagesReceived: delta(METRIC.messagesReceived),
    messagesDelivered: delta(METRIC.messagesDelivered),
    backplanePublished: delta(METRIC.backplanePublished),
    backplaneReceived: delta(METRIC.backplaneReceived),
    cpuSeconds: roundToSixDecimals(delta(NODE_METRIC.cpuSeconds)),
    rssBytes: read(after, NODE_METRIC.residentMemory),
    heapUsedBytes: read(after, NODE_METRIC.heapUsed),
    // prom-client resets its event-loop delay histogram on every scrape, so this p99 covers
    // the time since the previous scrape: the measure window unless Prometheus scrapes too.
    loopDelayP99Ms: roundToSixDecimals(read(after, NODE_METRIC.loopDelayP99) * 1000),
  };
}

function read(snapshot: MetricsSnapshot, name: string): number {
  const value = seriesValue(snapshot, name);
  if (value === undefined) {
    throw new MetricMissingError(
      `${snapshot.url} has no series ${name}; is it the /metrics of a chat server replica?`,
    );
  }
  return value;
}

/** Reads the `replica` label of the replica info series. */
export function replicaId(snapshot: MetricsSnapshot): string {
  const prefix = `${METRIC.replicaInfo}{`;
  for (const key of snapshot.series.keys()) {
    if (key.startsWith(prefix)) {
      const replica = parseSample(`${key} 1`).labels[LABEL.replica];
      if (replica !== undefined) {
        return replica;
      }
    }
  }
  throw new MetricMissingError(
    `${snapshot.url} has no ${METRIC.replicaInfo} series with a replica label; ` +
      'is it the /metrics of a chat server replica?',
  );
}

function counterDelta(before: number, after: number): number {
  return after >= before ? after - before : after;
}

/** Drops floating-point noise such as 0.30000000000000004 from sums of seconds. */
function roundToSixDecimals(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (!(error instanceof Error)) {
    return String(error);
  }
  if (error.name === 'TimeoutError') {
    return `no response within ${timeoutMs} ms`;
  }
  const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
  return code === undefined ? error.message : `${error.message} (${code})`;
}
