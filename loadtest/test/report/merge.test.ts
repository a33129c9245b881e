import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { aggregateStep, type MeasuredStep } from '../../src/measure/aggregate.ts';
import { mergeRunFolders, RunMergeError } from '../../src/report/merge.ts';
import type { StepSummary, Summary } from '../../src/results/summary.ts';
import {
  copyFixture,
  fixtureDir,
  readRunInfo,
  readSummary,
  runReportCommand,
} from './run-fixtures.ts';

/** Two load generators that ran the same steps at the same time against one cluster. */
const GENERATOR_RUNS = ['merge-gen-1', 'merge-gen-2'];

function newOutDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'merge-test-')), 'merged');
}

function workersDir(run: string, index: number): string {
  return join(fixtureDir(run), 'steps', String(index), 'workers');
}

/**
 * Aggregates the per-thread result files of the given runs for one step into one step, as
 * a single run fed all their samples would have.
 */
function aggregateSamples(runs: readonly string[], index: number): Promise<MeasuredStep> {
  const dir = mkdtempSync(join(tmpdir(), 'merge-samples-'));
  for (const run of runs) {
    for (const name of readdirSync(workersDir(run, index))) {
      cpSync(join(workersDir(run, index), name), join(dir, name));
    }
  }
  return aggregateStep(dir, { stepId: `step-${index}` });
}

describe('the merge fixtures', () => {
  it('keep the result files each run aggregated', async () => {
    for (const run of GENERATOR_RUNS) {
      const summary = readSummary(fixtureDir(run));
      for (const step of summary.steps) {
        const own = await aggregateSamples([run], step.index);

        expect(own.generator.workers, `${run} step ${step.index}`).toBe(step.generator.workers);
        expect(own.messages).toEqual(step.messages);
        expect(own.latency).toEqual(step.latency);
        expect(own.timeline).toEqual(step.timeline);
      }
    }
  });
});

describe('merging two generator runs', () => {
  let merged: Summary;
  let parts: Summary[];
  let all: MeasuredStep[];

  beforeAll(async () => {
    const result = await mergeRunFolders(newOutDir(), GENERATOR_RUNS.map(fixtureDir));
    merged = result.summary;
    parts = GENERATOR_RUNS.map((run) => readSummary(fixtureDir(run)));
    all = await Promise.all(
      parts[0]!.steps.map((step) => aggregateSamples(GENERATOR_RUNS, step.index)),
    );
  });

  it('keeps every step', () => {
    expect(merged.steps.map((step) => step.index)).toEqual(parts[0]!.steps.map((s) => s.index));
    expect(merged.steps.length).toBeGreaterThan(1);
  });

  it('sums the counts', () => {
    merged.steps.forEach((step, i) => {
      expect(step.messages).toEqual(all[i]!.messages);
      expect(step.throughput).toBeCloseTo(all[i]!.throughput, 3);
      expect(step.clients.target).toBe(parts[0]!.steps[i]!.clients.target * parts.length);
      expect(step.clients.peak).toBe(all[i]!.clients.peak);
      expect(step.connect).toEqual(all[i]!.connect);
    });
  });

  it('equals the step built from all samples', () => {
    merged.steps.forEach((step, i) => {
      expect(step.measureSeconds).toBe(all[i]!.measureSeconds);
      for (const kind of ['same', 'cross', 'all'] as const) {
        expect(step.latency[kind], `step ${i} ${kind}`).toEqual(all[i]!.latency[kind]);
        expect(step.latency[kind].count).toBe(
          parts[0]!.steps[i]!.latency[kind].count + parts[1]!.steps[i]!.latency[kind].count,
        );
      }
      expect(step.generator).toEqual(all[i]!.generator);
    });
  });

  it('merges the timeline slice by slice', () => {
    merged.steps.forEach((step, i) => {
      expect(step.timeline.length, `slices of step ${i}`).toBeGreaterThan(1);
      expect(step.timeline).toEqual(all[i]!.timeline);
    });
  });

  it('keeps one reading per replica', () => {
    merged.steps.forEach((step, i) => {
      const [first, second] = parts.map((part) => part.steps[i]!.servers);
      const replicas = first!.map((server) => server.replica);

      expect(second!.map((server) => server.replica)).toEqual(replicas);
      expect(step.servers).toEqual(first);
      expect(step.redis).toEqual(parts[0]!.steps[i]!.redis);
    });
  });

  it('does not average percentiles', () => {
    const last = merged.steps.length - 1;
    const [p99a, p99b] = parts.map((part) => part.steps[last]!.latency.cross.p99);

    // The two generators saw different tails, so an average would miss the merged p99.
    expect(p99a).not.toBe(p99b);
    expect(merged.steps[last]!.latency.cross.p99).not.toBe((p99a! + p99b!) / 2);
    expect(merged.steps[last]!.latency.cross.p99).toBe(all[last]!.latency.cross.p99);
  });

  it("is invalid where one generator's step was, naming that generator", () => {
    const invalid = merged.steps.filter((step) => !step.valid);

    expect(invalid.length, 'the fixture has a step one generator marked invalid').toBeGreaterThan(
      0,
    );
    const generators = GENERATOR_RUNS.map((run) => readRunInfo(fixtureDir(run)).generators![0]!);
    merged.steps.forEach((step, i) => {
      const own = parts.map((part) => part.steps[i]!);
      expect(step.valid).toBe(own.every((part) => part.valid));
      expect(step.reasons).toEqual(
        own.flatMap((part, g) => part.reasons.map((reason) => `${generators[g]}: ${reason}`)),
      );
    });
  });

  it('writes run.json naming both generators', async () => {
    const out = newOutDir();

    await mergeRunFolders(out, GENERATOR_RUNS.map(fixtureDir));

    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.generators).toEqual(['gen-1', 'gen-2']);
    expect(run.mergedFrom).toEqual(GENERATOR_RUNS.map(fixtureDir));
    expect(run.sharedHost).toBe(true);
  });
});

describe('npm run report --merge', () => {
  it('merges and reports the merged run', async () => {
    const out = newOutDir();

    const result = await runReportCommand(['--merge', out, ...GENERATOR_RUNS.map(fixtureDir)]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`merged 2 run folders into ${out}`);
    for (const file of ['run.json', 'summary.json', 'report.html', 'report.md', 'report.json']) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('2 load generators merged');
  });

  it('exits 2 naming a mismatched step', async () => {
    const sweep = readSummary(fixtureDir('sweep')).steps.length;
    const gen1 = readSummary(fixtureDir('merge-gen-1')).steps.length;

    const result = await runReportCommand([
      '--merge',
      newOutDir(),
      fixtureDir('sweep'),
      fixtureDir('merge-gen-1'),
    ]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`report: .*has ${gen1} steps but .*has ${sweep}`));
  });
});

describe('merge errors', () => {
  it('rejects runs with different step counts', async () => {
    const sweep = readSummary(fixtureDir('sweep')).steps.length;
    const gen1 = readSummary(fixtureDir('merge-gen-1')).steps.length;
    expect(sweep).not.toBe(gen1);

    const merging = mergeRunFolders(newOutDir(), [fixtureDir('sweep'), fixtureDir('merge-gen-1')]);

    await expect(merging).rejects.toBeInstanceOf(RunMergeError);
    await expect(merging).rejects.toThrow(new RegExp(`has ${gen1} steps but .*sweep has ${sweep}`));
  });

  it('rejects a step with another replica count', async () => {
    const other = copyFixture('merge-gen-2');
    const summary = readSummary(other);
    const step = summary.steps[1] as StepSummary;
    const replicas = step.replicas;
    step.replicas = replicas + 1;
    writeFileSync(join(other, 'summary.json'), JSON.stringify(summary));

    const merging = mergeRunFolders(newOutDir(), [fixtureDir('merge-gen-1'), other]);

    await expect(merging).rejects.toThrow(
      `step 2 does not match: replicas is ${replicas} in ${fixtureDir('merge-gen-1')} ` +
        `but ${replicas + 1} in ${other}`,
    );
  });

  it('rejects two runs of one generator', async () => {
    const merging = mergeRunFolders(newOutDir(), [
      fixtureDir('merge-gen-1'),
      copyFixture('merge-gen-1'),
    ]);

    await expect(merging).rejects.toThrow(/both written by load generator "gen-1"/);
  });

  it('rejects a single run folder', async () => {
    const merging = mergeRunFolders(newOutDir(), [fixtureDir('merge-gen-1')]);

    await expect(merging).rejects.toThrow(/at least two run folders/);
  });

  it('refuses to overwrite a merged run', async () => {
    const out = newOutDir();
    const inputs = GENERATOR_RUNS.map(fixtureDir);
    await mergeRunFolders(out, inputs);

    const again = mergeRunFolders(out, inputs);

    await expect(again).rejects.toThrow(/summary.json already exists/);
  });
});
