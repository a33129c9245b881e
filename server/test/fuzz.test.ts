import fc from 'fast-check';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../loadtest/src/cluster/redis-server.ts';
import { METRIC } from '../src/metric-names.ts';
import { type AckError, type ChatDelivery, REJECT_REASONS } from '../src/protocol.ts';
import { parseMessage, parseRoom } from '../src/validation.ts';
import type { ChatClient } from './support/cluster.ts';
import { scrape } from './support/metrics-text.ts';
import { ServerProcess } from './support/server-process.ts';

// The fuzzer sends events outside the typed protocol on purpose.
type AnySocket = Socket;

const MAX_MESSAGE_BYTES = 2048;
const ENV = {
  CHAT_ADAPTER: 'pubsub',
  CHAT_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
  // The fuzzer sends as fast as acks come back; these limits have tests of their own.
  CHAT_RATE_LIMIT: '100000',
  CHAT_FLOOD_DISCONNECT_AFTER: '1000000',
  CHAT_MAX_ROOMS_PER_CLIENT: '8',
};
// Names socket.io-client refuses to emit, so a client cannot send them at all.
const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting']);

const deep = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string(),
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), tie('node'), { maxKeys: 3 }),
  ),
})).node;
const binary = fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes));
const hugeString = fc.string({ minLength: 3_000, maxLength: 40_000, unit: 'grapheme-ascii' });

const room = fc.oneof(
  fc.constant('fuzz'),
  fc.string({ maxLength: 80 }),
  fc.constant(''),
  hugeString,
  fc.integer(),
  fc.constant(null),
  fc.object(),
  binary,
);
const message = fc.oneof(
  fc.record({ text: fc.string(), seq: fc.integer() }),
  fc.record({ text: fc.anything() }),
  fc.record({ text: fc.string(), nested: fc.anything({ maxDepth: 8 }) }),
  fc.record({ text: fc.string(), tree: deep }),
  fc.record({ text: hugeString }),
  fc.record({ text: fc.string(), blob: binary }),
  fc.record({ text: binary }),
  fc.anything(),
  binary,
);
const event = fc.oneof(
  fc.tuple(fc.constant('join'), room).map(([name, target]) => [name, target]),
  fc.tuple(fc.constant('leave'), room).map(([name, target]) => [name, target]),
  fc.tuple(fc.constant('chat'), room, message).map(([name, target, body]) => [name, target, body]),
  fc.tuple(fc.constant('chat'), room).map(([name, target]) => [name, target]),
  fc.tuple(fc.constant('chat')).map(([name]) => [name]),
  fc
    .tuple(
      fc.string({ minLength: 1, maxLength: 20 }).filter((name) => !RESERVED.has(name)),
      fc.array(fc.anything(), { maxLength: 3 }),
    )
    .map(([name, args]) => [name, ...args]),
) as fc.Arbitrary<[string, ...unknown[]]>;

const rejectedTotal = async (url: string) => {
  const metrics = await scrape(url);
  return metrics.samples
    .filter((sample) => sample.name === METRIC.messagesRejected)
    .reduce((sum, sample) => sum + sample.value, 0);
};

describe('fuzzing a two-replica cluster', () => {
  const redis = new RedisServer();
  const servers: ServerProcess[] = [];
  const clients: ChatClient[] = [];
  const watched: ChatDelivery[] = [];

  const connect = async (server: ServerProcess) => {
    const client: ChatClient = io(server.url, { transports: ['websocket'], reconnection: false });
    clients.push(client);
    await new Promise((resolve) => client.once('welcome', resolve));
    await client.emitWithAck('join', 'fuzz');
    return client;
  };

  beforeAll(async () => {
    await redis.start();
    for (const replica of ['replica-1', 'replica-2']) {
      const server = await ServerProcess.start({
        ...ENV,
        REDIS_URL: redis.url,
        REPLICA_ID: replica,
      });
      servers.push(server);
    }
    await Promise.all(servers.map((server) => server.waitUntilReady()));
    const watcher = await connect(servers[1]!);
    watcher.on('chat', (delivery) => watched.push(delivery));
  });
  afterAll(async () => {
    for (const client of clients) {
      client.disconnect();
    }
    await Promise.all(servers.map((server) => server.kill()));
    await redis.dispose();
  });

  it('answers 1,000 malformed events with acks and counts each rejection', async () => {
    const fuzzer = await connect(servers[0]!);
    const before = await rejectedTotal(servers[0]!.url);
    let errorAcks = 0;

    await fc.assert(
      fc.asyncProperty(event, async ([name, ...args]) => {
        const response = (await (fuzzer.timeout(5_000) as AnySocket).emitWithAck(name, ...args)) as
          | AckError
          | { ok: true };
        if (!response.ok) {
          errorAcks += 1;
          expect(REJECT_REASONS).toContain(response.error.code);
          expect(typeof response.error.message).toBe('string');
        }
      }),
      { numRuns: 1_000, seed: 20261204 },
    );

    expect(errorAcks).toBeGreaterThan(500);
    expect(await rejectedTotal(servers[0]!.url)).toBe(before + errorAcks);
    expect(fuzzer.connected).toBe(true);
  });

  it('survives 300 malformed events sent without acks', async () => {
    const fuzzer = await connect(servers[0]!);
    const before = await rejectedTotal(servers[0]!.url);
    const samples = fc.sample(event, { numRuns: 300, seed: 7 });

    for (const [name, ...args] of samples) {
      (fuzzer as AnySocket).emit(name, ...args);
    }
    await fuzzer.timeout(5_000).emitWithAck('join', 'fuzz');

    expect(await rejectedTotal(servers[0]!.url)).toBeGreaterThan(before + 150);
    expect(servers.map((server) => server.child.exitCode)).toEqual([null, null]);
    const ready = await Promise.all(servers.map((server) => fetch(`${server.url}/readyz`)));
    expect(ready.map((response) => response.status)).toEqual([200, 200]);
  });

  it('broadcasts only valid messages', () => {
    expect(watched.length).toBeGreaterThan(0);
    for (const delivery of watched) {
      expect(() => parseRoom(delivery.room)).not.toThrow();
      expect(() => parseMessage(delivery.message, MAX_MESSAGE_BYTES)).not.toThrow();
      expect(delivery.origin).toBe('replica-1');
    }
  });
});
