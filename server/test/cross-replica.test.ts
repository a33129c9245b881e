import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC } from '../src/metric-names.ts';
import { ADAPTER_MODES } from '../src/protocol.ts';
import { collectChats, nextChat, request, TestCluster, waitFor } from './support/cluster.ts';
import { sampleValue, scrape } from './support/metrics-text.ts';

describe.each(ADAPTER_MODES)('two replicas on the %s backplane', (adapter) => {
  const cluster = new TestCluster();

  beforeAll(async () => {
    await cluster.start(2, adapter);
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('delivers across replicas with the origin stamped', async () => {
    const [serverA, serverB] = cluster.servers as [never, never];
    const alice = await cluster.connect(serverA);
    const bob = await cluster.connect(serverB);
    expect(alice.welcome.replica).toBe('replica-1');
    expect(bob.welcome.replica).toBe('replica-2');
    expect(bob.welcome.adapter).toBe(adapter);

    const joinA = await request<{ ok: boolean; replica: string }>(alice.client, 'join', 'r1');
    const joinB = await request<{ ok: boolean; replica: string }>(bob.client, 'join', 'r1');
    expect(joinA).toEqual({ ok: true, room: 'r1', replica: 'replica-1' });
    expect(joinB).toEqual({ ok: true, room: 'r1', replica: 'replica-2' });

    // The streams adapter subscribes asynchronously, so retry until the first message lands.
    const message = { text: 'hello', seq: 7, sentAt: 123.5, extra: { nested: [1, 'two'] } };
    const arrived = nextChat(bob.client, 10_000);
    const sender = setInterval(() => alice.client.emit('chat', 'r1', message), 500);
    const delivery = await arrived.finally(() => clearInterval(sender));

    expect(delivery.room).toBe('r1');
    expect(delivery.origin).toBe('replica-1');
    expect(delivery.sender).toBe(alice.client.id);
    expect(delivery.message).toEqual(message);
  });

  it('sends nothing to a non-member and nothing after leave', async () => {
    const [serverA, serverB] = cluster.servers as [never, never];
    const sender = await cluster.connect(serverA);
    const member = await cluster.connect(serverB);
    const outsider = await cluster.connect(serverB);
    await request(sender.client, 'join', 'r2');
    await request(member.client, 'join', 'r2');
    const memberChats = collectChats(member.client);
    const outsiderChats = collectChats(outsider.client);
    const senderChats = collectChats(sender.client);

    await waitFor(
      async () => {
        sender.client.emit('chat', 'r2', { text: 'probe' });
        await new Promise((resolve) => setTimeout(resolve, 200));
        return memberChats.length > 0;
      },
      10_000,
      'the first cross-replica delivery',
    );
    const leave = await request(member.client, 'leave', 'r2');
    expect(leave).toEqual({ ok: true, room: 'r2' });
    const deliveredBeforeLeave = memberChats.length;
    const ack = await request(sender.client, 'chat', 'r2', { text: 'after leave' });
    expect(ack).toEqual({ ok: true, room: 'r2' });
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(memberChats.length).toBe(deliveredBeforeLeave);
    expect(outsiderChats).toEqual([]);
    expect(senderChats).toEqual([]);
  });

  it('counts messages and backplane traffic exactly', async () => {
    const [serverA, serverB] = cluster.servers as [
      TestCluster['servers'][0],
      TestCluster['servers'][0],
    ];
    const sender = await cluster.connect(serverA);
    const local = await cluster.connect(serverA);
    const remote = await cluster.connect(serverB);
    for (const { client } of [sender, local, remote]) {
      await request(client, 'join', 'r3');
    }
    const remoteChats = collectChats(remote.client);
    await waitFor(
      async () => {
        await request(sender.client, 'chat', 'r3', { text: 'warm-up' });
        await new Promise((resolve) => setTimeout(resolve, 200));
        return remoteChats.length > 0;
      },
      10_000,
      'the backplane to carry a message',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    const beforeA = await scrape(serverA.url);
    const beforeB = await scrape(serverB.url);
    const sent = 25;
    const delivered = remoteChats.length;
    for (let seq = 0; seq < sent; seq++) {
      await request(sender.client, 'chat', 'r3', { text: 'counted', seq });
    }
    await waitFor(() => remoteChats.length === delivered + sent, 5_000, 'all deliveries');
    const afterA = await scrape(serverA.url);
    const afterB = await scrape(serverB.url);

    const delta = (before: typeof beforeA, after: typeof afterA, name: string) =>
      sampleValue(after, name) - sampleValue(before, name);
    expect(delta(beforeA, afterA, METRIC.messagesReceived)).toBe(sent);
    expect(delta(beforeA, afterA, METRIC.messagesDelivered)).toBe(sent);
    expect(delta(beforeB, afterB, METRIC.messagesDelivered)).toBe(sent);
    expect(delta(beforeB, afterB, METRIC.messagesReceived)).toBe(0);
    expect(delta(beforeA, afterA, METRIC.backplanePublished)).toBeGreaterThanOrEqual(sent);
    expect(delta(beforeB, afterB, METRIC.backplaneReceived)).toBeGreaterThanOrEqual(sent);
  });
});
