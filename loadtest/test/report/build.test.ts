import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/build.ts';
import { replicaCount } from '../../src/report/format.ts';
import type { ReportData } from '../../src/report/report-data.ts';
import { RunFolderError } from '../../src/report/run-folder.ts';
import type { LatencySummary, Summary } from '../../src/results/summary.ts';
import { copyFixture, markdownTable, readRunInfo, readSummary } from './run-fixtures.ts';

const GENERATED_AT = new Date('2025-02-01T12:00:00.000Z');
const PERCENTILES = ['p50', 'p95', 'p99', 'p999'] as const;

interface Noise {
  kind: 'same' | 'cross';
  percentile: (typeof PERCENTILES)[number];
  fromReplicas: number;
  toReplicas: number;
  differenceMs: number;
  spreadMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function width(values: number[]): number {
  return Math.max(...values) - Math.min(...values);
}

/**
 * The comparisons between neighbouring replica counts whose difference of medians is smaller
 * than the spread (max - min) of the repeats at either count.
 */
function noiseIn(summary: Summary): Noise[] {
  const counts = [...new Set(summary.steps.map((step) => step.replicas))].sort((a, b) => a - b);
  const found: Noise[] = [];
  for (let i = 0; i + 1 < counts.length; i++) {
    for (const kind of ['same', 'cross'] as const) {
      const [from, to] = [counts[i]!, counts[i + 1]!].map((replicas) =>
        summary.steps.filter((step) => step.replicas === replicas && step.latency[kind].count > 0),
      );
      if (from!.length === 0 || to!.length === 0) {
        continue;
      }
      for (const percentile of PERCENTILES) {
        const [a, b] = [from!, to!].map((steps) =>
          steps.map((step) => step.latency[kind][percentile]),
        );
        const differenceMs = Math.abs(median(b!) - median(a!));
        const spreadMs = Math.max(width(a!), width(b!));
        if (spreadMs > differenceMs) {
          found.push({
            kind,
            percentile,
            fromReplicas: counts[i]!,
            toReplicas: counts[i + 1]!,
            differenceMs,
            spreadMs,
          });
        }
      }
    }
  }
  return found;
}

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
      const identity = [String(step.index + 1), String(step.replicas), String(step.repeat)];
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
        String(step.index + 1),
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

  it('states the host note', () => {
    const run = readRunInfo(dir);

    expect(run.sharedHost).toBe(true);
    expect(markdown).toContain(`> **Method demo, not capacity.** ${run.hostNote}`);
  });

  it('names the invalid steps with their reasons', () => {
    const invalid = summary.steps.filter((step) => !step.valid);

    expect(invalid.length, 'the sweep fixture has an invalid step').toBeGreaterThan(0);
    expect(invalid.length, 'the fixture has one invalid step').toBe(1);
    expect(invalid[0]!.reasons.join(' ')).toContain('over the 10 ms limit');
    expect(markdown).toContain(
      `- **FAIL**: 1 of ${summary.steps.length} steps is INVALID. 1 passed a load-generator ` +
        'limit, so its figures may describe the generator rather than the servers.\n',
    );
    for (const step of invalid) {
      expect(markdown).toContain(
        `  - Step ${step.index + 1} (${replicaCount(step.replicas)}, repeat ${step.repeat}): ` +
          step.reasons.join('; '),
      );
    }
  });

  it('shows the spread of repeated steps', () => {
    const rows = markdownTable(markdown, 'Spread over repeats (ms)');
    const atTwo = summary.steps.filter((step) => step.replicas === 2);
    const p99s = atTwo.map((step) => step.latency.cross.p99).sort((a, b) => a - b);

    const row = rows.find(
      (cells) => cells[0] === '2' && cells[2] === 'cross' && cells[3] === 'p99',
    );

    expect(p99s).toHaveLength(2);
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
    const expected = noiseIn(summary);

    expect(expected.length, 'the sweep fixture has a difference within the spread').toBeGreaterThan(
      0,
    );
    expect(data.noise.findings).toHaveLength(expected.length);
    data.noise.findings.forEach((finding, i) => {
      const { differenceMs, spreadMs, ...where } = expected[i]!;
      expect(finding).toMatchObject(where);
      expect(finding.differenceMs).toBeCloseTo(differenceMs, 9);
      expect(finding.spreadMs).toBeCloseTo(spreadMs, 9);
      expect(markdown).toContain(
        `${where.kind} ${where.percentile === 'p999' ? 'p99.9' : where.percentile}, ` +
          `${where.fromReplicas} → ${where.toReplicas} replicas: ` +
          `difference ${ms(differenceMs)} ms, spread ${ms(spreadMs)} ms`,
      );
    });
    expect(markdown).toContain('are smaller than the spread between repeats');
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
