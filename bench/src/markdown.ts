/**
 * bench.md, also printed at the end of a run: every figure of the report in Markdown tables,
 * the ratios and the targets.
 */
import type { LatencyFigures } from './latency.ts';
import { capacity } from './markdown-capacity.ts';
import { formatOptional, megabytes, table } from './markdown-format.ts';
import { repeatability } from './markdown-repeatability.ts';
import { describeMissing, figuresOf, type PartResult } from './part.ts';
import { ratio } from './ratios.ts';
import type { Analysis, BenchReport } from './report.ts';
import { formatNumber as number } from './targets.ts';

export function formatReport(report: BenchReport): string {
  const sections = [
    header(report),
    targets(report),
    ratios(report),
    latencies(report),
    capacity(report.parts.capacity),
    serverCost(report),
    repeatability(report.parts.repeatability),
  ];
  return `${sections.join('\n\n')}\n`;
}

/** Formats the title and the host lines of bench.md, for the bench and for `--calibrate`. */
export function header(report: Omit<BenchReport, keyof Analysis | 'parts'>): string {
  const { machine } = report;
  const versions = Object.entries(report.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return [
    `# Bench ${report.startedAt} (${report.plan.mode} plan)`,
    '',
    `- command: \`${report.command}\`, commit ${report.git}`,
    `- host: ${machine.hostname}, ${machine.os} ${machine.arch}, ${machine.cpus} × ` +
      `${machine.cpuModel}, ${megabytes(machine.memoryBytes)} memory, load average ` +
      `${machine.loadAverage.join(' ')} at start`,
    `- versions: ${versions}`,
    `- ${report.openFiles.note}; ephemeral ports per destination: ` +
      `${number(report.ephemeralPorts)}`,
    `- ${report.hostNote}`,
  ].join('\n');
}

function targets(report: BenchReport): string {
  const rows = report.targets.map((check) => {
    const state = targetState(check.met);
    return [
      check.name,
      `${check.comparison} ${number(check.limit)}${check.unit}`,
      state,
      check.verdict,
    ];
  });
  return `## Targets (reported, not asserted)\n\n${table(['target', 'limit', 'state', 'detail'], rows)}`;
}

function targetState(met: boolean | null): string {
  if (met === null) {
    return 'not measured';
  }
  return met ? 'met' : 'MISSED';
}

function ratios(report: BenchReport): string {
  const { serverFloorOverFloor: serverFloor, harnessOverServerFloor: harness } = report.ratios;
  const rows = [
    [
      'server floor / floor (what Socket.IO and the adapter cost)',
      formatOptional(serverFloor.p50),
      formatOptional(serverFloor.p99),
    ],
    [
      'harness / server floor (what the harness adds)',
      formatOptional(harness.p50),
      formatOptional(harness.p99),
    ],
  ];
  const cost = report.ratios.cost;
  const costLines =
    cost === null
      ? [`Server cost ratios: ${describeMissing(report.parts.serverCost)}.`]
      : Object.entries(cost.deliveriesPerCpu).map(
          ([adapter, value]) =>
            `- deliveries per server CPU-second, ${adapter} at 2 replicas / plain Socket.IO: ` +
            `${formatOptional(value)}`,
        );
  return `## Ratios\n\n${table(['latency ratio', 'p50', 'p99'], rows)}\n\n${costLines.join('\n')}`;
}

function latencyRow(name: string, figures: LatencyFigures): (string | number)[] {
  const { count, min, p50, p90, p95, p99, p999, max } = figures;
  return [name, count, ...[min, p50, p90, p95, p99, p999, max].map((value) => number(value))];
}

function latencies(report: BenchReport): string {
  const { floor, serverFloor, harness } = report.parts;
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  const add = <T>(
    name: string,
    part: PartResult<T> | undefined,
    pick: (figures: T) => LatencyFigures,
  ) => {
    const figures = figuresOf(part);
    if (figures === null) {
      notes.push(`- ${name}: ${describeMissing(part)}`);
    } else {
      rows.push(latencyRow(name, pick(figures)));
    }
  };
  add('1. floor (ws + Redis)', floor, (figures) => figures.latency);
  add('2. server floor (chat server, cross)', serverFloor, (figures) => figures.latency);
  add('3. harness, cross-replica', harness, (figures) => figures.cross);

  const headings = ['path', 'count', 'min', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max'];
  const light = report.plan.light;
  const intro =
    `Light load: ${light.rate} messages/s of ${light.messageBytes} bytes of text, one-way ` +
    'latency in µs on one monotonic clock.';
  return [
    `## Latency at light load (steps 1-3)\n\n${intro}\n\n${table(headings, rows)}\n`,
    ...notes,
    ...pathDetails(report),
  ].join('\n');
}

function pathDetails(report: BenchReport): string[] {
  const lines: string[] = [];
  for (const [name, part] of [
    ['floor', report.parts.floor],
    ['server floor', report.parts.serverFloor],
  ] as const) {
    const figures = figuresOf(part);
    if (figures !== null) {
      lines.push(
        `- ${name}: sent ${figures.sent}, received ${figures.received}, lost ${figures.lost}, ` +
          `duplicated ${figures.duplicated}, sender schedule lag p99 ${figures.lagP99Us} µs`,
      );
    }
  }
  const harness = figuresOf(report.parts.harness);
  if (harness !== null) {
    const state = harness.valid ? 'valid' : `not valid (${harness.reasons.join('; ')})`;
    lines.push(
      `- harness: ${harness.clients} clients in rooms of ${harness.roomSize}, ` +
        `${number(harness.ratePerClient)} messages/s each; sent ${harness.sent}, delivered ` +
        `${harness.delivered}, lost ${harness.lost}; generator CPU ` +
        `${number(harness.generatorCpuPercent)} %, schedule lag p99 ` +
        `${number(harness.scheduleLagP99Ms)} ms; step ${state}; run folder ${harness.runDir}`,
    );
  }
  return lines;
}

function serverCost(report: BenchReport): string {
  const part = report.parts.serverCost;
  const figures = figuresOf(part);
  if (figures === null) {
    return `## Server cost (step 5)\n\n${describeMissing(part)}`;
  }
  const plain = figures.rows.find((row) => row.adapter === 'none');
  const headings = [
    'server',
    'replicas',
    'clients',
    'delivered/expected',
    'server CPU s',
    'deliveries/CPU-s',
    '/ plain',
    'RSS bytes/idle client',
    'second half only',
    'Redis CPU %',
    'publishes/s',
    'commands/s',
  ];
  const rows = figures.rows.map((row) => {
    return [
      row.adapter === 'none' ? 'plain Socket.IO' : `chat, ${row.adapter}`,
      row.replicas,
      number(row.figures.clients),
      `${row.figures.delivered}/${row.figures.expected}`,
      number(row.figures.serverCpuSeconds),
      number(row.figures.deliveriesPerCpuSecond),
      formatOptional(
        ratio(row.figures.deliveriesPerCpuSecond, plain?.figures.deliveriesPerCpuSecond),
      ),
      number(row.figures.rssPerIdleClientBytes),
      number(row.figures.rssMarginalPerIdleClientBytes),
      formatOptional(row.figures.redis?.cpuPercent),
      formatOptional(row.figures.redis?.publishesPerSecond),
      formatOptional(row.figures.redis?.commandsPerSecond),
    ];
  });
  const load = report.plan.serverCost.load;
  const intro =
    `${number(load.clients)} clients in rooms of ${load.roomSize}, spread over the servers in ` +
    `turn; ${load.messagesPerSecond} messages/s in total for ${load.measureMs / 1000} s. ` +
    'Server CPU and RSS from /proc, summed over the server processes. RSS per idle client ' +
    'is the RSS the clients added, from none to all, per client; "second half only" is what ' +
    'the second half of them added per client.';
  return [`## Server cost (step 5)`, '', intro, '', table(headings, rows), '', growth(report)].join(
    '\n',
  );
}

function growth(report: BenchReport): string {
  const rows = Object.entries(report.growth).flatMap(([adapter, points]) =>
    points.map((point) => [
      adapter,
      point.replicas,
      number(point.redisCpuPercent),
      formatOptional(point.cpuGrowth),
      number(point.publishesPerSecond),
      number(point.commandsPerSecond),
      number(point.deliveriesPerCpuSecond),
    ]),
  );
  const headings = [
    'adapter',
    'replicas',
    'Redis CPU %',
    'Redis CPU / fewest replicas',
    'publishes/s',
    'commands/s',
    'deliveries/server CPU-s',
  ];
  return `Redis as replicas are added (same load, many small rooms):\n\n${table(headings, rows)}`;
}
