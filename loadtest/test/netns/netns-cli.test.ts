/**
 * `npm run loadtest -- --netns`: a whole run with Redis and each replica in a network namespace
 * of its own, and the clear stop when a link cannot be shaped on this kernel.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, type TestContext, test } from 'vitest';
import { listNamespaces } from '../../src/netns/ip-command.ts';
import { checkNetnsRequirements } from '../../src/netns/requirements.ts';
import type { Summary } from '../../src/results/summary.ts';
import { runCli } from '../cli/support/run-cli.ts';
import { unsupportedReason } from './support/leftovers.ts';

/** Set REQUIRE_NETNS=1 (as CI does) to fail instead of skip without root or iproute2. */
const REQUIRED = process.env.REQUIRE_NETNS === '1';
const SHORT_STEP = [
  '--clients',
  '40',
  '--room-size',
  '4',
  '--ramp',
  '2s',
  '--settle',
  '1s',
  '--duration',
  '4s',
  '--drain',
  '2s',
];

let workDir: string;
let skipReason: string | null = null;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'netns-cli-'));
  try {
    await checkNetnsRequirements();
  } catch (error) {
    skipReason = unsupportedReason(error);
    if (skipReason === null || REQUIRED) {
      throw error;
    }
  }
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** Namespaces this project's runs create carry the prefix csb-. */
async function ownNamespaces(): Promise<Set<string>> {
  return new Set((await listNamespaces()).filter((name) => name.startsWith('csb-')));
}

function skipUnsupported(context: TestContext): void {
  context.skip(skipReason !== null, skipReason ?? '');
}

describe('loadtest --netns', () => {
  test('runs a step across namespaces and removes them', { timeout: 120_000 }, async (context) => {
    skipUnsupported(context);
    const before = await ownNamespaces();
    const outDir = join(workDir, 'run');

    const result = await runCli(['--netns', '--replicas', '2', '--out', outDir, ...SHORT_STEP], {
      timeoutMs: 90_000,
    });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('starting the local cluster in network namespaces');
    const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as Summary;
    const [step] = summary.steps;
    expect(step!.latency.cross.count).toBeGreaterThan(0);
    expect(step!.latency.same.count).toBeGreaterThan(0);
    expect(step!.messages.delivered + step!.messages.lost).toBe(step!.messages.expected);
    const run = JSON.parse(await readFile(join(outDir, 'run.json'), 'utf8'));
    const replicaUrls: string[] = run.layout.clusters[0].replicas.map(
      (replica: { url: string }) => replica.url,
    );
    // Each replica has its own address in the run's subnet, not loopback.
    expect(replicaUrls).toHaveLength(2);
    for (const url of replicaUrls) {
      expect(url).toMatch(/^http:\/\/10\.213\.\d+\.\d+:3000$/);
    }
    expect(new Set(replicaUrls).size).toBe(2);
    const left = [...(await ownNamespaces())].filter((name) => !before.has(name));
    expect(left).toEqual([]);
  });

  test('stops with a clear error when a link cannot be shaped', {
    timeout: 60_000,
  }, async (context) => {
    skipUnsupported(context);
    const before = await ownNamespaces();
    const outDir = join(workDir, 'shaped');

    const result = await runCli(
      ['--netns', '--link-delay', 'redis=5ms', '--out', outDir, ...SHORT_STEP],
      { timeoutMs: 50_000 },
    );

    const left = [...(await ownNamespaces())].filter((name) => !before.has(name));
    expect(left).toEqual([]);
    if (result.code === 0) {
      // This kernel has netem: the run must then record the shaping it applied.
      const run = JSON.parse(await readFile(join(outDir, 'run.json'), 'utf8'));
      expect(run.parameters.links).toEqual({ redis: { delayMs: 5 } });
      return;
    }
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the kernel has no netem queueing discipline');
    expect(result.stderr).not.toContain('    at ');
  });
});
