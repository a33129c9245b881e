import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findFreePort } from '../../src/cluster/free-port.ts';
import { type LocalCluster, startLocalCluster } from '../../src/cluster/local-cluster.ts';
import type { StepSummary, Summary } from '../../src/results/summary.ts';
import { isRunning, runCli, startCli } from './support/run-cli.ts';

const CLIENTS = 200;
/** A short step: about 8 s of start-up, 3 s ramp, 2 s settle, 8 s measuring, 3 s drain. */
const SHORT_STEP = [
  '--clients',
  String(CLIENTS),
  '--room-size',
  '10',
  '--rate',
  '1',
  '--ramp',
  '3s',
  '--settle',
  '2s',
  '--duration',
  '8s',
  '--drain',
  '3s',
];
const LOCAL_ENV = { REDIS_URL: '' };

const LATENCY_FIELDS = ['count', 'min', 'p50', 'p90', 'p95', 'p99', 'p999', 'max', 'histogram'];
const SERVER_FIELDS = [
  'replica',
  'connections',
  'messagesReceived',
  'messagesDelivered',
  'backplanePublished',
  'backplaneReceived',
  'cpuSeconds',
  'rssBytes',
  'heapUsedBytes',
  'loopDelayP99Ms',
];

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

interface RunJson {
  status: string;
  sharedHost: boolean;
  hostNote: string;
  host: { cpus: number; memoryBytes: number; node: string };
  versions: Record<string, string>;
  parameters: { clients: number };
  startedAt: string;
  endedAt: string;
  artilleryPids: number[];
  layout: {
    mode: string;
    clusters: { replicas: { id: string; pid: number }[]; redisPid?: number }[];
  };
}

/** Collects every process id run.json names: Artillery, replicas, a redis-server it started. */
function startedPids(run: RunJson): number[] {
  const pids = [...run.artilleryPids];
  for (const cluster of run.layout.clusters) {
    pids.push(...cluster.replicas.map((replica) => replica.pid));
    if (cluster.redisPid !== undefined) {
      pids.push(cluster.redisPid);
    }
  }
  return pids;
}

function expectLatency(latency: Record<string, unknown>): void {
  expect(Object.keys(latency).sort()).toEqual([...LATENCY_FIELDS].sort());
}

describe('npm run loadtest on the local cluster', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'loadtest-run-'));
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  test('short run writes a consistent summary', { timeout: 140_000 }, async () => {
    const out = join(scratch, 'short');

    const result = await runCli([...SHORT_STEP, '--out', out], {
      timeoutMs: 110_000,
      env: LOCAL_ENV,
    });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('cross p99');
    expect(result.stdout.split('\n').length).toBeLessThan(40);
    const summary = await readJson<Summary>(join(out, 'summary.json'));
    expect(summary.steps).toHaveLength(1);
    const step = summary.steps[0] as StepSummary;
    expect(step.index).toBe(0);
    expect(step.replicas).toBe(2);
    expect(step.repeat).toBe(1);
    expect(step.adapter).toBe('pubsub');
    expect(step.scenario).toBe('rooms');
    expect(step.complete).toBe(true);
    expect(step.measureSeconds).toBe(8);
    expect(step.clients).toEqual({ target: CLIENTS, peak: CLIENTS });
    expect(step.messages.sent).toBeGreaterThan(0);
    expect(step.messages.expected).toBe(step.messages.delivered + step.messages.lost);
    expect(step.messages.lost).toBe(0);
    expect(step.messages.duplicated).toBe(0);
    expect(step.latency.same.count).toBeGreaterThan(0);
    expect(step.latency.cross.count).toBeGreaterThan(0);
    expect(step.latency.all.count).toBe(step.messages.delivered);
    for (const latency of Object.values(step.latency)) {
      expectLatency(latency as unknown as Record<string, unknown>);
    }
    expect(step.throughput).toBeCloseTo(step.messages.delivered / step.measureSeconds, 2);
    expect(step.timeline.length).toBeGreaterThan(0);
    expect(step.connect.attempts).toBe(CLIENTS);
    expect(step.connect.errors).toBe(0);
    expect(step.generator.workers).toBeGreaterThan(0);
    expect(step.servers).toHaveLength(2);
    for (const server of step.servers) {
      expect(Object.keys(server).sort()).toEqual([...SERVER_FIELDS].sort());
      expect(server.messagesReceived).toBeGreaterThan(0);
    }
    const connections = step.servers.reduce((total, server) => total + server.connections, 0);
    expect(connections).toBe(CLIENTS);
    const received = step.servers.reduce((total, server) => total + server.messagesReceived, 0);
    expect(received).toBeLessThanOrEqual(step.messages.sent);
    expect(step.redis).not.toBeNull();
    expect(step.redis!.commandsProcessed).toBeGreaterThan(0);
    expect(step.valid).toBe(step.reasons.length === 0);

    const run = await readJson<RunJson>(join(out, 'run.json'));
    expect(run.status).toBe('complete');
    expect(run.sharedHost).toBe(true);
    expect(run.hostNote).toContain('not the capacity of a swarm');
    expect(run.host.cpus).toBeGreaterThan(0);
    expect(run.host.node).toBe(process.version);
    expect(run.versions.artillery).toMatch(/^\d+\.\d+\.\d+/);
    expect(run.parameters.clients).toBe(CLIENTS);
    expect(Date.parse(run.endedAt)).toBeGreaterThan(Date.parse(run.startedAt));
    expect(run.layout.mode).toBe('local');
    for (const pid of startedPids(run)) {
      expect(isRunning(pid), `process ${pid} still runs`).toBe(false);
    }

    const files = await readdir(out);
    expect(files).toContain('prometheus-targets.json');
    const targets = await readJson<{ targets: string[] }[]>(join(out, 'prometheus-targets.json'));
    expect(targets).toHaveLength(2);
    const stepFiles = await readdir(join(out, 'steps', '0'));
    expect(stepFiles).toEqual(expect.arrayContaining(['artillery.json', 'artillery.log']));
    expect((await readdir(join(out, 'steps', '0', 'workers'))).length).toBeGreaterThan(0);
  });

  test('sweep restarts the cluster per replica count', { timeout: 140_000 }, async () => {
    const out = join(scratch, 'sweep');
    const args = ['--replicas', '1,2', '--clients', '40', '--ramp', '2s', '--settle', '1s'];

    const result = await runCli([...args, '--duration', '4s', '--drain', '2s', '--out', out], {
      timeoutMs: 110_000,
      env: LOCAL_ENV,
    });

    expect(result.code, result.stderr).toBe(0);
    const { steps } = await readJson<Summary>(join(out, 'summary.json'));
    expect(steps.map((step) => step.index)).toEqual([0, 1]);
    expect(steps.map((step) => step.replicas)).toEqual([1, 2]);
    expect(steps.map((step) => step.servers.length)).toEqual([1, 2]);
    expect(steps[0]!.latency.cross.count).toBe(0);
    for (const step of steps) {
      expect(step.complete).toBe(true);
      expect(step.messages.expected).toBe(step.messages.delivered + step.messages.lost);
    }
    const run = await readJson<RunJson>(join(out, 'run.json'));
    expect(run.layout.clusters).toHaveLength(2);
    expect(run.layout.clusters.map((cluster) => cluster.replicas.length)).toEqual([1, 2]);
    for (const pid of startedPids(run)) {
      expect(isRunning(pid), `process ${pid} still runs`).toBe(false);
    }
  });

  test('SIGINT keeps partial results and stops everything', { timeout: 110_000 }, async () => {
    const out = join(scratch, 'interrupted');
    const cli = startCli([...SHORT_STEP, '--duration', '60s', '--out', out], {
      timeoutMs: 80_000,
      env: LOCAL_ENV,
    });

    await cli.waitForOutput(': measure');
    cli.child.kill('SIGINT');
    const result = await cli.result;

    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('SIGINT received');
    const summary = await readJson<Summary>(join(out, 'summary.json'));
    expect(summary.steps).toHaveLength(1);
    const step = summary.steps[0] as StepSummary;
    expect(step.complete).toBe(false);
    expect(step.valid).toBe(false);
    expect(step.reasons.join('\n')).toContain('interrupted (SIGINT)');
    expect(step.measureSeconds).toBeLessThan(60);
    expect(step.messages.expected).toBe(step.messages.delivered + step.messages.lost);
    const run = await readJson<RunJson>(join(out, 'run.json'));
    expect(run.status).toBe('interrupted');
    const pids = startedPids(run);
    expect(pids.length).toBeGreaterThanOrEqual(3);
    for (const pid of pids) {
      expect(isRunning(pid), `process ${pid} still runs`).toBe(false);
    }
  });
});

describe('npm run loadtest against a target', () => {
  let cluster: LocalCluster;
  let scratch: string;

  beforeAll(async () => {
    cluster = await startLocalCluster({ replicas: 2 });
    scratch = await mkdtemp(join(tmpdir(), 'loadtest-target-'));
  });

  afterAll(async () => {
    await cluster?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  test('target run reads the given metrics and Redis', { timeout: 110_000 }, async () => {
    const out = join(scratch, 'target');
    const metrics = cluster.replicas.map((replica) => replica.metricsUrl).join(',');
    const flags = ['--target', cluster.url, '--metrics', metrics, '--redis-url', cluster.redisUrl];

    const result = await runCli([...SHORT_STEP, ...flags, '--out', out], {
      timeoutMs: 80_000,
      env: LOCAL_ENV,
    });

    expect(result.code, result.stderr).toBe(0);
    const step = (await readJson<Summary>(join(out, 'summary.json'))).steps[0]!;
    expect(step.replicas).toBe(2);
    expect(step.complete).toBe(true);
    expect(step.messages.lost).toBe(0);
    expect(step.messages.expected).toBe(step.messages.delivered);
    expect(step.servers.map((server) => server.replica).sort()).toEqual(['replica-1', 'replica-2']);
    expect(step.redis).not.toBeNull();
    const run = await readJson<RunJson & { target: string }>(join(out, 'run.json'));
    expect(run.target).toBe(cluster.url);
    expect(run.layout.mode).toBe('target');
    expect(run.sharedHost).toBe(true);
    expect(await readdir(out)).not.toContain('prometheus-targets.json');
  });
});

describe('npm run loadtest failures', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'loadtest-fail-'));
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  test('Artillery failure keeps the step', { timeout: 80_000 }, async () => {
    const scenario = join(scratch, 'broken.yml');
    await writeFile(scenario, 'config:\n  phases: [ {duration: 1\nscenarios: [\n');
    const out = join(scratch, 'broken');

    const result = await runCli(
      ['--clients', '20', '--ramp', '1s', '--duration', '2s', '--scenario', scenario, '--out', out],
      { timeoutMs: 50_000, env: LOCAL_ENV },
    );

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Artillery exited with code');
    expect(result.stderr).toContain(`What was measured before the failure is in ${out}`);
    const summary = await readJson<Summary>(join(out, 'summary.json'));
    expect(summary.steps).toHaveLength(1);
    expect(summary.steps[0]!.complete).toBe(false);
    expect(summary.steps[0]!.scenario).toBe('broken');
    const run = await readJson<RunJson>(join(out, 'run.json'));
    expect(run.status).toBe('failed');
    for (const pid of startedPids(run)) {
      expect(isRunning(pid), `process ${pid} still runs`).toBe(false);
    }
  });

  test('busy port fails with a clear message', { timeout: 80_000 }, async () => {
    const port = await findFreePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    const out = join(scratch, 'busy-port');

    try {
      const result = await runCli([...SHORT_STEP, '--port', String(port), '--out', out], {
        timeoutMs: 50_000,
        env: LOCAL_ENV,
      });

      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`port ${port} is in use`);
      expect(result.stderr).toContain('--port');
      expect((await readJson<RunJson>(join(out, 'run.json'))).status).toBe('failed');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
