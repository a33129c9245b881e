import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/build.ts';
import type { ReportData } from '../../src/report/report-data.ts';
import { RunFolderError } from '../../src/report/run-folder.ts';
import type { LatencySummary, Summary } from '../../src/results/summary.ts';
import { copyFixture, markdownTable, readSummary } from './run-fixtures.ts';

const GENERATED_AT = new Date('2025-02-01T12:00:00.000Z');

function ms(value: number): string {
  return value.toFixed(3);
}

function latencyRow(figures: LatencySummary): string[] {
  if (figures.count === 0) {
    return ['0', '-', '-', '-', '-', '-', '-', '-'];
  }
  const { min, p50, p90, p95, p99, p999, max } = figures;
  return [String(figures.count), ...[min, p50, p90, p95, p99, p999, max].map(ms)];
}

describe('buildReport on the sweep fixture', () => {
  let dir: string;
  let summary: Summary;
  let markdown: string;
  let data: ReportData;

  beforeAll(async () => {
    dir = copyFixture('sweep');
    summary = readSummary(dir);
    await buildReport(dir, { generatedAt: GENERATED_AT });
    markdown = readFileSync(join(dir, 'report.md'), 'utf8');
    data = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ReportData;
  });

  it('writes the three report files', () => {
    const html = readFileSync(join(dir, 'report.html'), 'utf8');

    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(markdown.startsWith('# Chat scaling report: sweep')).toBe(true);
    expect(data.steps).toHaveLength(summary.steps.length);
    expect(data.generatedAt).toBe(GENERATED_AT.toISOString());
  });

  it.each(['same', 'cross'] as const)('report.md %s latency equals summary.json', (kind) => {
    const title = `Delivery latency, ${kind} replica (ms)`;

    const rows = markdownTable(markdown, title);

    expect(rows).toHaveLength(summary.steps.length);
    summary.steps.forEach((step, i) => {
      const identity = [String(step.index), String(step.replicas), String(step.repeat)];
      expect(rows[i]).toEqual([...identity, ...latencyRow(step.latency[kind])]);
    });
  });

  it('report.md counts and throughput equal summary.json', () => {
    const rows = markdownTable(markdown, 'Deliveries and loss');

    summary.steps.forEach((step, i) => {
      const m = step.messages;
      const row = rows[i]!;
      expect(row.slice(3, 7)).toEqual([m.sent, m.expected, m.delivered, m.lost].map(String));
      expect(row.slice(8, 12)).toEqual(
        [m.lostToDisconnects, m.duplicated, m.reordered, m.unexpected].map(String),
      );
      expect(row[12]).toBe(step.throughput.toFixed(1));
    });
  });

  it('report.md connect times equal summary.json', () => {
    const rows = markdownTable(markdown, 'Connection counts and connect time (ms)');

    summary.steps.forEach((step, i) => {
      expect(rows[i]!.slice(3, 7)).toEqual(
        [
          step.connect.attempts,
          step.connect.errors,
          step.connect.disconnects,
          step.connect.reconnects,
        ].map(String),
      );
      expect(rows[i]!.slice(7)).toEqual(latencyRow(step.connect.latency));
    });
  });

  it('report.md timeline equals summary.json', () => {
    const rows = markdownTable(markdown, 'Latency over time within each step (ms)');

    const expected = summary.steps.flatMap((step) =>
      step.timeline.map((slice) => [
        String(step.index),
        String(step.replicas),
        String(step.repeat),
        slice.start.toFixed(1),
        String(slice.delivered),
        ...[slice.same, slice.cross].flatMap((figures) =>
          figures.count === 0 ? ['-', '-'] : [ms(figures.p50), ms(figures.p99)],
        ),
      ]),
    );
    expect(rows).toEqual(expected);
  });

  it('states the host note and the invalid step', () => {
    expect(markdown).toContain('**Method demo, not capacity.**');
    expect(markdown).toContain('ran on one 2-core host');
    expect(markdown).toContain('- **FAIL**: 1 of 6 steps are INVALID');
    expect(markdown).toContain(
      'Step 5 (3 replicas, repeat 2): generator event-loop delay p99 34.2 ms exceeds the 20 ms limit',
    );
  });

  it('shows the spread of repeated steps', () => {
    const rows = markdownTable(markdown, 'Spread over repeats (ms)');
    const atTwo = summary.steps.filter((step) => step.replicas === 2);
    const p99s = atTwo.map((step) => step.latency.cross.p99).sort((a, b) => a - b);

    const row = rows.find(
      (cells) => cells[0] === '2' && cells[2] === 'cross' && cells[3] === 'p99',
    );

    const median = (p99s[0]! + p99s[1]!) / 2;
    expect(row).toEqual([
      '2',
      '2',
      'cross',
      'p99',
      ms(p99s[0]!),
      ms(median),
      ms(p99s[1]!),
      ms(p99s[1]! - p99s[0]!),
    ]);
  });

  it('calls a difference within the spread noise', () => {
    // The fixture's second repeats are 0.4 ms slower, while 2 and 3 replicas differ by 0.05 ms.
    const finding = data.noise.findings.find(
      (item) => item.kind === 'same' && item.percentile === 'p50' && item.fromReplicas === 2,
    );

    expect(finding).toBeDefined();
    expect(finding!.spreadMs).toBeGreaterThan(finding!.differenceMs);
    expect(markdown).toContain('are smaller than the spread between repeats');
    expect(markdown).toMatch(
      /same p50, 2 → 3 replicas: difference \d\.\d{3} ms, spread \d\.\d{3} ms/,
    );
  });

  it('leaves cross latency of one replica out of the spread', () => {
    const group = data.groups.find((item) => item.replicas === 1)!;

    expect(group.latency.cross).toBeNull();
    expect(group.latency.same).not.toBeNull();
  });
});

describe('buildReport input errors', () => {
  it('names a missing run folder', async () => {
    const building = buildReport('/nonexistent/run-folder');

    await expect(building).rejects.toBeInstanceOf(RunFolderError);
    await expect(building).rejects.toThrow('/nonexistent/run-folder/run.json');
  });
});
