/**
 * The faults of a run in the report. The table has one row per injected fault, the baseline
 * run's rows included, so two backplane modes show side by side. The latency timeline gets
 * marks where a fault was injected and until it recovered.
 */
import type { FaultSummary } from '../results/fault-summary.ts';
import type { StepSummary } from '../results/summary.ts';
import { formatCount, formatMs, stepNumber } from './format.ts';
import { type LatencyFigures, withoutHistogram } from './report-data.ts';
import { latencyCell, type Table } from './tables.ts';

/** A fault as report.json keeps it: without encoded histograms. */
export type FaultReport = Omit<FaultSummary, 'clients' | 'outageLatency'> & {
  clients: Omit<FaultSummary['clients'], 'reconnect'> & { reconnect: LatencyFigures };
  outageLatency: Omit<FaultSummary['outageLatency'], 'same' | 'cross'> & {
    same: LatencyFigures;
    cross: LatencyFigures;
  };
};

/** The faults of one step, with the fields that identify the step in a comparison. */
export interface FaultStep {
  /** 'this run' or the baseline's run id. */
  run: string;
  index: number;
  replicas: number;
  adapter: string;
  faults: FaultReport[];
}

const FAULT_MARK_COLOR = '#333333';

export function toFaultReports(faults: FaultSummary[] | undefined): FaultReport[] {
  return (faults ?? []).map((fault) => ({
    ...fault,
    clients: { ...fault.clients, reconnect: withoutHistogram(fault.clients.reconnect) },
    outageLatency: {
      ...fault.outageLatency,
      same: withoutHistogram(fault.outageLatency.same),
      cross: withoutHistogram(fault.outageLatency.cross),
    },
  }));
}

/** Selects the steps that injected faults, labelled with `run`. */
export function faultSteps(run: string, steps: StepSummary[]): FaultStep[] {
  return steps
    .filter((step) => (step.faults ?? []).length > 0)
    .map((step) => ({
      run,
      index: step.index,
      replicas: step.replicas,
      adapter: step.adapter,
      faults: toFaultReports(step.faults),
    }));
}

export function faultTable(steps: FaultStep[]): Table {
  const rows: string[][] = [];
  const flagged: number[] = [];
  for (const step of steps) {
    for (const fault of step.faults) {
      if (fault.error !== null || fault.afterRecovery.lost > 0) {
        flagged.push(rows.length);
      }
      rows.push(faultRow(step, fault));
    }
  }

  return {
    id: 'faults',
    title: 'Faults: what each one cost',
    note:
      'Times in s into the measure window, reconnect and latency in ms. Lost is "lost of ' +
      'expected" for the messages sent in that part. Parts are split at the fault and at its ' +
      'recovery, rounded outward to the send-time slices. "cross p99 during" covers the ' +
      'latency timeline slices that overlap the outage. "cross resumed after" is the time ' +
      'from the fault until no cross-replica message sent later was lost: 0 when none was, ' +
      'even if deliveries came late, which "cross p99 during" shows. Rows with losses after ' +
      'recovery are flagged.',
    headers: [
      'run',
      'step',
      'adapter',
      'fault',
      'target',
      'injected',
      'recovered',
      'disconnected',
      'reconnected',
      'reconnect p50',
      'reconnect p99',
      'lost before',
      'lost during',
      'lost after recovery',
      'of which to disconnects',
      'duplicated',
      'cross p99 during',
      'cross resumed after',
    ],
    rows,
    flagged,
  };
}

function faultRow(step: FaultStep, fault: FaultReport): string[] {
  const { clients, beforeFault, duringOutage, afterRecovery } = fault;
  const reconnect = clients.reconnect;
  const outageCross = fault.outageLatency.cross;
  const toDisconnects =
    beforeFault.lostToDisconnects +
    duringOutage.lostToDisconnects +
    afterRecovery.lostToDisconnects;
  const duplicated = beforeFault.duplicated + duringOutage.duplicated + afterRecovery.duplicated;
  return [
    step.run,
    String(stepNumber(step.index)),
    step.adapter,
    fault.spec,
    fault.target,
    seconds(fault.injectedAtMs),
    fault.recoveredAtMs === null
      ? `no${fault.error === null ? '' : `: ${fault.error}`}`
      : seconds(fault.recoveredAtMs),
    formatCount(clients.disconnected),
    formatCount(clients.reconnected),
    reconnect.count === 0 ? '-' : formatMs(reconnect.p50),
    reconnect.count === 0 ? '-' : formatMs(reconnect.p99),
    lostOf(beforeFault),
    lostOf(duringOutage),
    lostOf(afterRecovery),
    formatCount(toDisconnects),
    formatCount(duplicated),
    latencyCell(outageCross, outageCross.p99),
    fault.crossResumedAfterMs === null ? 'not by the end' : seconds(fault.crossResumedAfterMs),
  ];
}

function lostOf(part: FaultReport['duringOutage']): string {
  return `${formatCount(part.lost)} of ${formatCount(part.expected)}`;
}

function seconds(ms: number): string {
  return (ms / 1_000).toFixed(1);
}

/**
 * ECharts marks for a latency timeline whose x axis is seconds into the measure window: a
 * line at each injection and an area from there to the recovery (to the end without one).
 */
export function faultMarks(faults: FaultReport[], windowSeconds: number): Record<string, unknown> {
  if (faults.length === 0) {
    return {};
  }
  return {
    markLine: {
      symbol: 'none',
      lineStyle: { color: FAULT_MARK_COLOR, type: 'solid', width: 2 },
      label: { formatter: '{b}', position: 'insideEndTop' },
      data: faults.map((fault) => ({ name: fault.spec, xAxis: fault.injectedAtMs / 1_000 })),
    },
    markArea: {
      itemStyle: { color: 'rgba(90, 90, 90, 0.14)' },
      data: faults.map((fault) => [
        { name: 'outage', xAxis: fault.injectedAtMs / 1_000 },
        { xAxis: fault.recoveredAtMs === null ? windowSeconds : fault.recoveredAtMs / 1_000 },
      ]),
    },
  };
}
