import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findFreePort } from '../../loadtest/src/cluster/free-port.ts';
import { RedisServer } from '../../loadtest/src/cluster/redis-server.ts';
import { ChatProcess, fetchSampleNames, PROJECT_ROOT } from './support/chat-process.ts';
import {
  allPanels,
  DASHBOARD_DIRECTORY,
  dashboardQueries,
  loadDashboards,
  parsePromql,
  substituteVariables,
} from './support/dashboards.ts';

/**
 * redis_exporter metrics the dashboards use, as oliver006/redis_exporter names them: its
 * `metricMapCounters` and `metricMapGauges` tables turn INFO fields into these (checked
 * against exporter 1.45 and Redis 7.0 below, when prometheus-redis-exporter is installed).
 */
const REDIS_EXPORTER_METRICS = [
  'redis_commands_processed_total',
  'redis_commands_total',
  'redis_connected_clients',
  'redis_cpu_sys_seconds_total',
  'redis_cpu_user_seconds_total',
  'redis_memory_used_bytes',
  'redis_net_input_bytes_total',
  'redis_net_output_bytes_total',
  'redis_pubsub_channels',
  'redis_pubsub_patterns',
];

const dashboards = loadDashboards();
const queries = dashboards.flatMap(({ file, dashboard }) => dashboardQueries(file, dashboard));
const datasourceUid = (
  parse(
    readFileSync(join(PROJECT_ROOT, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
  ) as { datasources: { uid: string }[] }
).datasources[0]!.uid;

describe('dashboard files', () => {
  it('exist', () => {
    expect(dashboards.map(({ file }) => file)).toContain('chat-overview.json');
  });

  it.each(dashboards)('$file needs no import inputs', ({ file, dashboard }) => {
    const text = readFileSync(join(DASHBOARD_DIRECTORY, file), 'utf8');
    expect(text).not.toContain('${DS_');
    expect(dashboard.__inputs).toBeUndefined();
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
  });

  it.each(dashboards)('$file uses the provisioned data source', ({ dashboard }) => {
    for (const panel of allPanels(dashboard).filter((candidate) => candidate.type !== 'row')) {
      expect(panel.datasource?.uid, panel.title).toBe(datasourceUid);
      for (const target of panel.targets ?? []) {
        expect(target.datasource?.uid, panel.title).toBe(datasourceUid);
      }
    }
    for (const variable of dashboard.templating?.list ?? []) {
      expect(variable.datasource?.uid, variable.name).toBe(datasourceUid);
    }
  });

  it.each(dashboards)('$file gives every panel a unit', ({ dashboard }) => {
    for (const panel of allPanels(dashboard).filter((candidate) => candidate.type !== 'row')) {
      expect(panel.fieldConfig?.defaults?.unit, panel.title).toBeTruthy();
    }
  });

  it.each(dashboards)('$file is templated by replica', ({ dashboard }) => {
    const variable = dashboard.templating?.list.find((candidate) => candidate.name === 'replica');
    expect(variable?.type).toBe('query');
    const chatQueries = dashboardQueries('', dashboard).filter(
      (query) => query.expr.includes('job="chat"') && !query.panel.startsWith('variable'),
    );
    expect(chatQueries.length).toBeGreaterThan(0);
    for (const query of chatQueries) {
      expect(query.expr, query.panel).toContain('replica=~"$replica"');
    }
  });
});

describe('dashboard queries', () => {
  it.each(queries)('$panel parses: $expr', ({ expr }) => {
    expect(parsePromql(substituteVariables(expr)).errors).toEqual([]);
  });

  it('take rate() and increase() of counters only', () => {
    for (const { panel, expr } of queries) {
      for (const match of expr.matchAll(/\b(?:rate|increase)\(([a-zA-Z_:][\w:]*)/g)) {
        expect(match[1], panel).toMatch(/_(total|bucket)$/);
      }
    }
  });

  it('aggregate histogram buckets by le', () => {
    const quantiles = queries.filter(({ expr }) => expr.includes('histogram_quantile'));
    expect(quantiles.length).toBeGreaterThan(0);
    for (const { panel, expr } of quantiles) {
      expect(expr, panel).toMatch(/_bucket\b/);
      expect(expr, panel).toMatch(/by \([^)]*\ble\b[^)]*\)/);
    }
  });
});

describe('dashboard metric names', () => {
  const redis = new RedisServer();
  let server: ChatProcess;
  let exported: Set<string>;

  beforeAll(async () => {
    await redis.start();
    server = new ChatProcess({ replicaId: 'replica-1', redisUrl: redis.url });
    await server.start();
    exported = await fetchSampleNames(server.url);
  });

  afterAll(async () => {
    await server?.stop();
    await redis.dispose();
  });

  it('come from a live chat server or redis_exporter', () => {
    const known = new Set([...exported, ...REDIS_EXPORTER_METRICS]);
    for (const { panel, expr } of queries) {
      for (const name of parsePromql(substituteVariables(expr)).metricNames) {
        expect(known.has(name), `${panel}: ${name} is not exported`).toBe(true);
      }
    }
  });

  it('include the server histogram and default metrics', () => {
    for (const name of [
      'chat_message_handling_seconds_bucket',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(exported.has(name), name).toBe(true);
    }
  });
});

const exporterInstalled = spawnSync('prometheus-redis-exporter', ['--version']).error === undefined;

describe.skipIf(!exporterInstalled)('redis_exporter metric list', () => {
  const redis = new RedisServer({ password: 'deploy-test-password' });
  let exporter: ChildProcess | undefined;

  afterAll(async () => {
    exporter?.kill('SIGTERM');
    await redis.dispose();
  });

  it('matches a live exporter', async () => {
    await redis.start();
    const port = await findFreePort();
    exporter = spawn(
      'prometheus-redis-exporter',
      [`--redis.addr=redis://127.0.0.1:${redis.port}`, `--web.listen-address=127.0.0.1:${port}`],
      { env: { ...process.env, REDIS_PASSWORD: 'deploy-test-password' }, stdio: 'ignore' },
    );

    let names = new Set<string>();
    for (let attempt = 0; attempt < 50 && !names.has('redis_up'); attempt++) {
      await sleep(100);
      names = await fetchSampleNames(`http://127.0.0.1:${port}`).catch(() => new Set<string>());
    }
    for (const name of REDIS_EXPORTER_METRICS) {
      expect(names.has(name), name).toBe(true);
    }
  });
});
