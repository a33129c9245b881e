import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BenchUsageError, PARTS, parseBenchCommand } from '../src/options.ts';
import { openFilesNeeded } from '../src/plan.ts';

const NOW = new Date('2025-03-04T05:06:07.890Z');

function parse(argv: string[]) {
  const command = parseBenchCommand(argv, NOW, '/tmp/cwd');
  if (command.help) {
    throw new Error('expected options, got --help');
  }
  return command.options;
}

describe('parseBenchCommand', () => {
  test('defaults to the full plan and every part', () => {
    const options = parse([]);

    expect(options.plan.mode).toBe('full');
    expect(options.parts).toEqual([...PARTS]);
    expect(options.outDir).toMatch(/reports\/bench-2025-03-04T05-06-07Z$/);
  });

  test('--quick selects the short plan', () => {
    const options = parse(['--quick']);

    expect(options.plan.mode).toBe('quick');
    expect(options.plan.capacity.steps.length).toBeLessThan(parse([]).plan.capacity.steps.length);
  });

  test('--only keeps the bench order', () => {
    expect(parse(['--only', 'server-cost,floor']).parts).toEqual(['floor', 'server-cost']);
  });

  test('--only rejects an unknown part', () => {
    expect(() => parse(['--only', 'floor,speed'])).toThrow(BenchUsageError);
    expect(() => parse(['--only', 'floor,speed'])).toThrow(/invalid --only "floor,speed"/);
  });

  test('--out resolves from the starting folder', () => {
    expect(parse(['--out', 'here']).outDir).toBe('/tmp/cwd/here');
  });

  test('--out of an earlier bench is rejected', () => {
    const earlier = mkdtempSync(join(tmpdir(), 'bench-out-'));
    try {
      expect(parse(['--out', earlier]).outDir).toBe(earlier);
      mkdirSync(join(earlier, 'loadtest'));

      expect(() => parse(['--out', earlier])).toThrow(
        /holds the loadtest runs of an earlier bench/,
      );
    } finally {
      rmSync(earlier, { recursive: true, force: true });
    }
  });

  test('unknown flag is a usage error', () => {
    expect(() => parse(['--fast'])).toThrow(BenchUsageError);
  });

  test('--calibrate runs no part', () => {
    const options = parse(['--calibrate']);

    expect(options.calibrate).toBe(true);
    expect(options.parts).toEqual([]);
    expect(options.plan.mode).toBe('full');
  });

  test('--calibrate with --quick has shorter windows', () => {
    const quick = parse(['--calibrate', '--quick']).plan.calibration.timeline;
    const full = parse(['--calibrate']).plan.calibration.timeline;

    expect(quick.durationSeconds).toBeLessThan(full.durationSeconds);
  });

  test('--calibrate rejects --only', () => {
    expect(() => parse(['--calibrate', '--only', 'floor'])).toThrow(BenchUsageError);
    expect(() => parse(['--calibrate', '--only', 'floor'])).toThrow(
      /--calibrate runs only the calibration, so it cannot be combined with --only/,
    );
  });

  test('--calibrate takes no value', () => {
    expect(() => parse(['--calibrate=yes'])).toThrow(BenchUsageError);
  });

  test('--help returns help', () => {
    expect(parseBenchCommand(['--help'])).toEqual({ help: true });
  });
});

describe('openFilesNeeded', () => {
  test('covers two files per client of the largest step', () => {
    const plan = parse([]).plan;
    const largest = Math.max(...plan.capacity.steps);

    expect(openFilesNeeded(plan)).toBeGreaterThanOrEqual(2 * largest);
  });
});
