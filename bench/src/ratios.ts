/**
 * The ratios the bench reports, computed only from figures it also prints: latency of one
 * path over another, server cost over the plain Socket.IO baseline, and Redis growth with
 * the replica count.
 */
import type { LatencyFigures } from './latency.ts';
import type { CostRow } from './server-cost/server-cost.ts';

export interface LatencyRatio {
  p50: number | null;
  p99: number | null;
}

/** Returns a / b rounded to two decimals, or null when either is missing or b is not > 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || !(b > 0)) {
    return null;
  }
  return Math.round((a / b) * 100) / 100;
}

/** p50 and p99 of `slower` over those of `faster`. */
export function latencyRatio(
  slower: LatencyFigures | null,
  faster: LatencyFigures | null,
): LatencyRatio {
  return { p50: ratio(slower?.p50, faster?.p50), p99: ratio(slower?.p99, faster?.p99) };
}

export interface CostRatios {
  /** Deliveries per server CPU-second at 2 replicas over those of the plain server. */
  deliveriesPerCpu: Partial<Record<string, number | null>>;
  /** Server RSS per connected idle client at 2 replicas, bytes. */
  rssPerIdleClient: Partial<Record<string, number>>;
}

/** Compares each adapter's 2-replica row with the plain server's row. */
export function costRatios(rows: CostRow[]): CostRatios {
  const plain = rows.find((row) => row.adapter === 'none');
  const result: CostRatios = { deliveriesPerCpu: {}, rssPerIdleClient: {} };
  for (const row of rows.filter((item) => item.adapter !== 'none' && item.replicas === 2)) {
    result.deliveriesPerCpu[row.adapter] = ratio(
      row.figures.deliveriesPerCpuSecond,
      plain?.figures.deliveriesPerCpuSecond,
    );
    result.rssPerIdleClient[row.adapter] = row.figures.rssPerIdleClientBytes;
  }
  return result;
}

export interface GrowthPoint {
  replicas: number;
  redisCpuPercent: number;
  publishesPerSecond: number;
  commandsPerSecond: number;
  /** Redis CPU over that of the smallest replica count of the same adapter. */
  cpuGrowth: number | null;
  deliveriesPerCpuSecond: number;
}

/** Redis figures per adapter, ordered by replica count, relative to the smallest count. */
export function redisGrowth(rows: CostRow[]): Record<string, GrowthPoint[]> {
  const growth: Record<string, GrowthPoint[]> = {};
  const withRedis = rows.filter((row) => row.figures.redis !== null);
  for (const adapter of new Set(withRedis.map((row) => row.adapter))) {
    const series = withRedis
      .filter((row) => row.adapter === adapter)
      .sort((a, b) => a.replicas - b.replicas);
    const base = series[0]!.figures.redis!.cpuPercent;
    growth[adapter] = series.map((row) => ({
      replicas: row.replicas,
      redisCpuPercent: row.figures.redis!.cpuPercent,
      publishesPerSecond: row.figures.redis!.publishesPerSecond,
      commandsPerSecond: row.figures.redis!.commandsPerSecond,
      cpuGrowth: ratio(row.figures.redis!.cpuPercent, base),
      deliveriesPerCpuSecond: row.figures.deliveriesPerCpuSecond,
    }));
  }
  return growth;
}
