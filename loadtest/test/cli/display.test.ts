import { describe, expect, test, vi } from 'vitest';
import { formatDuration } from '../../src/cli/durations.ts';
import { describeProgress, ProgressDisplay } from '../../src/cli/progress.ts';
import { formatSummaryTable } from '../../src/cli/table.ts';
import { ARTILLERY_START_ALLOWANCE_MS, phaseAt, planTimeline } from '../../src/cli/timeline.ts';
import type { Progress } from '../../src/measure/aggregate.ts';
import { fixtureDir, readSummary } from '../report/run-fixtures.ts';

const PROGRESS: Progress = {
  workers: 1,
  finalWorkers: 0,
  clientsConnected: 180,
  connectErrors: 0,
  sent: 1_000,
  expected: 9_000,
  delivered: 8_950,
  lost: 0,
  pending: 50,
  sameP99Ms: 2.5,
  crossP99Ms: 3.25,
  scheduleLagP99Ms: 1,
  loopDelayP99Ms: 4,
  cpuPercent: 30,
};

describe('planTimeline', () => {
  const timeline = planTimeline(
    { clients: 300, rampMs: 10_000, settleMs: 5_000, durationMs: 60_000, drainMs: 5_000 },
    1_000_000,
  );

  test('windows follow one another', () => {
    expect(timeline.rampStartMs).toBe(1_000_000 + ARTILLERY_START_ALLOWANCE_MS);
    expect(timeline.rampEndMs).toBe(timeline.rampStartMs + 10_000);
    expect(timeline.measureStartMs).toBe(timeline.rampEndMs + 5_000);
    expect(timeline.measureEndMs).toBe(timeline.measureStartMs + 60_000);
    expect(timeline.drainEndMs).toBe(timeline.measureEndMs + 5_000);
    expect(timeline.deadlineMs).toBeGreaterThan(timeline.drainEndMs);
  });

  test('every client arrives during the ramp', () => {
    expect(timeline.phases).toEqual([{ duration: 10, arrivalCount: 300 }]);
  });

  test('phase follows the clock', () => {
    expect(phaseAt(timeline, timeline.startMs)).toBe('connect');
    expect(phaseAt(timeline, timeline.measureStartMs)).toBe('measure');
    expect(phaseAt(timeline, timeline.measureEndMs)).toBe('drain');
    expect(phaseAt(timeline, timeline.drainEndMs)).toBe('finish');
  });
});

describe('progress display', () => {
  const timeline = planTimeline(
    { clients: 200, rampMs: 3_000, settleMs: 2_000, durationMs: 60_000, drainMs: 3_000 },
    0,
  );
  const step = {
    label: 'step 1/2, 2 replicas',
    timeline,
    clients: 200,
    read: async () => PROGRESS,
  };

  test('line shows phase, time, clients, rates and p99', () => {
    const line = describeProgress(step, PROGRESS, { sent: 199.6, delivered: 1_790.2 }, 43_000);

    expect(line).toBe(
      'step 1/2, 2 replicas: measure | 0:43 elapsed, 0:33 left | clients 180/200 | ' +
        'sent 200/s | delivered 1790/s | cross p99 3.3 ms',
    );
  });

  test('line shows a dash before any cross delivery', () => {
    const line = describeProgress(
      step,
      { ...PROGRESS, crossP99Ms: 0 },
      { sent: 0, delivered: 0 },
      0,
    );
    expect(line).toContain('connect | 0:00 elapsed, 1:16 left');
    expect(line).toContain('cross p99 -');
  });

  test('terminal line is rewritten every second', async () => {
    vi.useFakeTimers({ now: 10_000 });
    const written: string[] = [];
    const display = new ProgressDisplay({
      isTTY: true,
      columns: 41,
      write: (text) => written.push(text),
    });

    display.start(step);
    await vi.advanceTimersByTimeAsync(3_000);
    display.log('a message');
    display.stop();
    vi.useRealTimers();

    const lines = written.filter((text) => text.startsWith('\r\x1b[2Kstep'));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('\r\x1b[2Kstep 1/2, 2 replicas: connect | 0:11 ela');
    expect(written).toContain('a message\n');
    expect(written.at(-1)).not.toContain('step');
  });

  test('plain output gets a line every five seconds', async () => {
    vi.useFakeTimers({ now: 0 });
    const written: string[] = [];
    const display = new ProgressDisplay({ write: (text) => written.push(text) });

    display.start(step);
    await vi.advanceTimersByTimeAsync(12_000);
    display.stop();
    vi.useRealTimers();

    expect(written).toHaveLength(2);
    expect(written.every((line) => line.endsWith('\n') && !line.includes('\r'))).toBe(true);
  });
});

describe('formatSummaryTable', () => {
  test('table has a row per step and lists reasons', () => {
    const summary = readSummary(fixtureDir('sweep'));
    const valid = summary.steps.find((step) => step.valid)!;
    const invalid = summary.steps.find((step) => !step.valid)!;
    const stopped = { ...valid, valid: false, complete: false, reasons: ['generator too slow'] };

    const lines = formatSummaryTable([valid, invalid, stopped]).split('\n');

    expect(lines[0]).toMatch(/^step\s+replicas\s+repeat\s+clients\s+sent\s+delivered\s+lost\s+dup/);
    expect(lines[0]).toContain('cross p95');
    // Steps are numbered from 1 for people, though summary.json's index counts from 0.
    expect(lines[1]).toMatch(new RegExp(`^\\s*${valid.index + 1}\\s+${valid.replicas}\\s.*yes$`));
    expect(lines[2]).toMatch(
      new RegExp(`^\\s*${invalid.index + 1}\\s+${invalid.replicas}\\s.*no$`),
    );
    expect(lines[3]).toMatch(/no \(incomplete\)$/);
    for (const reason of invalid.reasons) {
      expect(lines).toContain(`step ${invalid.index + 1}: ${reason}`);
    }
    expect(lines).toContain(`step ${stopped.index + 1}: generator too slow`);
  });
});

test('formatDuration is compact', () => {
  expect(formatDuration(250)).toBe('250ms');
  expect(formatDuration(60_000)).toBe('1m');
  expect(formatDuration(90_000)).toBe('1m30s');
  expect(formatDuration(1_500)).toBe('1.5s');
});
