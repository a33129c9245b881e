import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { emptyLatencySummary } from '../../loadtest/src/results/histogram.ts';
import type { Summary } from '../../loadtest/src/results/summary.ts';
import { fromSummary } from '../src/latency.ts';
import { describeRepeatability, repeatability } from '../src/markdown-repeatability.ts';
import {
  measureRepeatability,
  type RepeatabilityFigures,
  type RepeatRun,
  spreadOfRuns,
} from '../src/repeatability.ts';

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'bench-repeat-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

function repeatRun(repeat: number, p50: number): RepeatRun {
  const cross = { ...fromSummary(emptyLatencySummary()), count: 1_000, p50, p99: 3 * p50 };
  return { repeat, cross, sent: 500, delivered: 1_000, lost: 0, valid: true, reasons: [] };
}

function figuresOf(runs: RepeatRun[]): RepeatabilityFigures {
  const shape = { clients: 8, roomSize: 2, ratePerClient: 25 };
  return { ...shape, runs, ...spreadOfRuns(runs), runDir: 'run' };
}

/** Reads "min A µs, median B µs, max C µs ... spread D %" back from a printed line. */
function parsePrinted(line: string) {
  const value = (name: string) => {
    const match = new RegExp(`${name} ([\\d,.]+)`).exec(line);
    return Number(match![1]!.replaceAll(',', ''));
  };
  return {
    min: value('min'),
    median: value('median'),
    max: value('max'),
    spread: value('spread'),
  };
}

describe('spreadOfRuns', () => {
  test('takes min, median and max of the p50s', () => {
    const spread = spreadOfRuns([repeatRun(1, 1_100), repeatRun(2, 1_000), repeatRun(3, 1_210)]);

    expect(spread.p50).toEqual({ min: 1_000, median: 1_100, max: 1_210 });
    expect(spread.spreadPercent).toBe(19.09);
  });

  test('median of two is their mean', () => {
    const spread = spreadOfRuns([repeatRun(1, 1_000), repeatRun(2, 1_100)]);

    expect(spread.p50.median).toBe(1_050);
    expect(spread.spreadPercent).toBe(9.52);
  });

  test('rejects a single run', () => {
    expect(() => spreadOfRuns([repeatRun(1, 1_000)])).toThrow(/at least 2 repeats, got 1/);
  });
});

describe('describeRepeatability', () => {
  test('prints figures that recompute to the printed spread', () => {
    const figures = figuresOf([repeatRun(1, 1_523), repeatRun(2, 1_467), repeatRun(3, 1_612)]);

    const printed = parsePrinted(describeRepeatability(figures));

    expect(printed.min).toBe(1_467);
    expect(printed.median).toBe(1_523);
    expect(printed.max).toBe(1_612);
    expect(printed.spread).toBeCloseTo((100 * (printed.max - printed.min)) / printed.median, 2);
  });

  test('the bench.md table lists each repeat p50', () => {
    const figures = figuresOf([repeatRun(1, 1_523), repeatRun(2, 1_467)]);

    const section = repeatability({ status: 'done', seconds: 1, figures });

    expect(section).toContain('| 1 | yes | 500 | 1000 | 0 | 1000 | 1,523 | 4,569 |');
    expect(section).toContain('| 2 | yes | 500 | 1000 | 0 | 1000 | 1,467 | 4,401 |');
    expect(section).toContain('spread 3.75 %');
  });
});

describe('measureRepeatability', () => {
  test('reads one p50 per repeat from the loadtest run', async () => {
    const load = { rate: 20, messageBytes: 16, warmupMs: 0, measureMs: 0, drainMs: 0 };
    const timeline = { rampSeconds: 1, settleSeconds: 1, durationSeconds: 2, drainSeconds: 1 };
    const runDir = join(folder, 'repeat');

    const figures = await measureRepeatability(load, timeline, { repeats: 2 }, runDir);
    const text = await readFile(join(runDir, 'summary.json'), 'utf8');
    const steps = (JSON.parse(text) as Summary).steps;

    expect(figures.runs.map((run) => run.repeat)).toEqual([1, 2]);
    const p50s = steps.map((step) => Math.round(step.latency.cross.p50 * 1000));

    expect(figures.runs.map((run) => run.cross.p50)).toEqual(p50s);
    expect(figures.p50.min).toBe(Math.min(...p50s));
    expect(figures.p50.max).toBe(Math.max(...p50s));
  }, 120_000);
});
