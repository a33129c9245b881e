/**
 * The report's tables as rows of formatted text. report.md and report.html both render
 * these, so the two always show the same numbers.
 */
import { formatCount, formatDecimal, formatMiB, formatMs, stepNumber } from './format.ts';
import { PERCENTILE_LABELS } from './percentiles.ts';
import type { LatencyFigures, ReportData, StepReport } from './report-data.ts';

export interface Table {
  /** Stable id, used as the HTML element id and by tests. */
  id: string;
  title: string;
  /** One sentence under the title: units, or what a reader should look for. */
  note?: string;
  headers: string[];
  rows: string[][];
  /** Rows to highlight, such as invalid steps or regressions. */
  flagged?: number[];
}

const STEP_HEADERS = ['step', 'replicas', 'repeat'];

/** Formats the columns that name a step, numbered from 1 as everywhere people read them. */
export function stepCells(step: Pick<StepReport, 'index' | 'replicas' | 'repeat'>): string[] {
  return [String(stepNumber(step.index)), String(step.replicas), String(step.repeat)];
}

export function validityTable(data: ReportData): Table {
  return {
    id: 'validity',
    title: 'Validity of each step',
    note: 'A step is invalid when the load generator passed a limit; its figures may be the generator’s.',
    headers: [...STEP_HEADERS, 'valid', 'complete', 'reasons'],
    rows: data.steps.map((step) => [
      ...stepCells(step),
      step.valid ? 'yes' : 'NO',
      step.complete ? 'yes' : 'NO (ended early)',
      step.reasons.length === 0 ? '-' : step.reasons.join('; '),
    ]),
    flagged: flaggedSteps(data, (step) => !step.valid || !step.complete),
  };
}

const LATENCY_HEADERS = ['count', 'min', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max'];

/** Count and percentiles; a summary of no values shows "-" rather than percentiles of 0. */
export function latencyCells(figures: LatencyFigures): string[] {
  const { min, p50, p90, p95, p99, p999, max } = figures;
  const values = [min, p50, p90, p95, p99, p999, max];
  return [formatCount(figures.count), ...values.map((value) => latencyCell(figures, value))];
}

export function latencyCell(figures: LatencyFigures, value: number): string {
  return figures.count === 0 ? '-' : formatMs(value);
}

export function latencyTable(data: ReportData, kind: 'same' | 'cross'): Table {
  const where = kind === 'same' ? 'on the sender’s replica' : 'on another replica, through Redis';
  return {
    id: `latency-${kind}`,
    title: `Delivery latency, ${kind} replica (ms)`,
    note: `Send to receipt for receivers ${where}. A count of 0 means no such deliveries.`,
    headers: [...STEP_HEADERS, ...LATENCY_HEADERS],
    rows: data.steps.map((step) => [...stepCells(step), ...latencyCells(step.latency[kind])]),
    flagged: flaggedSteps(data, (step) => !step.valid),
  };
}

export function messagesTable(data: ReportData): Table {
  return {
    id: 'messages',
    title: 'Deliveries and loss',
    note: 'expected = delivered + lost. Throughput is deliveries per second over the measure window.',
    headers: [
      ...STEP_HEADERS,
      'sent',
      'expected',
      'delivered',
      'lost',
      'lost %',
      'lost to disconnects',
      'duplicated',
      'reordered',
      'unexpected',
      'throughput (deliveries/s)',
    ],
    rows: data.steps.map((step) => {
      const m = step.messages;
      const counts = [m.sent, m.expected, m.delivered, m.lost].map(formatCount);
      const others = [m.lostToDisconnects, m.duplicated, m.reordered, m.unexpected];
      return [
        ...stepCells(step),
        ...counts,
        formatDecimal(step.lossPercent),
        ...others.map(formatCount),
        formatDecimal(step.throughput),
      ];
    }),
    flagged: flaggedSteps(data, (step) => step.messages.lost > 0),
  };
}

export function connectTable(data: ReportData): Table {
  return {
    id: 'connect',
    title: 'Connection counts and connect time (ms)',
    note: 'Connect time runs from opening the connection to the server’s join acknowledgement.',
    headers: [
      ...STEP_HEADERS,
      'attempts',
      'errors',
      'disconnects',
      'reconnects',
      ...LATENCY_HEADERS,
    ],
    rows: data.steps.map((step) => [
      ...stepCells(step),
      ...[step.connect.attempts, step.connect.errors, step.connect.disconnects].map(formatCount),
      formatCount(step.connect.reconnects),
      ...latencyCells(step.connect.latency),
    ]),
    flagged: flaggedSteps(data, (step) => step.connect.errors > 0),
  };
}

export function generatorTable(data: ReportData): Table {
  return {
    id: 'generator',
    title: 'Load generator health',
    note: 'Worst thread of the load generator. Schedule lag is how late sends left.',
    headers: [
      ...STEP_HEADERS,
      'loop delay p99 (ms)',
      'CPU (% of a core)',
      'schedule lag p99 (ms)',
      'schedule lag max (ms)',
      'RSS (MiB)',
      'workers',
    ],
    rows: data.steps.map((step) => [
      ...stepCells(step),
      formatMs(step.generator.loopDelayP99),
      formatDecimal(step.generator.cpuPercent),
      formatMs(step.generator.scheduleLag.p99),
      formatMs(step.generator.scheduleLag.max),
      formatMiB(step.generator.rssBytes),
      formatCount(step.generator.workers),
    ]),
    flagged: flaggedSteps(data, (step) => !step.valid),
  };
}

export function serversTable(data: ReportData): Table {
  const rows = data.steps.flatMap((step) =>
    step.servers.map((server) => [
      ...stepCells(step),
      server.replica,
      formatCount(server.connections),
      formatDecimal(server.cpuPercent),
      formatMiB(server.rssBytes),
      formatMiB(server.heapUsedBytes),
      formatMs(server.loopDelayP99Ms),
      formatCount(server.messagesDelivered),
    ]),
  );
  return {
    id: 'servers',
    title: 'Server replicas',
    note: 'CPU is averaged over the measure window; memory is read at its end.',
    headers: [
      ...STEP_HEADERS,
      'replica',
      'connections',
      'CPU (% of a core)',
      'RSS (MiB)',
      'heap used (MiB)',
      'loop delay p99 (ms)',
      'messages delivered',
    ],
    rows,
  };
}

export function redisTable(data: ReportData): Table {
  const measured = data.steps.filter((step) => step.redis !== null);
  return {
    id: 'redis',
    title: 'Redis',
    note: measured.length === 0 ? 'Redis figures were not collected in this run.' : undefined,
    headers: [
      ...STEP_HEADERS,
      'CPU (% of a core)',
      'commands/s',
      'pub/sub channels',
      'memory (MiB)',
    ],
    rows: measured.map((step) => [
      ...stepCells(step),
      formatDecimal(step.redis!.cpuPercent),
      formatDecimal(step.redis!.commandsPerSecond),
      formatCount(step.redis!.pubsubChannels),
      formatMiB(step.redis!.usedMemoryBytes),
    ]),
  };
}

/** Spread of each charted percentile over the repeats at one replica count. */
export function spreadTable(data: ReportData): Table {
  const rows: string[][] = [];
  for (const group of data.groups) {
    for (const kind of ['same', 'cross'] as const) {
      const spreads = group.latency[kind];
      if (spreads === null) {
        continue;
      }
      for (const [percentile, spread] of Object.entries(spreads)) {
        rows.push([
          String(group.replicas),
          String(group.steps.length),
          kind,
          PERCENTILE_LABELS[percentile as keyof typeof PERCENTILE_LABELS],
          ...[spread.min, spread.median, spread.max, spread.max - spread.min].map(formatMs),
        ]);
      }
    }
  }
  return {
    id: 'spread',
    title: 'Spread over repeats (ms)',
    note: 'min, median and max of each percentile over the repeats of one replica count.',
    headers: ['replicas', 'repeats', 'kind', 'percentile', 'min', 'median', 'max', 'max - min'],
    rows,
  };
}

export function noiseTable(data: ReportData): Table {
  return {
    id: 'noise',
    title: 'Differences within the repeat spread (noise)',
    note: 'Each row: adding replicas moved the median less than repeating one step did.',
    headers: ['kind', 'percentile', 'replicas', 'difference of medians (ms)', 'spread (ms)'],
    rows: data.noise.findings.map((finding) => [
      finding.kind,
      PERCENTILE_LABELS[finding.percentile],
      `${finding.fromReplicas} → ${finding.toReplicas}`,
      formatMs(finding.differenceMs),
      formatMs(finding.spreadMs),
    ]),
  };
}

function flaggedSteps(data: ReportData, test: (step: StepReport) => boolean): number[] {
  return data.steps.flatMap((step, row) => (test(step) ? [row] : []));
}
