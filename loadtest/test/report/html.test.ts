import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/build.ts';
import { parseGate } from '../../src/report/gates.ts';
import { reportFindings } from '../../src/report/verdict.ts';
import { copyFixtureToArtifacts, fixtureDir } from './run-fixtures.ts';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
];

/** Charts drawn against replica count or step, before the one timeline chart per step. */
const SWEEP_CHARTS = [
  'chart-latency-same',
  'chart-latency-cross',
  'chart-throughput',
  'chart-loss',
  'chart-connect',
  'chart-server-cpu',
  'chart-server-memory',
];

/** Counts the pixels of a chart's canvas that are not fully transparent. */
function paintedPixels(page: Page, chartId: string): Promise<number> {
  return page.evaluate((id) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`#${id} canvas`);
    if (canvas === null) {
      return -1;
    }
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) {
      if (pixels[i]! > 0) {
        painted += 1;
      }
    }
    return painted;
  }, chartId);
}

describe('report.html in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  let dir: string;
  let steps: number;
  let findings: string[];
  let memoryCharts: string[];

  beforeAll(async () => {
    dir = copyFixtureToArtifacts('sweep-regressed');
    const built = await buildReport(dir, {
      baselineDir: fixtureDir('sweep'),
      // Every replica held each delivery 3 ms, so no step of sweep-regressed has a p50 below it.
      gates: [parseGate('same.p50<3'), parseGate('valid==true')],
    });
    steps = built.data.steps.length;
    findings = reportFindings(built.data).map((finding) => finding.text);
    memoryCharts = built.data.steps
      .filter((step) => step.memory !== null)
      .map((step) => `chart-memory-${step.index}`);

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') {
        consoleErrors.push(message.text());
      }
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('request', (request) => requests.push(request.url()));

    await page.goto(pathToFileURL(built.files.html).href);
    await page.waitForFunction(
      () => document.documentElement.dataset.chartsDrawn !== undefined,
      null,
      {
        timeout: 30_000,
      },
    );
    await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('logs no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });

  it('makes no request beyond the file itself', () => {
    expect(requests).toEqual([pathToFileURL(join(dir, 'report.html')).href]);
  });

  it('draws every chart', async () => {
    const timelines = Array.from({ length: steps }, (_, index) => `chart-timeline-${index}`);
    const ids = await page.$$eval('.chart', (elements) => elements.map((element) => element.id));

    expect(ids).toEqual([...SWEEP_CHARTS, ...memoryCharts, ...timelines]);
    for (const id of ids) {
      const painted = await paintedPixels(page, id);
      expect(painted, `painted pixels of #${id}`).toBeGreaterThan(1000);
    }
  });

  it('shows validity, baseline and gate verdicts first', async () => {
    const shown = await page.locator('#findings > li').allInnerTexts();

    expect(shown).toHaveLength(findings.length);
    shown.forEach((text, i) => {
      expect(text).toContain(findings[i]);
    });
    expect(findings[0]).toMatch(/steps (is|are) (valid|INVALID)/);
    expect(shown.some((text) => text.includes('REGRESSIONS'))).toBe(true);
    expect(shown.some((text) => text.includes(`${steps} SLO gate checks FAILED`))).toBe(true);
    expect(await page.locator('#host-note').textContent()).toContain('Method demo, not capacity.');
  });
});
