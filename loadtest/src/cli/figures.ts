/**
 * Server-side figures of a step: every replica's /metrics and Redis INFO, read at the start
 * and the end of the measure window, turned into per-replica and Redis deltas. A source that
 * cannot be read leaves its figures out, and the step's reasons name it and the error.
 */
import { type MetricsSnapshot, scrapeMetrics, serverFigures } from '../cluster/metrics-scrape.ts';
import { type RedisInfo, readRedisInfo, redisFigures } from '../cluster/redis-info.ts';
import type { RedisFigures, ServerFigures } from '../results/summary.ts';
import { redactUrl } from './run-info.ts';

export interface MetricsEndpoint {
  /** Replica id, or the URL when the id is not known in advance. */
  name: string;
  url: string;
}

export interface Snapshot {
  metrics: Map<string, MetricsSnapshot | Error>;
  redis: RedisInfo | Error | null;
}

export interface StepFigures {
  servers: ServerFigures[];
  redis: RedisFigures | null;
  reasons: string[];
}

export interface FigureSource {
  /** The replicas' /metrics addresses, also read for memory over time. */
  endpoints: MetricsEndpoint[];
  snapshot(): Promise<Snapshot>;
  figures(before: Snapshot, after: Snapshot): StepFigures;
}

/** Reads `endpoints` and, when `redisUrl` is set, Redis INFO. */
export function figureSource(endpoints: MetricsEndpoint[], redisUrl: string | null): FigureSource {
  return {
    endpoints,
    snapshot: () => takeSnapshot(endpoints, redisUrl),
    figures: (before, after) => compareSnapshots(endpoints, redisUrl, before, after),
  };
}

async function takeSnapshot(
  endpoints: MetricsEndpoint[],
  redisUrl: string | null,
): Promise<Snapshot> {
  const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));
  const [scrapes, redis] = await Promise.all([
    Promise.all(endpoints.map((endpoint) => scrapeMetrics(endpoint.url).catch(asError))),
    redisUrl === null ? null : readRedisInfo(redisUrl).catch(asError),
  ]);
  return {
    metrics: new Map(endpoints.map((endpoint, index) => [endpoint.url, scrapes[index]!])),
    redis,
  };
}

function compareSnapshots(
  endpoints: MetricsEndpoint[],
  redisUrl: string | null,
  before: Snapshot,
  after: Snapshot,
): StepFigures {
  const result: StepFigures = { servers: [], redis: null, reasons: [] };

  for (const endpoint of endpoints) {
    const first = before.metrics.get(endpoint.url);
    const last = after.metrics.get(endpoint.url);
    const failure = [first, last].find((scrape) => scrape instanceof Error);
    if (failure !== undefined) {
      result.reasons.push(
        `cannot read /metrics of ${endpoint.name} (${endpoint.url}): ${failure.message}; ` +
          'its server figures are left out',
      );
    } else if (first !== undefined && last !== undefined) {
      try {
        result.servers.push(serverFigures(first as MetricsSnapshot, last as MetricsSnapshot));
      } catch (error) {
        result.reasons.push(
          `cannot compute the figures of ${endpoint.name}: ${(error as Error).message}`,
        );
      }
    }
  }

  if (redisUrl !== null) {
    const failure = [before.redis, after.redis].find((info) => info instanceof Error);
    if (failure instanceof Error) {
      result.reasons.push(
        `cannot read INFO from Redis at ${redactUrl(redisUrl)}: ${failure.message}; ` +
          'the Redis figures are left out',
      );
    } else if (before.redis !== null && after.redis !== null) {
      result.redis = redisFigures(before.redis as RedisInfo, after.redis as RedisInfo);
    }
  }
  return result;
}
