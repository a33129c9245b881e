/**
 * The report's sections in order, each with its charts and tables. report.html draws the
 * charts and tables; report.md renders the tables only.
 */
import {
  type ChartSpec,
  connectChart,
  latencyChart,
  lossChart,
  throughputChart,
} from './charts.ts';
import { comparisonTable, gatesTable, regressionsTable } from './comparison-tables.ts';
import { type FaultStep, faultTable } from './fault-report.ts';
import { memoryCharts, memoryTable } from './memory-report.ts';
import { scalingTable, timelineTable } from './overview-tables.ts';
import type { ReportData } from './report-data.ts';
import { serverCpuChart, serverMemoryChart, timelineCharts } from './step-charts.ts';
import {
  connectTable,
  generatorTable,
  latencyTable,
  messagesTable,
  noiseTable,
  redisTable,
  serversTable,
  spreadTable,
  type Table,
  validityTable,
} from './tables.ts';

export interface Section {
  id: string;
  title: string;
  charts: ChartSpec[];
  tables: Table[];
  /** Tables long enough to fold away by default (HTML details, Markdown details). */
  foldedTables: Table[];
  /** A paragraph under the title. */
  intro?: string;
}

function section(
  id: string,
  title: string,
  charts: ChartSpec[],
  tables: Table[],
  foldedTables: Table[] = [],
): Section {
  return { id, title, charts, tables, foldedTables };
}

export function reportSections(data: ReportData): Section[] {
  const sections = [
    section('overview', 'Overview', [], [scalingTable(data), validityTable(data)]),
    section(
      'latency',
      'Latency against replica count',
      [latencyChart(data, 'same'), latencyChart(data, 'cross')],
      [latencyTable(data, 'same'), latencyTable(data, 'cross')],
    ),
    section(
      'delivery',
      'Throughput and loss',
      [throughputChart(data), lossChart(data)],
      [messagesTable(data)],
    ),
    section('connect', 'Connections', [connectChart(data)], [connectTable(data)]),
    resourcesSection(data),
    ...memorySections(data),
    section('generator', 'Load generator health', [], [generatorTable(data)]),
  ];

  sections.push(...faultSections(data));
  if (data.repeated) {
    sections.push(
      section('repeatability', 'Repeatability', [], [noiseTable(data), spreadTable(data)]),
    );
  }
  sections.push(
    section('timeline', 'Latency over time', timelineCharts(data), [], [timelineTable(data)]),
  );
  if (data.baseline !== null) {
    sections.push(baselineSection(data));
  }
  if (data.gates !== null) {
    sections.push(section('gates', 'SLO gates', [], [gatesTable(data)]));
  }
  return sections;
}

/** Above this many rows the per-replica table is folded away, to keep the page scannable. */
const MAX_UNFOLDED_SERVER_ROWS = 24;

function resourcesSection(data: ReportData): Section {
  const servers = serversTable(data);
  const fold = servers.rows.length > MAX_UNFOLDED_SERVER_ROWS;
  return section(
    'resources',
    'Server and Redis resources',
    [serverCpuChart(data), serverMemoryChart(data)],
    fold ? [redisTable(data)] : [servers, redisTable(data)],
    fold ? [servers] : [],
  );
}

/** Builds the fault section when the run or its baseline injected faults. */
function faultSections(data: ReportData): Section[] {
  const current: FaultStep[] = data.steps
    .filter((step) => step.faults.length > 0)
    .map((step) => ({
      run: 'this run',
      index: step.index,
      replicas: step.replicas,
      adapter: step.adapter,
      faults: step.faults,
    }));
  const steps = [...current, ...(data.baseline?.faultSteps ?? [])];
  if (steps.length === 0) {
    return [];
  }
  return [
    {
      ...section('faults', 'Faults', [], [faultTable(steps)]),
      intro:
        'Each fault is marked on the latency timeline of its step: a line where it was ' +
        'injected, a shaded area until its target was ready again.',
    },
  ];
}

/** Memory over time, for runs that recorded it. */
function memorySections(data: ReportData): Section[] {
  if (data.steps.every((step) => step.memory === null)) {
    return [];
  }
  return [section('memory', 'Memory over time', memoryCharts(data), [memoryTable(data)])];
}

function baselineSection(data: ReportData): Section {
  const baseline = data.baseline!;
  const t = baseline.thresholds;
  return {
    ...section(
      'baseline',
      `Comparison with baseline ${baseline.baselineId}`,
      [],
      [regressionsTable(data)],
      baseline.steps.map(comparisonTable),
    ),
    intro:
      `Steps are matched by replica count and repeat. A latency percentile regresses when ` +
      `it grows by more than ${t.latencyPercent} % and by at least ${t.latencyMs} ms; loss ` +
      `when lost grows by more than ${t.lostIncrease}; throughput when it drops by more ` +
      `than ${t.throughputDropPercent} %. Baseline folder: ${baseline.baselineDir}.`,
  };
}
