/** Small helpers of the bench's Markdown: tables and number formats. */
import { formatNumber } from './targets.ts';

export function table(headings: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(headings), line(headings.map(() => '---')), ...rows.map(line)].join('\n');
}

export function megabytes(bytes: number): string {
  return `${formatNumber(bytes / 1_000_000)} MB`;
}

/** Formats a number that may be missing; a missing one is "-". */
export function formatOptional(value: number | null | undefined, unit = ''): string {
  return value === null || value === undefined ? '-' : `${formatNumber(value)}${unit}`;
}
