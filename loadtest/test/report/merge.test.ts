import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mergeRunFolders, RunMergeError } from '../../src/report/merge.ts';
import { decodeHistogram } from '../../src/results/histogram.ts';
import type { LatencySummary, StepSummary, Summary } from '../../src/results/summary.ts';
import { copyFixture, fixtureDir, readSummary, runReportCommand } from './run-fixtures.ts';

function newOutDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'merge-test-')), 'merged');
}

function withoutHistogram(summary: LatencySummary): Omit<LatencySummary, 'histogram'> {
  const { histogram: _histogram, ...figures } = summary;
  return figures;
}

/** Asserts that two encoded histograms have the same count and values at many percentiles. */
function expectSameHistogram(actual: string, expected: string): void {
  const a = decodeHistogram(actual);
  const b = decodeHistogram(expected);
  expect(a.totalCount).toBe(b.totalCount);
  for (const percentile of [0, 10, 25, 50, 75, 90, 95, 99, 99.9, 100]) {
    expect(a.getValueAtPercentile(percentile), `value at ${percentile} %`).toBe(
      b.getValueAtPercentile(percentile),
    );
  }
}

describe('merging two generator runs', () => {
  let merged: Summary;
  let all: Summary;

  beforeAll(async () => {
    const result = await mergeRunFolders(newOutDir(), [
      fixtureDir('merge-gen-1'),
      fixtureDir('merge-gen-2'),
    ]);
    merged = result.summary;
    all = readSummary(fixtureDir('merge-all'));
  });

  it('sums the counts', () => {
    merged.steps.forEach((step, i) => {
      expect(step.messages).toEqual(all.steps[i]!.messages);
      expect(step.throughput).toBeCloseTo(all.steps[i]!.throughput, 9);
      expect(step.clients).toEqual(all.steps[i]!.clients);
    });
  });

  it('equals the run built from all samples', () => {
    merged.steps.forEach((step, i) => {
      const expected = all.steps[i]!;
      for (const kind of ['same', 'cross', 'all'] as const) {
        expect(withoutHistogram(step.latency[kind]), kind).toEqual(
          withoutHistogram(expected.latency[kind]),
        );
        expectSameHistogram(step.latency[kind].histogram, expected.latency[kind].histogram);
      }
      expect(withoutHistogram(step.connect.latency)).toEqual(
        withoutHistogram(expected.connect.latency),
      );
    });
  });

  it('merges the timeline slice by slice', () => {
    merged.steps.forEach((step, i) => {
      const expected = all.steps[i]!.timeline;
      expect(step.timeline.map((slice) => slice.start)).toEqual(
        expected.map((slice) => slice.start),
      );
      step.timeline.forEach((slice, j) => {
        expect(slice.delivered).toBe(expected[j]!.delivered);
        expect(withoutHistogram(slice.cross)).toEqual(withoutHistogram(expected[j]!.cross));
        expect(withoutHistogram(slice.same)).toEqual(withoutHistogram(expected[j]!.same));
      });
    });
  });

  it('keeps one reading per replica', () => {
    merged.steps.forEach((step, i) => {
      expect(step.servers).toEqual(all.steps[i]!.servers);
    });
  });

  it('does not average percentiles', () => {
    const gen1 = readSummary(fixtureDir('merge-gen-1')).steps[1]!.latency.cross;
    const gen2 = readSummary(fixtureDir('merge-gen-2')).steps[1]!.latency.cross;

    const averaged = (gen1.p99 + gen2.p99) / 2;

    // The fixture's tails differ, so an average would not hit the merged p99.
    expect(merged.steps[1]!.latency.cross.p99).not.toBe(averaged);
    expect(merged.steps[1]!.latency.cross.p99).toBe(all.steps[1]!.latency.cross.p99);
  });

  it('writes run.json naming both generators', async () => {
    const out = newOutDir();

    await mergeRunFolders(out, [fixtureDir('merge-gen-1'), fixtureDir('merge-gen-2')]);

    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.generators).toEqual(['gen-1', 'gen-2']);
    expect(run.mergedFrom).toEqual([fixtureDir('merge-gen-1'), fixtureDir('merge-gen-2')]);
    expect(run.sharedHost).toBe(true);
  });
});

describe('npm run report --merge', () => {
  it('merges and reports the merged run', async () => {
    const out = newOutDir();

    const result = await runReportCommand([
      '--merge',
      out,
      fixtureDir('merge-gen-1'),
      fixtureDir('merge-gen-2'),
    ]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`merged 2 run folders into ${out}`);
    for (const file of ['run.json', 'summary.json', 'report.html', 'report.md', 'report.json']) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('2 load generators merged');
  });

  it('exits 2 naming a mismatched step', async () => {
    const result = await runReportCommand([
      '--merge',
      newOutDir(),
      fixtureDir('sweep'),
      fixtureDir('merge-gen-1'),
    ]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/report: .*has 2 steps but .*has 6/);
  });
});

describe('merge errors', () => {
  it('rejects runs with different step counts', async () => {
    const merging = mergeRunFolders(newOutDir(), [fixtureDir('sweep'), fixtureDir('merge-gen-1')]);

    await expect(merging).rejects.toBeInstanceOf(RunMergeError);
    await expect(merging).rejects.toThrow(/has 2 steps but .*sweep has 6/);
  });

  it('rejects a step with another replica count', async () => {
    const other = copyFixture('merge-gen-2');
    const summary = readSummary(other);
    (summary.steps[1] as StepSummary).replicas = 3;
    writeFileSync(join(other, 'summary.json'), JSON.stringify(summary));

    const merging = mergeRunFolders(newOutDir(), [fixtureDir('merge-gen-1'), other]);

    await expect(merging).rejects.toThrow(/step 1 does not match: replicas is 2 in .* but 3 in /);
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
    const inputs = [fixtureDir('merge-gen-1'), fixtureDir('merge-gen-2')];
    await mergeRunFolders(out, inputs);

    const again = mergeRunFolders(out, inputs);

    await expect(again).rejects.toThrow(/summary.json already exists/);
  });
});
