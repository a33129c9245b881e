/** Tables for the comparison with a baseline run and for the SLO gates. */
import type { StepComparison } from './baseline.ts';
import {
  formatCount,
  formatDecimal,
  formatDelta,
  formatMs,
  formatPercentChange,
  replicaCount,
} from './format.ts';
import { describeCheck } from './gates.ts';
import type { ReportData } from './report-data.ts';
import { stepCells, type Table } from './tables.ts';

export function regressionsTable(data: ReportData): Table {
  const rows: string[][] = [];
  for (const step of data.baseline?.steps ?? []) {
    for (const change of step.changes.filter((item) => item.regression)) {
      rows.push([String(step.replicas), String(step.repeat), change.label, ...changeCells(change)]);
    }
  }
  return {
    id: 'regressions',
    title: 'Regressions against the baseline',
    headers: ['replicas', 'repeat', 'figure', 'baseline', 'current', 'change', 'change %'],
    rows,
  };
}

export function comparisonTable(step: StepComparison): Table {
  return {
    id: `comparison-${step.replicas}-${step.repeat}`,
    title: `${replicaCount(step.replicas)}, repeat ${step.repeat}`,
    note: step.eitherInvalid
      ? 'One of the two steps is invalid, so a change may come from the load generator.'
      : undefined,
    headers: ['figure', 'unit', 'baseline', 'current', 'change', 'change %', 'regression'],
    rows: step.changes.map((change) => [
      change.label,
      change.unit,
      ...changeCells(change),
      change.regression ? 'YES' : 'no',
    ]),
    flagged: step.changes.flatMap((change, row) => (change.regression ? [row] : [])),
  };
}

function formatOfUnit(unit: StepComparison['changes'][number]['unit']): (value: number) => string {
  if (unit === 'ms') {
    return formatMs;
  }
  return unit === 'deliveries' ? formatCount : formatDecimal;
}

function changeCells(change: StepComparison['changes'][number]): string[] {
  const format = formatOfUnit(change.unit);
  return [
    format(change.baseline),
    format(change.current),
    formatDelta(change.delta, format),
    formatPercentChange(change.percent),
  ];
}

export function gatesTable(data: ReportData): Table {
  const checks = data.gates ?? [];
  return {
    id: 'gates',
    title: 'SLO gates',
    note: 'Each gate applies to every step. A step with nothing to test is skipped.',
    headers: ['gate', 'step', 'replicas', 'repeat', 'outcome', 'detail'],
    rows: checks.map((check) => [
      check.gate.expression,
      ...stepCells(check.step),
      check.outcome.toUpperCase(),
      describeCheck(check),
    ]),
    flagged: checks.flatMap((check, row) => (check.outcome === 'fail' ? [row] : [])),
  };
}
