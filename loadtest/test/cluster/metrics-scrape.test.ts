import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findFreePort } from '../../src/cluster/free-port.ts';
import {
  MetricMissingError,
  MetricsScrapeError,
  type MetricsSnapshot,
  parseMetricsText,
  scrapeMetrics,
  seriesValue,
  serverFigures,
} from '../../src/cluster/metrics-scrape.ts';

interface ReplicaValues {
  connections: number;
  received: number;
  delivered: number;
  published: number;
  backplaneReceived: number;
  cpu: number;
  rss: number;
  heap: number;
  lagP99: number;
}

function exposition(values: ReplicaValues): string {
  return [
    '# HELP chat_replica_info Replica identity.',
    '# TYPE chat_replica_info gauge',
    'chat_replica_info{replica="replica-2",version="0.1.0",adapter="pubsub"} 1',
    `chat_connected_clients ${values.connections}`,
    `chat_messages_received_total ${values.received}`,
    `chat_messages_delivered_total ${values.delivered}`,
    `chat_backplane_published_messages_total ${values.published}`,
    `chat_backplane_received_messages_total ${values.backplaneReceived}`,
    `process_cpu_seconds_total ${values.cpu}`,
    `process_resident_memory_bytes ${values.rss}`,
    `nodejs_heap_size_used_bytes ${values.heap}`,
    `nodejs_eventloop_lag_p99_seconds ${values.lagP99}`,
  ].join('\n');
}

function snapshot(values: ReplicaValues): MetricsSnapshot {
  return { url: 'http://127.0.0.1:1/metrics', series: parseMetricsText(exposition(values)) };
}

const START: ReplicaValues = {
  connections: 10,
  received: 100,
  delivered: 900,
  published: 100,
  backplaneReceived: 400,
  cpu: 1.1,
  rss: 80e6,
  heap: 20e6,
  lagP99: 0.011,
};

describe('serverFigures', () => {
  test('computes deltas over the window', () => {
    const end = {
      ...START,
      connections: 12,
      received: 150,
      delivered: 1400,
      published: 150,
      backplaneReceived: 700,
      cpu: 1.4,
      rss: 90e6,
      heap: 25e6,
      lagP99: 0.0125,
    };

    expect(serverFigures(snapshot(START), snapshot(end))).toEqual({
      replica: 'replica-2',
      connections: 12,
      messagesReceived: 50,
      messagesDelivered: 500,
      backplanePublished: 50,
      backplaneReceived: 300,
      cpuSeconds: 0.3,
      rssBytes: 90e6,
      heapUsedBytes: 25e6,
      loopDelayP99Ms: 12.5,
    });
  });

  test('counts from zero after a restart', () => {
    const end = { ...START, received: 7, delivered: 30, cpu: 0.4 };

    const figures = serverFigures(snapshot(START), snapshot(end));

    expect(figures.messagesReceived).toBe(7);
    expect(figures.messagesDelivered).toBe(30);
    expect(figures.cpuSeconds).toBe(0.4);
  });

  test('names a missing series', () => {
    const partial: MetricsSnapshot = {
      url: 'http://127.0.0.1:9/metrics',
      series: parseMetricsText('chat_replica_info{replica="r"} 1\nchat_connected_clients 1'),
    };

    expect(() => serverFigures(partial, partial)).toThrow(MetricMissingError);
    expect(() => serverFigures(partial, partial)).toThrow(
      /127\.0\.0\.1:9\/metrics has no series chat_messages_received_total/,
    );
  });

  test('requires the replica label', () => {
    const unnamed: MetricsSnapshot = { url: 'http://x/metrics', series: new Map([['up', 1]]) };

    expect(() => serverFigures(unnamed, unnamed)).toThrow(/no chat_replica_info series/);
  });
});

describe('scrapeMetrics', () => {
  let server: Server;
  let base = '';

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/metrics') {
        response.setHeader('content-type', 'text/plain; version=0.0.4');
        response.end('# TYPE up gauge\nup{job="chat"} 1\n');
      } else if (request.url === '/broken') {
        response.statusCode = 503;
        response.end('not ready');
      } else if (request.url === '/html') {
        response.end('<html>not metrics</html>');
      }
      // Any other path gets no response, to test the timeout.
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    base =
      typeof address === 'object' && address !== null ? `http://127.0.0.1:${address.port}` : '';
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('parses the body', async () => {
    const scraped = await scrapeMetrics(`${base}/metrics`);

    expect(scraped.url).toBe(`${base}/metrics`);
    expect(seriesValue(scraped, 'up', { job: 'chat' })).toBe(1);
    expect(seriesValue(scraped, 'down')).toBeUndefined();
  });

  test('rejects an error status', async () => {
    const scrape = scrapeMetrics(`${base}/broken`);

    await expect(scrape).rejects.toThrow(MetricsScrapeError);
    await expect(scrape).rejects.toThrow(`GET ${base}/broken returned HTTP 503`);
  });

  test('rejects a body in another format', async () => {
    await expect(scrapeMetrics(`${base}/html`)).rejects.toThrow(/line 1: expected a metric name/);
  });

  test('times out on a silent server', async () => {
    const scrape = scrapeMetrics(`${base}/silent`, 200);

    await expect(scrape).rejects.toThrow(`GET ${base}/silent failed: no response within 200 ms`);
  });

  test('names a refused connection', async () => {
    const url = `http://127.0.0.1:${await findFreePort()}/metrics`;

    await expect(scrapeMetrics(url)).rejects.toThrow(/ECONNREFUSED/);
  });
});
