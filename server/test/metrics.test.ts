import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL, METRIC } from '../src/metric-names.ts';
import { REJECT_REASONS } from '../src/protocol.ts';
import { VERSION } from '../src/version.ts';
import { TestCluster } from './support/cluster.ts';
import { type ParsedMetrics, sampleValue, scrape } from './support/metrics-text.ts';

const EXPECTED_TYPES: [string, string][] = [
  [METRIC.connectedClients, 'gauge'],
  [METRIC.rooms, 'gauge'],
  [METRIC.messagesReceived, 'counter'],
  [METRIC.messagesDelivered, 'counter'],
  [METRIC.messagesRejected, 'counter'],
  [METRIC.backplanePublished, 'counter'],
  [METRIC.backplanePublishedBytes, 'counter'],
  [METRIC.backplaneReceived, 'counter'],
  [METRIC.backplaneReceivedBytes, 'counter'],
  [METRIC.backplaneUp, 'gauge'],
  [METRIC.backplaneDisconnects, 'counter'],
  [METRIC.messageHandling, 'histogram'],
  [METRIC.replicaInfo, 'gauge'],
  [METRIC.deliveryDelay, 'gauge'],
  ['process_cpu_seconds_total', 'counter'],
  ['process_resident_memory_bytes', 'gauge'],
  ['nodejs_heap_size_used_bytes', 'gauge'],
  ['nodejs_eventloop_lag_p99_seconds', 'gauge'],
  ['nodejs_gc_duration_seconds', 'histogram'],
];

describe('metrics endpoint', () => {
  const cluster = new TestCluster();
  let metrics: ParsedMetrics;

  beforeAll(async () => {
    await cluster.start(1, 'sharded');
    metrics = await scrape(cluster.servers[0]!.url);
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it.each(EXPECTED_TYPES)('exports %s as a %s', (name, type) => {
    expect(metrics.types.get(name)).toBe(type);
  });

  it('starts every rejection reason at zero', () => {
    for (const reason of REJECT_REASONS) {
      expect(sampleValue(metrics, METRIC.messagesRejected, { [LABEL.reason]: reason })).toBe(0);
    }
  });

  it('reports both redis connections up', () => {
    for (const connection of ['publisher', 'subscriber']) {
      expect(sampleValue(metrics, METRIC.backplaneUp, { connection })).toBe(1);
      expect(sampleValue(metrics, METRIC.backplaneDisconnects, { connection })).toBe(0);
    }
  });

  it('labels the replica info gauge', () => {
    const labels = { replica: 'replica-1', version: VERSION, adapter: 'sharded' };
    expect(sampleValue(metrics, METRIC.replicaInfo, labels)).toBe(1);
  });

  it('counts connected clients and rooms', async () => {
    const { client } = await cluster.connect(cluster.servers[0]!);
    await client.emitWithAck('join', 'counted-room');

    const after = await scrape(cluster.servers[0]!.url);

    expect(sampleValue(after, METRIC.connectedClients)).toBe(1);
    expect(sampleValue(after, METRIC.rooms)).toBe(1);
  });

  it('uses base units and _total counters', () => {
    for (const [name, type] of metrics.types) {
      if (type === 'counter') {
        expect(name).toMatch(/_total$/);
      }
      expect(name).not.toMatch(/_(ms|milliseconds|kb|mb)(_|$)/);
    }
  });
});
