/**
 * Redis figures for the server-cost step: CPU seconds and commands processed (parsed by the
 * loadtest's redis-info.ts) plus the PUBLISH and SPUBLISH calls from INFO commandstats, which
 * count the messages the adapters hand to Redis.
 */
import { Redis } from 'ioredis';
import { redisInfoFromText } from '../../../loadtest/src/cluster/redis-info.ts';

export interface RedisSample {
  cpuSeconds: number;
  commandsProcessed: number;
  /** Calls of PUBLISH plus SPUBLISH since Redis started. */
  publishCalls: number;
}

/** Redis figures of a window, per second of it. */
export interface RedisRates {
  /** Redis CPU (user + system) in percent of one core. */
  cpuPercent: number;
  commandsPerSecond: number;
  publishesPerSecond: number;
}

export async function sampleRedis(redisUrl: string): Promise<RedisSample> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  try {
    await client.connect();
    const text = await client.info('all');
    const info = redisInfoFromText(text, redisUrl);
    return {
      cpuSeconds: info.cpuSeconds,
      commandsProcessed: info.commandsProcessed,
      publishCalls: commandCalls(text, 'publish') + commandCalls(text, 'spublish'),
    };
  } finally {
    client.disconnect();
  }
}

export function redisRates(before: RedisSample, after: RedisSample, seconds: number): RedisRates {
  const perSecond = (delta: number) => round(delta / seconds);
  return {
    cpuPercent: round((100 * (after.cpuSeconds - before.cpuSeconds)) / seconds),
    commandsPerSecond: perSecond(after.commandsProcessed - before.commandsProcessed),
    publishesPerSecond: perSecond(after.publishCalls - before.publishCalls),
  };
}

/** Reads `calls` of one command from INFO commandstats; 0 when it was never called. */
function commandCalls(infoText: string, command: string): number {
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(infoText);
  return match === null ? 0 : Number(match[1]);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
