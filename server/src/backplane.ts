import {
  createAdapter as createPubSubAdapter,
  createShardedAdapter,
} from '@socket.io/redis-adapter';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { ServerOptions } from 'socket.io';
import type { ServerConfig } from './config.ts';
import type { BackplaneConnection } from './metric-names.ts';
import type { ServerMetrics } from './metrics.ts';

/** The value of Socket.IO's `adapter` option: a function of the namespace. */
export type AdapterFactory = ServerOptions['adapter'];

/** Callable on an adapter instance to count what it receives from Redis. */
type ClusterMessageHandler = (...args: unknown[]) => unknown;

/**
 * The two Redis connections of a replica and the Socket.IO adapter built on them. Tracks
 * whether both are ready (for /readyz), counts traffic both ways and logs each state change
 * once, never each retry.
 */
export class Backplane {
  readonly publisher: Redis;
  readonly subscriber: Redis;
  private readonly ready = new Map<BackplaneConnection, boolean>([
    ['publisher', false],
    ['subscriber', false],
  ]);
  private readonly logger: Logger;
  private readonly metrics: ServerMetrics;
  private readonly config: ServerConfig;

  constructor(config: ServerConfig, metrics: ServerMetrics, logger: Logger) {
    this.config = config;
    this.metrics = metrics;
    this.logger = logger;

    const options: RedisOptions = {
      password: config.redisPassword,
      connectTimeout: 5_000,
      // Retry forever with a capped backoff: a backplane outage must not end the replica.
      retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    };
    // While Redis is down a publish fails at once instead of queueing in memory without
    // bound, and local delivery goes on. The streams adapter is the exception. Its reader, a
    // duplicate of this client, retries a failed XREAD at once with no backoff
    // (@socket.io/redis-streams-adapter 0.3, startPolling). A command that fails fast would
    // spin the event loop, so in that mode commands wait in the queue for the reconnection.
    const publisherOptions: RedisOptions =
      config.adapter === 'streams'
        ? { ...options, maxRetriesPerRequest: null }
        : { ...options, enableOfflineQueue: false };
    this.publisher = new Redis(config.redisUrl, publisherOptions);
    // Subscriptions made during an outage must wait for the reconnection, so they queue.
    this.subscriber = new Redis(config.redisUrl, { ...options, maxRetriesPerRequest: null });

    this.track('publisher', this.publisher);
    this.track('subscriber', this.subscriber);
    this.countPublished(this.publisher);
    this.countReceived(this.subscriber);
  }

  get isReady(): boolean {
    return [...this.ready.values()].every(Boolean);
  }

  /** Resolves true once both connections are ready, or false after `timeoutMs`. */
  waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.isReady) {
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const check = () => {
        if (this.isReady) {
          finish(true);
        }
      };
      const finish = (ready: boolean) => {
        clearTimeout(timer);
        this.publisher.off('ready', check);
        this.subscriber.off('ready', check);
        resolve(ready);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.publisher.on('ready', check);
      this.subscriber.on('ready', check);
    });
  }

  /** Builds the Socket.IO adapter factory for the configured mode. */
  adapter(): AdapterFactory {
    const prefix = this.config.channelPrefix;
    switch (this.config.adapter) {
      case 'pubsub':
        return createPubSubAdapter(this.publisher, this.subscriber, { key: prefix });
      case 'sharded':
        return createShardedAdapter(this.publisher, this.subscriber, {
          channelPrefix: prefix,
          subscriptionMode: 'dynamic',
        }) as AdapterFactory;
      case 'streams':
        return this.countStreamMessages(
          createStreamsAdapter(this.publisher, { streamName: prefix, channelPrefix: prefix }),
        );
    }
  }

  /** Sends QUIT to Redis, or drops the connections when Redis does not reply in time. */
  async close(timeoutMs = 1_000): Promise<void> {
    const quit = Promise.allSettled([this.publisher.quit(), this.subscriber.quit()]);
    await settleWithin(quit, timeoutMs);
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }

  private track(connection: BackplaneConnection, client: Redis): void {
    client.on('ready', () => this.setReady(connection, true));
    client.on('close', () => this.setReady(connection, false));
    // ioredis emits 'error' on every failed reconnection attempt; the state change is logged
    // by setReady, so the errors themselves are only visible at debug level.
    client.on('error', (error: Error) => {
      this.logger.debug({ connection, err: error.message }, 'redis connection error');
    });
  }

  private setReady(connection: BackplaneConnection, ready: boolean): void {
    const wasReady = this.ready.get(connection);
    if (wasReady === ready) {
      return;
    }

    this.ready.set(connection, ready);
    this.metrics.setBackplaneUp(connection, ready);
    if (ready) {
      this.logger.info({ connection }, 'redis connection ready');
      return;
    }
    this.metrics.backplaneDisconnects.labels(connection).inc();
    this.logger.warn(
      { connection },
      'redis connection lost: local clients keep chatting, cross-replica delivery stops until ' +
        'it reconnects',
    );
  }

  /** Wraps the publish commands the adapters use so each message and byte is counted. */
  private countPublished(client: Redis): void {
    for (const command of ['publish', 'spublish', 'xadd'] as const) {
      const original = client[command].bind(client) as (...args: unknown[]) => Promise<unknown>;
      const counted = (...args: unknown[]) => {
        this.metrics.backplanePublished.inc();
        this.metrics.backplanePublishedBytes.inc(payloadBytes(args));
        // The adapters do not await publishes; a rejection here would end the process.
        return original(...args).catch((error: Error) => {
          this.logger.debug({ command, err: error.message }, 'redis publish failed');
          return 0;
        });
      };
      Object.assign(client, { [command]: counted });
    }
  }

  private countReceived(client: Redis): void {
    const onMessage = (_channel: Buffer, message: Buffer) => {
      this.metrics.backplaneReceived.inc();
      this.metrics.backplaneReceivedBytes.inc(message.length);
    };
    client.on('messageBuffer', onMessage);
    client.on('smessageBuffer', onMessage);
    client.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, message: Buffer) =>
      onMessage(channel, message),
    );
  }

  /** Counts received messages at the adapter, because the streams adapter reads with its own client. */
  private countStreamMessages(factory: (namespace: never) => unknown): AdapterFactory {
    const received = this.metrics.backplaneReceived;
    // Socket.IO calls the factory with `new`, so it must be a function, not an arrow.
    function counted(namespace: never) {
      const adapter = factory(namespace) as { onMessage: ClusterMessageHandler };
      const original = adapter.onMessage.bind(adapter);
      adapter.onMessage = (...args: unknown[]) => {
        received.inc();
        return original(...args);
      };
      return adapter;
    }
    return counted as unknown as AdapterFactory;
  }
}

/** Waits for a promise, but no longer than `timeoutMs`; never rejects. */
export async function settleWithin(promise: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([promise.catch(() => undefined), timeout]);
  clearTimeout(timer);
}

function payloadBytes(args: unknown[]): number {
  let bytes = 0;
  for (const arg of args) {
    if (typeof arg === 'string') {
      bytes += Buffer.byteLength(arg);
    } else if (Buffer.isBuffer(arg)) {
      bytes += arg.length;
    }
  }
  return bytes;
}
