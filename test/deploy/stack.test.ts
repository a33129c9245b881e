import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from './support/chat-process.ts';

interface PortConfig {
  target: number;
  published: number;
  mode?: string;
}

interface Service {
  image: string;
  environment?: Record<string, string>;
  ports?: PortConfig[];
  networks?: Record<string, unknown>;
  secrets?: { source: string }[];
  configs?: { source: string; target: string }[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  command?: string[];
  deploy: {
    replicas?: number;
    update_config?: Record<string, unknown>;
    rollback_config?: Record<string, unknown>;
    restart_policy?: Record<string, unknown>;
    resources?: { limits?: Record<string, string> };
    placement?: { constraints?: string[] };
  };
}

interface Stack {
  services: Record<string, Service>;
  networks: Record<string, { driver?: string }>;
  secrets: Record<string, { external?: boolean; name?: string }>;
  configs: Record<string, { file: string }>;
}

const SERVICES = ['chat', 'redis', 'redis-exporter', 'prometheus', 'grafana', 'loadgen'];

/** Runs `docker stack config`, which validates and interpolates a stack file with no engine. */
function stackConfig(env: Record<string, string> = {}): Stack {
  const result = spawnSync('docker', ['stack', 'config', '-c', 'stack.yml'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  if (result.error !== undefined) {
    throw new Error(
      'the docker CLI was not found: install it (Debian package docker.io or docker-ce-cli)',
    );
  }
  if (result.status !== 0) {
    throw new Error(`docker stack config rejected stack.yml: ${result.stderr}`);
  }
  return parse(result.stdout) as Stack;
}

function seconds(duration: string | undefined): number {
  const match = /^(\d+)s$/.exec(duration ?? '');
  if (match === null) {
    throw new Error(`expected a duration in whole seconds, got ${duration}`);
  }
  return Number(match[1]);
}

describe('stack.yml', () => {
  let stack: Stack;

  beforeAll(() => {
    stack = stackConfig();
  });

  it('defines the six services', () => {
    expect(Object.keys(stack.services).sort()).toEqual([...SERVICES].sort());
  });

  it('publishes only chat and Grafana', () => {
    const published = Object.entries(stack.services)
      .filter(([, service]) => (service.ports ?? []).length > 0)
      .map(([name]) => name)
      .sort();
    expect(published).toEqual(['chat', 'grafana']);

    const chatPorts = stack.services.chat!.ports!;
    expect(chatPorts).toEqual([
      { mode: 'ingress', target: 3000, published: 3000, protocol: 'tcp' },
    ]);
    const grafanaPorts = stack.services.grafana!.ports!;
    expect(grafanaPorts).toEqual([
      { mode: 'ingress', target: 3000, published: 3001, protocol: 'tcp' },
    ]);
  });

  it('attaches every service to one overlay network', () => {
    expect(Object.keys(stack.networks)).toEqual(['app']);
    expect(stack.networks.app!.driver).toBe('overlay');
    for (const name of SERVICES) {
      expect(Object.keys(stack.services[name]!.networks ?? {}), name).toEqual(['app']);
    }
  });

  it('takes both secrets from the swarm', () => {
    expect(stack.secrets).toEqual({
      redis_password: { name: 'redis_password', external: true },
      grafana_admin_password: { name: 'grafana_admin_password', external: true },
    });
    for (const name of ['chat', 'redis', 'redis-exporter']) {
      const secrets = stack.services[name]!.secrets!.map((secret) => secret.source);
      expect(secrets, name).toEqual(['redis_password']);
    }
    expect(stack.services.grafana!.secrets).toEqual([{ source: 'grafana_admin_password' }]);
  });

  it('configures chat for the routing mesh', () => {
    const chat = stack.services.chat!;
    expect(chat.deploy.replicas).toBe(2);
    expect(chat.environment).toMatchObject({
      PORT: '3000',
      REDIS_URL: 'redis://redis:6379',
      REDIS_PASSWORD_FILE: '/run/secrets/redis_password',
      CHAT_ADAPTER: 'pubsub',
      CHAT_TRANSPORTS: 'websocket',
      REPLICA_ID: '{{.Task.Name}}',
    });
    expect(chat.healthcheck!.test.join(' ')).toContain('/healthz');
    expect(chat.deploy.resources!.limits).toHaveProperty('memory');
    expect(chat.deploy.restart_policy).toMatchObject({ condition: 'any' });
  });

  it('rolls chat out one replica at a time', () => {
    const chat = stack.services.chat!;
    expect(chat.deploy.update_config).toMatchObject({
      parallelism: 1,
      order: 'start-first',
      failure_action: 'rollback',
    });
    expect(chat.deploy.rollback_config).toMatchObject({ parallelism: 1 });
  });

  it('gives chat longer to stop than its drain', () => {
    const chat = stack.services.chat!;
    const drainSeconds = Number(chat.environment!.CHAT_SHUTDOWN_GRACE_MS) / 1000;
    expect(seconds(chat.stop_grace_period)).toBeGreaterThan(drainSeconds);
  });

  it('follows CHAT_REPLICAS and CHAT_ADAPTER', () => {
    const scaled = stackConfig({ CHAT_REPLICAS: '4', CHAT_ADAPTER: 'sharded' });
    expect(scaled.services.chat!.deploy.replicas).toBe(4);
    expect(scaled.services.chat!.environment!.CHAT_ADAPTER).toBe('sharded');
  });

  it('keeps Redis on one node without persistence', () => {
    const redis = stack.services.redis!;
    expect(redis.deploy.replicas).toBe(1);
    expect(redis.deploy.placement!.constraints!.length).toBeGreaterThan(0);
    const script = redis.command!.join('\n');
    expect(script).toContain('/run/secrets/redis_password');
    expect(script).toContain('--save ""');
    expect(script).toContain('--appendonly no');
  });

  it('starts the load generator idle', () => {
    const loadgen = stack.services.loadgen!;
    expect(loadgen.deploy.replicas).toBe(0);
    expect(loadgen.command).toEqual(['--target', 'http://chat:3000']);
  });

  it('reads Grafana credentials from the secret', () => {
    const environment = stack.services.grafana!.environment!;
    expect(environment.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe(
      '/run/secrets/grafana_admin_password',
    );
  });

  it('mounts config files that exist', () => {
    const files = Object.values(stack.configs).map((config) => config.file);
    expect(files.length).toBe(4);
    for (const file of files) {
      expect(existsSync(file), file).toBe(true);
    }
    const prometheusTargets = stack.services.prometheus!.configs!.map((config) => config.target);
    expect(prometheusTargets).toEqual(['/etc/prometheus/prometheus.yml']);
  });
});
