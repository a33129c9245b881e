/**
 * Signals a terminal sends: Ctrl-C to the whole foreground process group, and SIGHUP when the
 * terminal closes. Both must leave a run folder with what was measured.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Summary } from '../../src/results/summary.ts';
import { startCli } from './support/run-cli.ts';

const LONG_STEP = [
  '--clients',
  '40',
  '--room-size',
  '4',
  '--ramp',
  '2s',
  '--settle',
  '1s',
  '--duration',
  '60s',
];
const LOCAL_ENV = { REDIS_URL: '' };

let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'loadtest-signals-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

async function readRun(outDir: string) {
  const run = JSON.parse(await readFile(join(outDir, 'run.json'), 'utf8'));
  const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as Summary;
  return { run, summary };
}

describe('loadtest under terminal signals', () => {
  test('group Ctrl-C keeps replica figures', { timeout: 90_000 }, async () => {
    const outDir = join(workDir, 'group-sigint');
    const cli = startCli([...LONG_STEP, '--out', outDir], {
      timeoutMs: 80_000,
      env: LOCAL_ENV,
      ownGroup: true,
    });

    await cli.waitForOutput('measure');
    // What a terminal does on Ctrl-C: SIGINT to every process of the foreground group.
    process.kill(-cli.child.pid!, 'SIGINT');
    const result = await cli.result;

    expect(result.code).toBe(130);
    const { run, summary } = await readRun(outDir);
    expect(run.status).toBe('interrupted');
    const [step] = summary.steps;
    expect(step!.complete).toBe(false);
    expect(step!.servers.map((server) => server.replica).sort()).toEqual([
      'replica-1',
      'replica-2',
    ]);
    expect(step!.reasons.join('\n')).not.toContain('cannot read /metrics');
  });

  test('SIGHUP ends the run as interrupted', { timeout: 90_000 }, async () => {
    const outDir = join(workDir, 'sighup');
    const cli = startCli([...LONG_STEP, '--out', outDir], { timeoutMs: 80_000, env: LOCAL_ENV });

    await cli.waitForOutput('measure');
    cli.child.kill('SIGHUP');
    const result = await cli.result;

    expect(result.code).toBe(129);
    const { run, summary } = await readRun(outDir);
    expect(run.status).toBe('interrupted');
    expect(summary.steps).toHaveLength(1);
    expect(summary.steps[0]!.messages.delivered).toBeGreaterThan(0);
  });
});
