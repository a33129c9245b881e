import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { RedisServer } from '../../loadtest/src/cluster/redis-server.ts';
import { type ChatLoadResult, runChatLoad } from './support/chat-load.ts';
import { ChatProcess, PROJECT_ROOT } from './support/chat-process.ts';
import { dashboardQueries, loadDashboards, substituteVariables } from './support/dashboards.ts';
import { PrometheusProcess, type Sample } from './support/prometheus-process.ts';

/** Scrape interval of the test's Prometheus, short so that a few seconds of load give data. */
const SCRAPE_INTERVAL = '1s';
/** Value put in place of Grafana's $__rate_interval: ten scrapes. */
const RATE_INTERVAL = '10s';

const queries = loadDashboards().flatMap(({ file, dashboard }) =>
  dashboardQueries(file, dashboard),
);
const chatQueries = queries.filter(({ expr }) => expr.includes('job="chat"'));
const otherQueries = queries.filter(({ expr }) => !expr.includes('job="chat"'));

interface ScrapeConfig {
  job_name: string;
  file_sd_configs?: { files: string[]; refresh_interval?: string }[];
  static_configs?: { targets: string[] }[];
}

/**
 * Builds the test's configuration from prometheus.local.yml, keeping its chat job and
 * relabelling: only the interval, the targets file and Prometheus' own port change. The
 * redis job goes, since no exporter runs here.
 */
function testConfig(targetsFile: string): string {
  const config = parse(readFileSync(join(PROJECT_ROOT, 'prometheus.local.yml'), 'utf8')) as {
    global: Record<string, string>;
    scrape_configs: ScrapeConfig[];
  };
  config.global.scrape_interval = SCRAPE_INTERVAL;
  config.global.scrape_timeout = SCRAPE_INTERVAL;
  config.scrape_configs = config.scrape_configs.filter((scrape) => scrape.job_name !== 'redis');
  for (const scrape of config.scrape_configs) {
    if (scrape.job_name === 'chat') {
      scrape.file_sd_configs = [{ files: [targetsFile], refresh_interval: SCRAPE_INTERVAL }];
    }
    if (scrape.job_name === 'prometheus') {
      scrape.static_configs = [{ targets: ['127.0.0.1:{{PORT}}'] }];
    }
  }
  return stringify(config);
}

async function waitForTargets(prometheus: PrometheusProcess, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const up = await prometheus.query('up{job="chat"} == 1');
    if (up.length === count) {
      return;
    }
    await sleep(250);
  }
  throw new Error(`Prometheus did not scrape ${count} chat targets within 30 s`);
}

function instances(samples: Sample[]): string[] {
  return samples.map((sample) => sample.metric.instance ?? '').sort();
}

describe('dashboards against a 2-replica local cluster', () => {
  const redis = new RedisServer();
  const servers: ChatProcess[] = [];
  const prometheus = new PrometheusProcess();
  let directory = '';
  let load: ChatLoadResult;

  beforeAll(async () => {
    await redis.start();
    for (const replicaId of ['replica-1', 'replica-2']) {
      const server = new ChatProcess({ replicaId, redisUrl: redis.url });
      servers.push(server);
      await server.start();
    }

    // The loadtest's prometheus-targets.json format: one target group per replica.
    directory = await mkdtemp(join(tmpdir(), 'chat-deploy-targets-'));
    const targetsFile = join(directory, 'prometheus-targets.json');
    const groups = servers.map((server, index) => ({
      targets: [`127.0.0.1:${server.port}`],
      labels: { replica: `replica-${index + 1}` },
    }));
    await writeFile(targetsFile, JSON.stringify(groups));

    await prometheus.start(testConfig(targetsFile));
    await waitForTargets(prometheus, servers.length);

    load = await runChatLoad({
      urls: servers.map((server) => server.url),
      clientsPerServer: 2,
      room: 'deploy-test',
      intervalMs: 100,
      durationMs: 5000,
    });
    // Two more scrapes after the last message.
    await sleep(2500);
  }, 120_000);

  afterAll(async () => {
    await prometheus.dispose();
    await Promise.all(servers.map((server) => server.stop()));
    await redis.dispose();
    if (directory !== '') {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('had chat traffic', () => {
    expect(load.sent).toBeGreaterThan(0);
    expect(load.received).toBeGreaterThan(0);
  });

  it('labels each chat target with its replica id', async () => {
    expect(instances(await prometheus.query('up{job="chat"}'))).toEqual(['replica-1', 'replica-2']);
    // Only the server's own info series carries `replica`; the target label was dropped.
    const withReplica = await prometheus.query('{job="chat", replica!=""}');
    expect(withReplica.map((sample) => sample.metric.__name__)).toEqual([
      'chat_replica_info',
      'chat_replica_info',
    ]);
    expect(await prometheus.query('{job="chat", exported_replica!=""}')).toEqual([]);
  });

  it.each(chatQueries)('$panel has data: $expr', async ({ expr }) => {
    const result = await prometheus.query(
      substituteVariables(expr, { rateInterval: RATE_INTERVAL }),
    );
    expect(result.length).toBeGreaterThan(0);
  });

  it('shows messages on both replicas', async () => {
    const perReplica = chatQueries.find(
      ({ panel, expr }) => panel === 'Messages in' && !expr.startsWith('sum('),
    );
    expect(perReplica).toBeDefined();
    const result = await prometheus.query(
      substituteVariables(perReplica!.expr, { rateInterval: RATE_INTERVAL }),
    );
    const replicas = result.map((sample) => sample.metric.replica).sort();
    expect(replicas).toEqual(['replica-1', 'replica-2']);
    for (const sample of result) {
      expect(Number(sample.value[1]), sample.metric.replica).toBeGreaterThan(0);
    }
  });

  it.each(otherQueries)('$panel evaluates: $expr', async ({ expr }) => {
    await expect(prometheus.query(substituteVariables(expr))).resolves.toBeInstanceOf(Array);
  });
});
