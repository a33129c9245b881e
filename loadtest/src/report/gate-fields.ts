/**
 * The step figures an SLO gate can test, by the name used in gate expressions.
 * docs/reports.md lists them with their units.
 */
import type { LatencySummary, StepSummary } from '../results/summary.ts';

export type GateValue = number | boolean;

export interface GateField {
  type: 'number' | 'boolean';
  unit: string;
  /** Reads the figure from a step; null when the step has nothing to test, as no deliveries. */
  read(step: StepSummary): GateValue | null;
}

const LATENCY_STATS = ['min', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const;

type LatencyStat = (typeof LATENCY_STATS)[number];

const MESSAGE_COUNTS = [
  'sent',
  'expected',
  'delivered',
  'lost',
  'duplicated',
  'reordered',
  'unexpected',
  'lostToDisconnects',
] as const;

function latencyFields(
  prefix: string,
  pick: (step: StepSummary) => LatencySummary,
): [string, GateField][] {
  const stat = (name: LatencyStat): [string, GateField] => [
    `${prefix}.${name}`,
    {
      type: 'number',
      unit: 'ms',
      // A percentile of no values is 0 in summary.json, which would pass any upper bound.
      read: (step) => (pick(step).count === 0 ? null : pick(step)[name]),
    },
  ];
  const count: [string, GateField] = [
    `${prefix}.count`,
    { type: 'number', unit: 'values', read: (step) => pick(step).count },
  ];
  return [...LATENCY_STATS.map(stat), count];
}

const LATENCY_OF: Record<(typeof LATENCY_PREFIXES)[number], (step: StepSummary) => LatencySummary> =
  {
    same: (step) => step.latency.same,
    cross: (step) => step.latency.cross,
    all: (step) => step.latency.all,
    connect: (step) => step.connect.latency,
    scheduleLag: (step) => step.generator.scheduleLag,
  };

function countField(read: (step: StepSummary) => number, unit: string): GateField {
  return { type: 'number', unit, read };
}

function lossPercent(step: StepSummary): number {
  const { lost, expected } = step.messages;
  return expected === 0 ? 0 : (lost / expected) * 100;
}

const LATENCY_PREFIXES = ['same', 'cross', 'all', 'connect', 'scheduleLag'] as const;

export const GATE_FIELDS: ReadonlyMap<string, GateField> = new Map<string, GateField>([
  ...LATENCY_PREFIXES.flatMap((prefix) => latencyFields(prefix, LATENCY_OF[prefix])),
  ...MESSAGE_COUNTS.map((name): [string, GateField] => [
    name,
    countField((step) => step.messages[name], 'deliveries'),
  ]),
  ['lossPercent', countField(lossPercent, '% of expected')],
  ['throughput', countField((step) => step.throughput, 'deliveries/s')],
  ['connect.errors', countField((step) => step.connect.errors, 'connections')],
  ['connect.disconnects', countField((step) => step.connect.disconnects, 'connections')],
  ['connect.reconnects', countField((step) => step.connect.reconnects, 'connections')],
  ['generator.loopDelayP99', countField((step) => step.generator.loopDelayP99, 'ms')],
  ['generator.cpuPercent', countField((step) => step.generator.cpuPercent, '% of one core')],
  ['valid', { type: 'boolean', unit: '', read: (step) => step.valid }],
  ['complete', { type: 'boolean', unit: '', read: (step) => step.complete }],
]);

/** The field names in short form, for error and help messages. */
export const GATE_FIELD_HELP =
  `${LATENCY_PREFIXES.map((prefix) => `${prefix}.STAT`).join(', ')} ` +
  `(STAT: ${[...LATENCY_STATS, 'count'].join(' ')}), ` +
  [...GATE_FIELDS.keys()].filter((name) => !/\.(min|p\d+|max|count)$/.test(name)).join(', ');
