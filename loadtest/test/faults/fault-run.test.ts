import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DeliveryPart, FaultSummary } from '../../src/results/fault-summary.ts';
import type { StepSummary, Summary } from '../../src/results/summary.ts';
import { isRunning, runCli } from '../cli/support/run-cli.ts';

const CLIENTS = 100;
/** About 8 s of start-up, 2 s ramp, 2 s settle, 12 s measuring with a fault at 4 s, 4 s drain. */
const FAULT_STEP = [
  '--clients',
  String(CLIENTS),
  '--room-size',
  '10',
  '--ramp',
  '2s',
  '--settle',
  '2s',
  '--duration',
  '12s',
  '--drain',
  '4s',
];
const LOCAL_ENV = { REDIS_URL: '' };

interface RunJson {
  artilleryPids: number[];
  layout: {
    clusters: { replicas: { id: string; pid: number; restarts: number }[]; redisPid?: number }[];
  };
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/** Runs one fault step and returns its summary; checks the run stopped what it started. */
async function faultRun(out: string, flags: string[]): Promise<StepSummary> {
  const result = await runCli([...FAULT_STEP, ...flags, '--out', out], {
    timeoutMs: 110_000,
    env: LOCAL_ENV,
  });
  expect(result.code, result.stderr).toBe(0);

  const run = await readJson<RunJson>(join(out, 'run.json'));
  const cluster = run.layout.clusters[0]!;
  for (const pid of [...run.artilleryPids, ...cluster.replicas.map((r) => r.pid)]) {
    expect(isRunning(pid), `process ${pid} still runs`).toBe(false);
  }
  const { steps } = await readJson<Summary>(join(out, 'summary.json'));
  expect(steps).toHaveLength(1);
  return steps[0]!;
}

function parts(fault: FaultSummary): DeliveryPart[] {
  return [fault.beforeFault, fault.duringOutage, fault.afterRecovery];
}

/** Checks that every part is exact and that a single fault's parts cover the window. */
function expectExactAccounting(step: StepSummary, fault: FaultSummary): void {
  const { messages } = step;
  expect(messages.expected).toBe(messages.delivered + messages.lost);
  for (const part of parts(fault)) {
    expect(part.expected, `part ${part.fromMs}-${part.toMs} ms`).toBe(part.delivered + part.lost);
  }
  const total = (read: (part: DeliveryPart) => number) =>
    parts(fault).reduce((sum, part) => sum + read(part), 0);
  expect(total((part) => part.expected)).toBe(messages.expected);
  expect(total((part) => part.delivered)).toBe(messages.delivered);
  expect(total((part) => part.lost)).toBe(messages.lost);
  expect(fault.afterRecovery.toMs).toBe(step.measureSeconds * 1_000);
}

describe('fault runs on the local cluster', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'fault-run-'));
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  test('kill-replica loses nothing after recovery', { timeout: 140_000 }, async () => {
    const out = join(scratch, 'kill-replica');

    const step = await faultRun(out, ['--fault', 'kill-replica@4s']);

    expect(step.complete).toBe(true);
    expect(step.faults).toHaveLength(1);
    const fault = step.faults![0]!;
    expect(fault.kind).toBe('kill-replica');
    expect(fault.target).toBe('replica-1');
    expect(fault.error).toBeNull();
    expect(fault.spec).toBe('kill-replica@4s');
    expect(fault.recoveredAtMs).toBeGreaterThan(fault.injectedAtMs);
    expect(fault.clients.disconnected).toBeGreaterThan(0);
    expect(fault.clients.disconnected).toBeLessThan(CLIENTS);
    expect(fault.clients.reconnected).toBe(fault.clients.disconnected);
    expect(fault.clients.reconnect.count).toBe(fault.clients.reconnected);
    expect(step.connect.reconnects).toBe(fault.clients.reconnected);
    expectExactAccounting(step, fault);
    expect(fault.afterRecovery.expected).toBeGreaterThan(0);
    expect(fault.afterRecovery.lost).toBe(0);
    expect(fault.duringOutage.lost).toBe(fault.duringOutage.lostToDisconnects);

    const run = await readJson<RunJson>(join(out, 'run.json'));
    const killed = run.layout.clusters[0]!.replicas.find((replica) => replica.id === 'replica-1');
    expect(killed?.restarts).toBe(1);
    const markdown = await readFile(join(out, 'report.md'), 'utf8');
    expect(markdown).toContain('## Faults');
    expect(markdown).toMatch(/\| this run \| 1 \| pubsub \| kill-replica@4s \| replica-1 \|/);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('"markLine"');
    expect(html).toContain('"name":"kill-replica@4s","xAxis":');
  });

  test.each([
    ['pubsub', 'loses deliveries during the outage'],
    ['streams', 'loses no delivery'],
  ])('restart-redis with %s %s', { timeout: 140_000 }, async (adapter) => {
    const out = join(scratch, `restart-redis-${adapter}`);

    const step = await faultRun(out, ['--adapter', adapter, '--fault', 'restart-redis@4s']);

    expect(step.adapter).toBe(adapter);
    const fault = step.faults![0]!;
    expect(fault.kind).toBe('restart-redis');
    expect(fault.error).toBeNull();
    expect(fault.recoveredAtMs).toBeGreaterThan(fault.injectedAtMs);
    expect(fault.clients.disconnected).toBe(0);
    expectExactAccounting(step, fault);
    expect(fault.duringOutage.expected).toBeGreaterThan(0);
    expect(fault.outageLatency.cross.count).toBeGreaterThan(0);
    if (adapter === 'pubsub') {
      expect(fault.duringOutage.lost).toBeGreaterThan(0);
      expect(fault.duringOutage.lostToDisconnects).toBe(0);
    } else {
      expect(step.messages.lost).toBe(0);
    }
  });
});
