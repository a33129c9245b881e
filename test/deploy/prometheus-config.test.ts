import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from './support/chat-process.ts';
import { dashboardQueries, loadDashboards } from './support/dashboards.ts';
import { requireBinary } from './support/prometheus-process.ts';

interface ScrapeConfig {
  job_name: string;
  dns_sd_configs?: { names: string[]; type: string; port: number }[];
  file_sd_configs?: { files: string[] }[];
  relabel_configs?: Record<string, unknown>[];
}

interface PrometheusConfig {
  global: { scrape_interval: string };
  scrape_configs: ScrapeConfig[];
}

const CONFIG_FILES = ['prometheus.yml', 'prometheus.local.yml'];

function readConfig(file: string): PrometheusConfig {
  return parse(readFileSync(join(PROJECT_ROOT, file), 'utf8')) as PrometheusConfig;
}

function jobNames(config: PrometheusConfig): string[] {
  return config.scrape_configs.map((scrape) => scrape.job_name).sort();
}

describe.each(CONFIG_FILES)('%s', (file) => {
  it('passes promtool check config', () => {
    requireBinary('promtool');
    const result = spawnSync('promtool', ['check', 'config', file], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    expect(result.stderr + result.stdout).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('scrapes every 5 seconds', () => {
    expect(readConfig(file).global.scrape_interval).toBe('5s');
  });

  it('defines every job the dashboards query', () => {
    const defined = jobNames(readConfig(file));
    for (const { file: dashboard, dashboard: model } of loadDashboards()) {
      for (const query of dashboardQueries(dashboard, model)) {
        for (const match of query.expr.matchAll(/job="([^"]+)"/g)) {
          expect(defined, `${dashboard} ${query.panel}`).toContain(match[1]);
        }
      }
    }
  });
});

describe('scrape jobs', () => {
  it('have the same names in swarm and local configs', () => {
    const [swarm, local] = CONFIG_FILES.map((file) => jobNames(readConfig(file)));
    expect(swarm).toEqual(['chat', 'prometheus', 'redis']);
    expect(local).toEqual(swarm);
  });

  it('reach each swarm task through tasks.chat', () => {
    const chat = readConfig('prometheus.yml').scrape_configs.find(
      (scrape) => scrape.job_name === 'chat',
    );
    expect(chat?.dns_sd_configs).toEqual([
      expect.objectContaining({ names: ['tasks.chat'], type: 'A', port: 3000 }),
    ]);
  });

  it('read local targets from the loadtest file', () => {
    const chat = readConfig('prometheus.local.yml').scrape_configs.find(
      (scrape) => scrape.job_name === 'chat',
    );
    const files = chat?.file_sd_configs?.flatMap((discovery) => discovery.files) ?? [];
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/prometheus-targets\.json$/);
  });
});
