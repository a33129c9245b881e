/** Options of `buildReport` and `npm run report`, with their defaults in one place. */
import { fileURLToPath } from 'node:url';
import type { Gate } from './gates.ts';

/**
 * Thresholds beyond which a figure of the current run counts as a regression against the
 * baseline run. A latency percentile must pass both latency thresholds, so neither a tiny change of a
 * tiny figure nor a small share of a large one is flagged.
 */
export interface RegressionThresholds {
  /** A latency percentile regresses when it grows by more than this many percent. @default 10 */
  latencyPercent: number;
  /** ...and by at least this many milliseconds. @default 0.5 */
  latencyMs: number;
  /** Loss regresses when `lost` grows by more than this many deliveries. @default 0 */
  lostIncrease: number;
  /** Throughput regresses when it drops by more than this many percent. @default 5 */
  throughputDropPercent: number;
}

export const DEFAULT_THRESHOLDS: RegressionThresholds = {
  latencyPercent: 10,
  latencyMs: 0.5,
  lostIncrease: 0,
  throughputDropPercent: 5,
};

/**
 * The values each threshold accepts. Loss is a count of deliveries, so its threshold is a whole
 * number. Throughput cannot drop by more than 100 %, so 100 turns that check off.
 */
const THRESHOLD_RANGES: Record<
  keyof RegressionThresholds,
  { max: number; integer: boolean; expected: string }
> = {
  latencyPercent: { max: Infinity, integer: false, expected: 'a number of 0 or more' },
  latencyMs: { max: Infinity, integer: false, expected: 'a number of 0 or more' },
  lostIncrease: { max: Infinity, integer: true, expected: 'a whole number of 0 or more' },
  throughputDropPercent: { max: 100, integer: false, expected: 'a number from 0 to 100' },
};

/** Returns what a threshold accepts when `value` is outside it, else null. */
export function thresholdProblem(name: keyof RegressionThresholds, value: number): string | null {
  const range = THRESHOLD_RANGES[name];
  const outside =
    !Number.isFinite(value) ||
    value < 0 ||
    value > range.max ||
    (range.integer && !Number.isInteger(value));
  return outside ? range.expected : null;
}

export interface ReportOptions {
  /** A run folder to compare with, step by step. @default none */
  baselineDir?: string;
  /** SLO gates checked against every step; results go into the report. @default none */
  gates?: readonly Gate[];
  /** @default DEFAULT_THRESHOLDS */
  thresholds?: Partial<RegressionThresholds>;
  /** Heading of the report. @default "Chat scaling report: RUN_ID" */
  title?: string;
  /** The time written into the report as its creation time. @default now */
  generatedAt?: Date;
  /** Path of echarts.min.js to inline. @default the one installed with the `echarts` package */
  echartsPath?: string;
}

export interface ResolvedReportOptions {
  baselineDir: string | null;
  gates: readonly Gate[];
  thresholds: RegressionThresholds;
  title: string | null;
  generatedAt: Date;
  echartsPath: string;
}

export class ReportOptionError extends Error {
  override name = 'ReportOptionError';
}

export function resolveReportOptions(options: ReportOptions): ResolvedReportOptions {
  const thresholds = { ...DEFAULT_THRESHOLDS, ...definedFields(options.thresholds ?? {}) };
  for (const [name, value] of Object.entries(thresholds)) {
    const expected = thresholdProblem(name as keyof RegressionThresholds, value);
    if (expected !== null) {
      throw new ReportOptionError(
        `invalid regression threshold ${name}=${value}: expected ${expected}`,
      );
    }
  }

  return {
    baselineDir: options.baselineDir ?? null,
    gates: options.gates ?? [],
    thresholds,
    title: options.title ?? null,
    generatedAt: options.generatedAt ?? new Date(),
    echartsPath: options.echartsPath ?? defaultEchartsPath(),
  };
}

/** Drops fields set to undefined, so they do not replace defaults when spread. */
function definedFields<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

function defaultEchartsPath(): string {
  return fileURLToPath(import.meta.resolve('echarts/dist/echarts.min.js'));
}
