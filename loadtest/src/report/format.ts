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

/** "1 replica", "3 replicas". */
export function replicaCount(replicas: number): string {
  return replicas === 1 ? '1 replica' : `${replicas} replicas`;
}
