import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { StepSummary, Summary } from '../../loadtest/src/results/summary.ts';
import { measureCapacity } from '../src/capacity.ts';
import { capacityStep } from '../src/capacity-step.ts';
import { compareEngines, NOISE_SHARE } from '../src/engine-comparison.ts';
import { harnessShape, measureHarness } from '../src/harness.ts';
import { loadtestUnavailable, PROJECT_ROOT } from '../src/loadtest-cli.ts';
import { benchPlan } from '../src/plan.ts';

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'bench-loadtest-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('loadtestUnavailable', () => {
  test('is null for the project CLI', async () => {
    expect(await loadtestUnavailable()).toBeNull();
  });

  test('names a missing CLI', async () => {
    const missing = join(folder, 'missing.ts');

    expect(await loadtestUnavailable(missing)).toBe(`the loadtest CLI ${missing} does not exist`);
  });

  test('names the error of a CLI that fails to load', async () => {
    const broken = join(folder, 'broken.ts');
    await writeFile(broken, "import './not-there.ts';\n");

    const reason = await loadtestUnavailable(broken);

    expect(reason).toMatch(/exited with code 1/);
    expect(reason).toMatch(/ERR_MODULE_NOT_FOUND|Cannot find module/);
  });
});

describe('measureHarness', () => {
  test('spreads the light rate over pairs under 25 per client', () => {
    const shape = harnessShape(benchPlan('quick').light);

    expect(shape).toEqual({ clients: 8, roomSize: 2, ratePerClient: 25 });
  });

  test('reads cross-replica figures from one loadtest step', async () => {
    const load = { rate: 20, messageBytes: 16, warmupMs: 0, measureMs: 0, drainMs: 0 };
    const timeline = { rampSeconds: 1, settleSeconds: 1, durationSeconds: 2, drainSeconds: 1 };
    const runDir = join(folder, 'harness');

    const harness = await measureHarness(load, timeline, runDir);
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as Summary;
    const step = summary.steps[0]!;

    expect(harness.clients).toBe(2);
    expect(harness.sent).toBe(step.messages.sent);
    expect(harness.delivered).toBe(step.messages.delivered);
    expect(harness.cross.count + harness.same.count).toBe(step.messages.delivered);
    expect(harness.cross.p50).toBe(Math.round(step.latency.cross.p50 * 1000));
  }, 90_000);
});

describe('measureCapacity', () => {
  const plan = {
    ...benchPlan('quick').capacity,
    steps: [1_000, 2_000],
  };

  test('does not run a step over the open-file limit', async () => {
    const limits = { openFiles: 2_500, ephemeralPorts: 28_232 };

    const figures = await measureCapacity(plan, limits, folder, () => {});

    expect(figures.steps).toEqual([]);
    expect(figures.largestValid).toBeNull();
    expect(figures.stopReason).toMatch(/^1,000 clients not run: .*over the limit of 2,500/);
    expect(figures.comparison).toBeNull();
  });

  test('does not run a step over the ephemeral ports', async () => {
    const limits = { openFiles: 100_000, ephemeralPorts: 500 };

    const figures = await measureCapacity(plan, limits, folder, () => {});

    expect(figures.stopReason).toMatch(/ephemeral port range .* only 500 ports/);
  });

  test('turns a loadtest step into generator cost', async () => {
    const fixture = join(PROJECT_ROOT, 'loadtest/test/fixtures/runs/sweep/summary.json');
    const steps = (JSON.parse(await readFile(fixture, 'utf8')) as Summary).steps;
    const validStep = steps.find((step) => step.valid)!;
    const invalidStep = steps.find((step) => !step.valid)!;

    const valid = capacityStep('socketio-v3', validStep, 'run', null);
    const invalid = capacityStep('socketio', invalidStep, 'run', null);

    expect(valid.valid).toBe(true);
    expect(valid.deliveriesPerSecond).toBe(validStep.throughput);
    expect(valid.generator.cpuMicrosecondsPerDelivery).toBe(
      Math.round((validStep.generator.cpuPercent / 100 / validStep.throughput) * 1e6 * 100) / 100,
    );
    expect(invalid.valid).toBe(false);
    expect(invalid.reasons).toEqual(invalidStep.reasons);
  });

  test('engine comparison names the cheaper engine', async () => {
    const fixture = join(PROJECT_ROOT, 'loadtest/test/fixtures/runs/sweep/summary.json');
    const steps = (JSON.parse(await readFile(fixture, 'utf8')) as Summary).steps;
    const cpuPerDelivery = (step: StepSummary) => step.generator.cpuPercent / step.throughput;
    const byCost = [...steps].sort((a, b) => cpuPerDelivery(a) - cpuPerDelivery(b));
    const v3 = capacityStep('socketio-v3', byCost.at(-1)!, 'run', null);
    const builtin = capacityStep('socketio', byCost[0]!, 'run', null);

    const comparison = compareEngines(v3, builtin, null);

    expect(builtin.generator.cpuMicrosecondsPerDelivery).toBeLessThan(
      v3.generator.cpuMicrosecondsPerDelivery * (1 - NOISE_SHARE),
    );
    expect(comparison.cheaperCpu).toBe('socketio');
    expect(comparison.verdict).toMatch(/^generator CPU per delivery: socketio costs/);
  });
});
