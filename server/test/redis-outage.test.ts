import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC } from '../src/metric-names.ts';
import { ADAPTER_MODES } from '../src/protocol.ts';
import { collectChats, nextChat, request, TestCluster, waitFor } from './support/cluster.ts';
import { sampleValue, scrape } from './support/metrics-text.ts';

const readiness = async (url: string) => (await fetch(`${url}/readyz`)).status;

describe.each(ADAPTER_MODES)('redis outage on the %s backplane', (adapter) => {
  const cluster = new TestCluster();

  beforeAll(async () => {
    await cluster.start(2, adapter);
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('keeps local chat and resumes cross-replica delivery', async () => {
    const [serverA, serverB] = cluster.servers as [never, never] as [
      TestCluster['servers'][0],
      TestCluster['servers'][0],
    ];
    const sender = await cluster.connect(serverA);
    const local = await cluster.connect(serverA);
    const remote = await cluster.connect(serverB);
    for (const { client } of [sender, local, remote]) {
      await request(client, 'join', 'outage');
    }
    expect(await readiness(serverA.url)).toBe(200);

    await cluster.redis.stop('SIGKILL');
    await waitFor(async () => (await readiness(serverA.url)) === 503, 5_000, 'A to turn unready');
    await waitFor(async () => (await readiness(serverB.url)) === 503, 5_000, 'B to turn unready');
    const metrics = await scrape(serverA.url);
    expect(sampleValue(metrics, METRIC.backplaneUp, { connection: 'publisher' })).toBe(0);

    const localDelivery = nextChat(local.client, 15_000);
    sender.client.emit('chat', 'outage', { text: 'during the outage' });
    if (adapter === 'streams') {
      // The streams adapter hands a message to local members only after Redis has stored it
      // (socket.io-adapter's ClusterAdapter waits for the stream offset), so local delivery
      // pauses until Redis is back, and nothing is lost.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await cluster.redis.start();
      expect((await localDelivery).message.text).toBe('during the outage');
    } else {
      expect((await localDelivery).message.text).toBe('during the outage');
      await cluster.redis.start();
    }

    await waitFor(async () => (await readiness(serverA.url)) === 200, 10_000, 'A to be ready');
    await waitFor(async () => (await readiness(serverB.url)) === 200, 10_000, 'B to be ready');

    const remoteChats = collectChats(remote.client);
    await waitFor(
      async () => {
        sender.client.emit('chat', 'outage', { text: 'after the outage' });
        await new Promise((resolve) => setTimeout(resolve, 250));
        return remoteChats.some((delivery) => delivery.message.text === 'after the outage');
      },
      15_000,
      'cross-replica delivery to resume',
    );
    const after = await scrape(serverA.url);
    expect(sampleValue(after, METRIC.backplaneDisconnects, { connection: 'subscriber' })).toBe(1);
  });
});
