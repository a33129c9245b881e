/** Number formats shared by report.md and report.html, so both show the same digits. */

const MEBIBYTE = 1024 * 1024;

/** Milliseconds with microsecond resolution, the resolution of the histograms. */
export function formatMs(value: number): string {
  return value.toFixed(3);
}

export function formatCount(value: number): string {
  return String(Math.round(value));
}

/** Rates and percentages with one decimal. */
export function formatDecimal(value: number): string {
  return value.toFixed(1);
}

export function formatMiB(bytes: number): string {
  return (bytes / MEBIBYTE).toFixed(1);
}

/** Formats a signed change, as "+1.250" or "-0.400". */
export function formatDelta(value: number, format: (value: number) => string): string {
  return value > 0 ? `+${format(value)}` : format(value);
}

/** Formats a signed percent change, or "n/a" when the baseline was 0. */
export function formatPercentChange(percent: number | null): string {
  return percent === null ? 'n/a' : `${formatDelta(percent, formatDecimal)} %`;
}

/** Formats a count with its noun, singular only for 1: "1 step", "0 steps", "3 steps". */
export function countOf(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

/** "1 replica", "3 replicas". */
export function replicaCount(replicas: number): string {
  return countOf(replicas, 'replica');
}

/**
 * Returns the number people see for a step, 1 for the first. summary.json's `index` counts
 * from 0 and stays so, because file paths (steps/<index>/) and tools rely on it.
 */
export function stepNumber(index: number): number {
  return index + 1;
}
