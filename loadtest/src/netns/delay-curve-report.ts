/** The result of one delay-curve run and its Markdown rendering. */
import type { LatencySummary } from '../results/summary.ts';
import type { LatencyProbeOptions } from './latency-probe.ts';

export interface DelayCurveRow {
  /** One-way delay on Redis' link, each direction, ms. */
  redisDelayMs: number;
  /** Null when the row was measured, else why it was not (e.g. no netem in the kernel). */
  notMeasured: string | null;
  same: LatencySummary | null;
  cross: LatencySummary | null;
  sent: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  scheduleLagP99Ms: number;
}

export interface DelayCurve {
  createdAt: string;
  /** Machine every process ran on, so the figures show the method, not capacity. */
  machine: { kernel: string; cpus: number; sharedHost: true };
  replicas: number;
  adapter: string;
  probe: Omit<Required<LatencyProbeOptions>, 'replicaUrls'>;
  rows: DelayCurveRow[];
}

const HEADER = [
  '| Redis link delay (one way) | same p50 | same p99 | cross p50 | cross p99 | cross p50 shift | delivered / expected | lost |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|',
];

export function renderDelayCurve(curve: DelayCurve): string {
  const baseline = curve.rows.find((row) => row.redisDelayMs === 0 && row.cross !== null);
  const lines = [
    '# Latency against the delay on Redis’ link',
    '',
    `${curve.createdAt}, ${curve.replicas} replicas, ${curve.adapter} adapter, netns mode. ` +
      `Probe: ${curve.probe.clientsPerReplica} clients per replica, each sending ` +
      `${curve.probe.messagesPerClient} messages at ${curve.probe.ratePerClient}/s. ` +
      'Latencies in ms; the delay is added to each direction of the link.',
    '',
    ...HEADER,
    ...curve.rows.map((row) => renderRow(row, baseline?.cross?.p50 ?? null)),
    '',
    `Redis, replicas and the probe shared one machine (Linux ${curve.machine.kernel}, ` +
      `${curve.machine.cpus} CPUs): the figures show the effect of the link delay, not the ` +
      'capacity of a real deployment.',
  ];
  const skipped = curve.rows.filter((row) => row.notMeasured !== null);
  if (skipped.length > 0) {
    lines.push('', `Not measured: ${skipped[0]!.notMeasured}`);
  }
  return `${lines.join('\n')}\n`;
}

function renderRow(row: DelayCurveRow, baselineCrossP50: number | null): string {
  const delay = `${row.redisDelayMs} ms`;
  if (row.same === null || row.cross === null) {
    return `| ${delay} | – | – | – | – | – | not measured | – |`;
  }
  const shift =
    baselineCrossP50 === null ? '–' : `${(row.cross.p50 - baselineCrossP50).toFixed(2)}`;
  const cells = [
    delay,
    row.same.p50.toFixed(2),
    row.same.p99.toFixed(2),
    row.cross.p50.toFixed(2),
    row.cross.p99.toFixed(2),
    shift,
    `${row.delivered} / ${row.expected}`,
    String(row.lost),
  ];
  return `| ${cells.join(' | ')} |`;
}
