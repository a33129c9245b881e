import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepSummary, Summary } from '../../src/results/summary.ts';
import { runCli } from './support/run-cli.ts';

const MEBIBYTE = 1024 * 1024;
const MEASURE_SECONDS = 15;
/** About 8 s of start-up, 2 s ramp, 2 s settle, 15 s measuring, 2 s drain, at light load. */
const SMALL_STEP = [
  '--clients',
  '40',
  '--room-size',
  '5',
  '--rate',
  '2',
  '--ramp',
  '2s',
  '--settle',
  '2s',
  '--duration',
  `${MEASURE_SECONDS}s`,
  '--drain',
  '2s',
  '--replicas',
  '2',
];

describe('memory over time in a real run', () => {
  let scratch: string;
  let out: string;
  let step: StepSummary;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'memory-run-'));
    out = join(scratch, 'run');
    const result = await runCli([...SMALL_STEP, '--out', out], {
      timeoutMs: 110_000,
      env: { REDIS_URL: '' },
    });
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Summary;
    step = summary.steps[0]!;
  }, 140_000);

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('records every replica, the generator and the loadtest', () => {
    const kinds = step.memory!.series.map((series) => series.kind);

    expect(kinds.filter((kind) => kind === 'replica')).toHaveLength(2);
    expect(kinds.filter((kind) => kind === 'generator')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'loadtest')).toHaveLength(1);
    expect(step.memory!.series.map((series) => series.process).sort()).toEqual(
      [...step.servers.map((server) => server.replica), 'generator', 'loadtest'].sort(),
    );
    expect(step.memory!.intervalSeconds).toBe(5);
  });

  it('times every reading inside the step', () => {
    const measureStart = Date.parse(step.memory!.measureStartedAt);
    const started = Date.parse(step.startedAt);
    const ended = Date.parse(step.endedAt);

    for (const series of step.memory!.series) {
      const inside = series.samples.filter(
        ([seconds]) => seconds >= 0 && seconds <= MEASURE_SECONDS,
      );
      expect(inside.length, series.process).toBeGreaterThanOrEqual(3);
      for (const [seconds] of series.samples) {
        const at = measureStart + seconds * 1_000;
        expect(at, series.process).toBeGreaterThanOrEqual(started);
        expect(at, series.process).toBeLessThanOrEqual(ended);
      }
    }
  });

  it('reads plausible memory and finite slopes', () => {
    for (const series of step.memory!.series) {
      expect(series.failedReadings, series.process).toBe(0);
      for (const [seconds, rss, heap] of series.samples) {
        // The generator's first reading can come while Artillery is still loading, at a few MiB.
        if (seconds >= 0) {
          expect(rss, series.process).toBeGreaterThan(10 * MEBIBYTE);
        }
        expect(rss, series.process).toBeGreaterThan(0);
        expect(rss, series.process).toBeLessThan(4096 * MEBIBYTE);
        if (series.kind === 'generator') {
          expect(heap).toBeNull();
        } else {
          expect(heap, series.process).toBeGreaterThan(MEBIBYTE);
          expect(heap, series.process).toBeLessThan(rss);
        }
      }
      expect(Number.isFinite(series.rssSlopeMiBPerMinute), series.process).toBe(true);
      if (series.kind !== 'generator') {
        expect(Number.isFinite(series.heapSlopeMiBPerMinute), series.process).toBe(true);
      }
    }
  });

  it('puts the slopes in report.md', async () => {
    const markdown = await readFile(join(out, 'report.md'), 'utf8');
    const start = markdown.indexOf('### Memory over the measure window');
    const end = markdown.indexOf('\n#', start + 1);
    const rows = markdown
      .slice(start, end)
      .split('\n')
      .filter((line) => line.startsWith('| 1 |'));

    expect(rows).toHaveLength(step.memory!.series.length);
    for (const series of step.memory!.series) {
      const row = rows.find((line) => line.includes(`| ${series.process} |`));
      const slope = series.rssSlopeMiBPerMinute!.toFixed(3);
      expect(row, series.process).toContain(slope.startsWith('-') ? slope : `+${slope}`);
    }
  });

  it('draws the memory chart in report.html', { timeout: 60_000 }, async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(pathToFileURL(join(out, 'report.html')).href);
      await page.waitForFunction(() => document.documentElement.dataset.chartsDrawn !== undefined);

      const caption = await page.textContent('#memory figcaption');
      const painted = await page.evaluate(() => {
        const canvas = document.querySelector<HTMLCanvasElement>('#chart-memory-0 canvas')!;
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        return pixels.data.filter((value, index) => index % 4 === 3 && value > 0).length;
      });

      expect(caption).toContain('Slopes over the measure window, MiB/min');
      expect(painted).toBeGreaterThan(1_000);
      expect(await page.$('#table-memory')).not.toBeNull();
    } finally {
      await browser.close();
    }
  });
});
