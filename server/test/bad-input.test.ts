import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatServer } from '../src/chat-server.ts';
import { METRIC } from '../src/metric-names.ts';
import type { AckError, RejectReason } from '../src/protocol.ts';
import { type ChatClient, collectChats, request, TestCluster, waitFor } from './support/cluster.ts';
import { sampleValue, scrape } from './support/metrics-text.ts';

const LIMITS = {
  CHAT_MAX_MESSAGE_BYTES: '1000',
  CHAT_MAX_FRAME_BYTES: '20000',
  CHAT_RATE_LIMIT: '5',
  CHAT_RATE_BURST: '5',
  CHAT_FLOOD_DISCONNECT_AFTER: '12',
  CHAT_MAX_ROOMS_PER_CLIENT: '3',
};

const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : { inner: nested(depth - 1) });

// Each case: the event's arguments after the event name, and the expected rejection.
const CASES: [string, string, unknown[], RejectReason][] = [
  ['join without a room', 'join', [], 'invalid_arguments'],
  ['join with a number', 'join', [42], 'invalid_room'],
  ['join with an empty name', 'join', [''], 'invalid_room'],
  ['join with a 65-character name', 'join', ['r'.repeat(65)], 'invalid_room'],
  ['join with spaces and punctuation', 'join', ['no spaces!'], 'invalid_room'],
  ['join with an object', 'join', [{ room: 'x' }], 'invalid_room'],
  ['chat without a message', 'chat', ['watched'], 'invalid_arguments'],
  ['chat with a string message', 'chat', ['watched', 'hello'], 'invalid_message'],
  ['chat with a numeric text', 'chat', ['watched', { text: 5 }], 'invalid_message'],
  [
    'chat with binary data',
    'chat',
    ['watched', { text: 'x', blob: Buffer.alloc(8) }],
    'invalid_message',
  ],
  ['chat nested 10 deep', 'chat', ['watched', { text: 'x', deep: nested(10) }], 'invalid_message'],
  [
    'chat over the size limit',
    'chat',
    ['watched', { text: 'x'.repeat(2000) }],
    'message_too_large',
  ],
  ['chat to a room not joined', 'chat', ['elsewhere', { text: 'x' }], 'not_member'],
  ['chat with an invalid room', 'chat', [['watched'], { text: 'x' }], 'invalid_room'],
  ['an unknown event', 'shout', ['watched', { text: 'x' }], 'unknown_event'],
];

describe('bad input', () => {
  const cluster = new TestCluster();
  let server: ChatServer;
  let watcher: ChatClient;
  let watched: ReturnType<typeof collectChats>;

  beforeAll(async () => {
    await cluster.start(2, 'pubsub', LIMITS);
    server = cluster.servers[0]!;
    watcher = (await cluster.connect(cluster.servers[1]!)).client;
    await request(watcher, 'join', 'watched');
    watched = collectChats(watcher);
  });
  afterAll(async () => {
    await cluster.stop();
  });

  const rejected = async (reason: RejectReason) =>
    sampleValue(await scrape(server.url), METRIC.messagesRejected, { reason });

  it.each(CASES)('%s is rejected', async (_name, event, args, reason) => {
    const { client } = await cluster.connect(server);
    await request(client, 'join', 'watched');
    const before = await rejected(reason);

    const response = await request<AckError>(client, event, ...args);

    expect(response.ok).toBe(false);
    expect(response.error.code).toBe(reason);
    expect(response.error.message.length).toBeGreaterThan(10);
    expect(await rejected(reason)).toBe(before + 1);
    expect(client.connected).toBe(true);
  });

  it('too many rooms is rejected', async () => {
    const { client } = await cluster.connect(server);
    for (const room of ['a', 'b', 'c']) {
      expect(await request(client, 'join', room)).toMatchObject({ ok: true });
    }
    const before = await rejected('too_many_rooms');

    const response = await request<AckError>(client, 'join', 'd');

    expect(response.error.code).toBe('too_many_rooms');
    expect(await rejected('too_many_rooms')).toBe(before + 1);
  });

  it('rejects events beyond the rate limit', async () => {
    const { client } = await cluster.connect(server);
    const before = await rejected('rate_limited');

    const responses = await Promise.all(
      Array.from({ length: 10 }, () => request<{ ok: boolean }>(client, 'join', 'burst')),
    );

    const refused = responses.filter((response) => !response.ok).length;
    expect(responses.filter((response) => response.ok).length).toBe(5);
    expect(refused).toBe(5);
    expect(await rejected('rate_limited')).toBe(before + refused);
  });

  it('disconnects a client that keeps flooding', async () => {
    const { client } = await cluster.connect(server);
    const disconnected = new Promise<string>((resolve) => client.once('disconnect', resolve));

    for (let index = 0; index < 40; index++) {
      client.emit('join', 'flood');
    }

    expect(await disconnected).toBe('io server disconnect');
  });

  it('closes only the connection that sends an oversized frame', async () => {
    const bystander = await cluster.connect(server);
    await request(bystander.client, 'join', 'watched');
    const { client } = await cluster.connect(server);
    const before = await rejected('frame_too_large');
    const disconnected = new Promise<string>((resolve) => client.once('disconnect', resolve));

    client.emit('chat', 'watched', { text: 'x'.repeat(1_000_000) });

    expect(await disconnected).toBe('transport close');
    await waitFor(async () => (await rejected('frame_too_large')) === before + 1, 5_000, 'count');
    const ack = await request(bystander.client, 'chat', 'watched', { text: 'still here' });
    expect(ack).toEqual({ ok: true, room: 'watched' });
  });

  it('never broadcasts a rejected event', async () => {
    await waitFor(() => watched.length >= 1, 5_000, 'the bystander message');
    expect(watched.map((delivery) => delivery.message.text)).toEqual(['still here']);
  });
});
