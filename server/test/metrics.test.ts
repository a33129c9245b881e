import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL, METRIC } from '../src/metric-names.ts';
import { REJECT_REASONS } from '../src/protocol.ts';
import { VERSION } from '../src/version.ts';
import { TestCluster } from './support/cluster.ts';
import { type ParsedMetrics, parseMetrics, sampleValue, scrape } from './support/metrics-text.ts';

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

  it('returns only the metrics named in the query', async () => {
    const names = ['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes'];
    const query = names.map((name) => `name=${name}`).join('&');

    const response = await fetch(`${cluster.servers[0]!.url}/metrics?${query}`);
    const filtered = parseMetrics(await response.text());

    expect(response.status).toBe(200);
    expect([...filtered.types.keys()].sort()).toEqual([...names].sort());
    expect(sampleValue(filtered, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 2 ** 20);
    expect(sampleValue(filtered, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('collects heap used afresh in a filtered read', async () => {
    const url = `${cluster.servers[0]!.url}/metrics?name=nodejs_heap_size_used_bytes`;
    const heapUsed = async () =>
      sampleValue(parseMetrics(await (await fetch(url)).text()), 'nodejs_heap_size_used_bytes');
    const before = await heapUsed();

    // The server runs in this process, so memory kept alive here shows in its heap.
    const ballast = Array.from({ length: 400_000 }, (_, index) => ({ index, text: `x${index}` }));
    const after = await heapUsed();

    expect(ballast).toHaveLength(400_000);
    expect(after - before).toBeGreaterThan(10 * 2 ** 20);
  });

  it('leaves the loop delay histogram to full reads', async () => {
    const registry = cluster.servers[0]!.metrics.registry;
    // prom-client resets its event-loop delay histogram in this metric's collect.
    const loopDelay = registry.getSingleMetric('nodejs_eventloop_lag_seconds')!;
    const collect = loopDelay.get.bind(loopDelay);
    let collections = 0;
    loopDelay.get = () => {
      collections += 1;
      return collect();
    };
    const base = `${cluster.servers[0]!.url}/metrics`;

    await fetch(`${base}?name=process_resident_memory_bytes&name=nodejs_heap_size_used_bytes`);
    const afterFiltered = collections;
    await fetch(base);
    loopDelay.get = collect;

    expect(afterFiltered).toBe(0);
    expect(collections).toBe(1);
  });

  it('rejects an unknown metric name with 404', async () => {
    const response = await fetch(`${cluster.servers[0]!.url}/metrics?name=no_such_metric`);

    expect(response.status).toBe(404);
    expect(await response.text()).toContain('no_such_metric');
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
