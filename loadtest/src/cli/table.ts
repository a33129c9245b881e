/** The summary table printed at the end of a run: one row per step, then each step's reasons. */
import { stepNumber } from '../report/format.ts';
import type { LatencySummary, StepSummary } from '../results/summary.ts';

interface Column {
  heading: string;
  cell: (step: StepSummary) => string;
  /** Text columns are aligned left, numbers right. */
  text?: boolean;
}

const COLUMNS: Column[] = [
  { heading: 'step', cell: (step) => String(stepNumber(step.index)) },
  { heading: 'replicas', cell: (step) => String(step.replicas) },
  { heading: 'repeat', cell: (step) => String(step.repeat) },
  { heading: 'clients', cell: (step) => `${step.clients.peak}/${step.clients.target}` },
  { heading: 'sent', cell: (step) => String(step.messages.sent) },
  { heading: 'delivered', cell: (step) => String(step.messages.delivered) },
  { heading: 'lost', cell: (step) => String(step.messages.lost) },
  { heading: 'dup', cell: (step) => String(step.messages.duplicated) },
  { heading: 'same p50', cell: (step) => milliseconds(step.latency.same, 'p50') },
  { heading: 'same p99', cell: (step) => milliseconds(step.latency.same, 'p99') },
  { heading: 'cross p50', cell: (step) => milliseconds(step.latency.cross, 'p50') },
  { heading: 'cross p95', cell: (step) => milliseconds(step.latency.cross, 'p95') },
  { heading: 'cross p99', cell: (step) => milliseconds(step.latency.cross, 'p99') },
  { heading: 'valid', cell: verdict, text: true },
];

/** Formats the table; latencies are in milliseconds, "-" where nothing was measured. */
export function formatSummaryTable(steps: StepSummary[]): string {
  const rows = steps.map((step) => COLUMNS.map((column) => column.cell(step)));
  const widths = COLUMNS.map((column, index) =>
    Math.max(column.heading.length, ...rows.map((row) => row[index]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, index) =>
        COLUMNS[index]!.text === true ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!),
      )
      .join('  ')
      .trimEnd();

  const lines = [line(COLUMNS.map((column) => column.heading)), ...rows.map(line)];
  lines.push('Latencies in ms. A step marked "no" is not valid for the reasons listed below.');
  for (const step of steps) {
    for (const reason of step.reasons) {
      lines.push(`step ${stepNumber(step.index)}: ${reason}`);
    }
  }
  return lines.join('\n');
}

function milliseconds(latency: LatencySummary, percentile: 'p50' | 'p95' | 'p99'): string {
  if (latency.count === 0) {
    return '-';
  }
  const value = latency[percentile];
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

function verdict(step: StepSummary): string {
  const validity = step.valid ? 'yes' : 'no';
  return step.complete ? validity : `${validity} (incomplete)`;
}
