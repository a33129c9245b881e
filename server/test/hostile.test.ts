import { Redis } from 'ioredis';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatServer } from '../src/chat-server.ts';
import { type ChatClient, request, TestCluster, waitFor } from './support/cluster.ts';

const percentile = (values: number[], fraction: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
};

describe('sharded subscriptions', () => {
  const cluster = new TestCluster();
  let server: ChatServer;
  let redis: Redis;

  beforeAll(async () => {
    await cluster.start(1, 'sharded', { CHAT_RATE_LIMIT: '100000' });
    server = cluster.servers[0]!;
    redis = new Redis(cluster.redis.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await cluster.stop();
  });

  const listenerCount = () =>
    server.backplane.subscriber
      .eventNames()
      .reduce((sum, name) => sum + server.backplane.subscriber.listenerCount(name), 0);
  const shardChannels = async () =>
    ((await redis.call('PUBSUB', 'SHARDCHANNELS')) as string[]).sort();

  it('return to where they started after 1,000 joins and leaves over 50 rooms', async () => {
    const listenersBefore = listenerCount();
    const channelsBefore = await shardChannels();
    const clients: ChatClient[] = [];
    for (let index = 0; index < 10; index++) {
      clients.push((await cluster.connect(server)).client);
    }

    await Promise.all(
      clients.map(async (client, clientIndex) => {
        for (let round = 0; round < 100; round++) {
          const room = `leak-${(clientIndex * 100 + round) % 50}`;
          expect(await request(client, 'join', room)).toMatchObject({ ok: true });
          expect(await request(client, 'leave', room)).toMatchObject({ ok: true });
        }
      }),
    );
    await waitFor(
      async () => (await shardChannels()).length === channelsBefore.length,
      5_000,
      'dynamic room channels to be unsubscribed',
    );

    expect(await shardChannels()).toEqual(channelsBefore);
    expect(listenerCount()).toBe(listenersBefore);
  });
});

describe('browser origin allow-list', () => {
  const cluster = new TestCluster();

  beforeAll(async () => {
    await cluster.start(1, 'pubsub', { CHAT_ALLOWED_ORIGINS: 'https://chat.example.test' });
  });
  afterAll(async () => {
    await cluster.stop();
  });

  const attempt = (origin: string) => {
    const client = io(cluster.servers[0]!.url, {
      transports: ['websocket'],
      reconnection: false,
      extraHeaders: { origin },
    });
    return new Promise<string>((resolve) => {
      client.once('connect', () => resolve('connected'));
      client.once('connect_error', () => resolve('refused'));
    }).finally(() => client.disconnect());
  };

  it('accepts a listed origin', async () => {
    expect(await attempt('https://chat.example.test')).toBe('connected');
  });

  it('refuses an unlisted origin', async () => {
    expect(await attempt('https://evil.example.test')).toBe('refused');
  });
});

describe('a flooding client', () => {
  const cluster = new TestCluster();

  beforeAll(async () => {
    await cluster.start(1, 'pubsub', { CHAT_RATE_LIMIT: '20', CHAT_FLOOD_DISCONNECT_AFTER: '500' });
  });
  afterAll(async () => {
    await cluster.stop();
  });

  // Round trips of a polite client: 40 messages at 10 per second, ack time in ms.
  const politeRoundTrips = async (client: ChatClient) => {
    const times: number[] = [];
    for (let index = 0; index < 40; index++) {
      const started = performance.now();
      const ack = await request<{ ok: boolean }>(client, 'chat', 'flood-room', { text: 'hi' });
      expect(ack.ok).toBe(true);
      times.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return times;
  };

  it('is disconnected while others keep their usual latency', async () => {
    const server = cluster.servers[0]!;
    const polite = (await cluster.connect(server)).client;
    const listener = (await cluster.connect(server)).client;
    const flooder = (await cluster.connect(server)).client;
    for (const client of [polite, listener, flooder]) {
      await request(client, 'join', 'flood-room');
    }
    const baseline = await politeRoundTrips(polite);
    const disconnected = new Promise<string>((resolve) => flooder.once('disconnect', resolve));

    const flood = setInterval(() => {
      for (let index = 0; index < 50; index++) {
        flooder.emit('chat', 'flood-room', { text: 'flood' });
      }
    }, 5);
    const during = await politeRoundTrips(polite);
    clearInterval(flood);

    expect(await disconnected).toBe('io server disconnect');
    // Lenient bounds: this checks isolation, not speed, on a shared machine.
    expect(percentile(during, 0.5)).toBeLessThan(Math.max(5 * percentile(baseline, 0.5), 20));
  });
});
