import { Redis } from 'ioredis';
import type { RedisFigures } from '../results/summary.ts';

/** Redis figures at one moment, as read from INFO, plus the server version. */
export interface RedisInfo extends RedisFigures {
  version: string;
}

export class RedisUnreachableError extends Error {
  override name = 'RedisUnreachableError';
}

/**
 * Reads INFO from the Redis at `redisUrl` over a fresh connection that neither retries nor
 * queues, so an unreachable Redis fails within about `timeoutMs` with RedisUnreachableError.
 * The read itself adds one INFO (and one AUTH with a password) to `commandsProcessed`.
 */
export async function readRedisInfo(redisUrl: string, timeoutMs = 2_000): Promise<RedisInfo> {
  const client = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    disableClientInfo: true,
    // RESP2 needs no HELLO, so a read is one command (two with AUTH), and Redis 5 works too.
    protocol: 2,
  });
  // ioredis also emits connection errors as events; the awaited calls below report them.
  client.on('error', () => {});

  let text: string;
  try {
    await client.connect();
    text = await client.info();
  } catch (error) {
    throw new RedisUnreachableError(
      `cannot read INFO from Redis at ${redactPassword(redisUrl)}: ${(error as Error).message}. ` +
        'Check that Redis runs there and that the URL and password are right.',
      { cause: error },
    );
  } finally {
    client.disconnect();
  }
  return redisInfoFromText(text, `Redis at ${redactPassword(redisUrl)}`);
}

/**
 * Turns INFO output into RedisInfo; throws when a field it needs is missing. `source` names
 * the server in that error.
 */
export function redisInfoFromText(text: string, source = 'Redis'): RedisInfo {
  const fields = parseInfo(text);
  const number = (name: string): number => {
    const value = Number(fields.get(name));
    if (!fields.has(name) || !Number.isFinite(value)) {
      throw new Error(
        `INFO from ${source} has no numeric field ${name} ` +
          `(found ${JSON.stringify(fields.get(name))}); is it a Redis server?`,
      );
    }
    return value;
  };

  // pubsubshard_channels exists from Redis 7.0 on; older servers have no sharded channels.
  const shardChannels = fields.has('pubsubshard_channels') ? number('pubsubshard_channels') : 0;
  return {
    cpuSeconds: number('used_cpu_sys') + number('used_cpu_user'),
    commandsProcessed: number('total_commands_processed'),
    pubsubChannels: number('pubsub_channels') + shardChannels,
    usedMemoryBytes: number('used_memory'),
    version: fields.get('redis_version') ?? 'unknown',
  };
}

/**
 * Redis figures of a measure window: CPU seconds and commands as deltas, channels and memory
 * as read at the end. A counter lower at the end than at the start means Redis restarted in
 * between, so the end value (counted since that restart) is taken as the delta.
 */
export function redisFigures(before: RedisInfo, after: RedisInfo): RedisFigures {
  return {
    cpuSeconds: counterDelta(before.cpuSeconds, after.cpuSeconds),
    commandsProcessed: counterDelta(before.commandsProcessed, after.commandsProcessed),
    pubsubChannels: after.pubsubChannels,
    usedMemoryBytes: after.usedMemoryBytes,
  };
}

function counterDelta(before: number, after: number): number {
  return after >= before ? after - before : after;
}

/** Parses `key:value` lines; `#` lines are section titles. */
function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (line.startsWith('#') || colon <= 0) {
      continue;
    }
    fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

function redactPassword(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    if (url.password !== '') {
      url.password = '***';
    }
    return url.toString();
  } catch {
    return '(an invalid Redis URL)';
  }
}
