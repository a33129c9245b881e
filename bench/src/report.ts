/**
 * The bench's results as one record: what ran where, each part's figures, the ratios between
 * them and the targets. Written as bench.json (everything, histograms included) and bench.md.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CapacityFigures } from './capacity.ts';
import type { HarnessFigures } from './harness.ts';
import type { Machine } from './host.ts';
import { formatReport } from './markdown.ts';
import type { OneWayResult } from './one-way.ts';
import { describeMissing, figuresOf, type PartResult } from './part.ts';
import type { BenchPlan } from './plan.ts';
import {
  type CostRatios,
  costRatios,
  type GrowthPoint,
  type LatencyRatio,
  latencyRatio,
  redisGrowth,
} from './ratios.ts';
import type { RepeatabilityFigures } from './repeatability.ts';
import type { CostRow } from './server-cost/server-cost.ts';
import { checkTarget, formatNumber, type TargetCheck } from './targets.ts';

export interface ServerFloorFigures extends OneWayResult {
  /** CHAT_RATE_LIMIT of the server-floor replicas, so one client may send the whole rate. */
  rateLimit: number;
}

export interface ServerCostFigures {
  rows: CostRow[];
}

export interface BenchParts {
  floor?: PartResult<OneWayResult>;
  serverFloor?: PartResult<ServerFloorFigures>;
  harness?: PartResult<HarnessFigures>;
  capacity?: PartResult<CapacityFigures>;
  serverCost?: PartResult<ServerCostFigures>;
  repeatability?: PartResult<RepeatabilityFigures>;
}

export interface BenchContext {
  startedAt: string;
  command: string;
  outDir: string;
  machine: Machine;
  versions: Record<string, string>;
  git: string;
  openFiles: { limit: number; note: string };
  ephemeralPorts: number;
  plan: BenchPlan;
}

export interface Analysis {
  ratios: {
    serverFloorOverFloor: LatencyRatio;
    harnessOverServerFloor: LatencyRatio;
    cost: CostRatios | null;
  };
  growth: Record<string, GrowthPoint[]>;
  targets: TargetCheck[];
}

export interface BenchReport extends BenchContext, Analysis {
  endedAt: string;
  hostNote: string;
  parts: BenchParts;
}

export const HOST_NOTE =
  'The drivers, every server process, Redis and the load generator shared this one host, so ' +
  'the figures show the method working and the relative costs, not the capacity of a real ' +
  'deployment.';

/** Target values. The bench reports each figure against its target, and a missed target does
 * not change the exit code. */
export const TARGETS = {
  harnessP50Ratio: 1.2,
  harnessP99Ratio: 1.5,
  largestValidClients: 20_000,
  rssPerIdleClientBytes: 20_000,
  pubsubDeliveriesPerCpuRatio: 0.7,
  repeatP50SpreadPercent: 10,
} as const;

/** Computes every ratio and target check from the parts' figures. */
export function analyse(parts: BenchParts): Analysis {
  const floor = figuresOf(parts.floor);
  const serverFloor = figuresOf(parts.serverFloor);
  const cost = figuresOf(parts.serverCost);
  const costs = cost === null ? null : costRatios(cost.rows);

  const harnessSide = harnessTargets(parts);
  const targets = [
    ...harnessSide.targets,
    capacityTarget(figuresOf(parts.capacity), describeMissing(parts.capacity)),
    ...costTargets(costs, describeMissing(parts.serverCost)),
    repeatTarget(parts.repeatability),
  ];

  return {
    ratios: {
      serverFloorOverFloor: latencyRatio(serverFloor?.latency ?? null, floor?.latency ?? null),
      harnessOverServerFloor: harnessSide.ratio,
      cost: costs,
    },
    growth: cost === null ? {} : redisGrowth(cost.rows),
    targets,
  };
}

/** Computes the harness / server floor ratio and checks its two targets. */
function harnessTargets(parts: BenchParts): { ratio: LatencyRatio; targets: TargetCheck[] } {
  const serverFloor = figuresOf(parts.serverFloor);
  const harness = figuresOf(parts.harness);
  const noCross = harness !== null && harness.cross.count === 0;
  const ratio = latencyRatio(
    noCross ? null : (harness?.cross ?? null),
    serverFloor?.latency ?? null,
  );

  let missing = describeMissing(harness === null ? parts.harness : parts.serverFloor);
  if (noCross) {
    missing = 'not measured: the harness step had no cross-replica deliveries';
  }
  const targets = [
    checkTarget(
      'harness / server floor, p50',
      ratio.p50,
      '<=',
      TARGETS.harnessP50Ratio,
      '',
      missing,
    ),
    checkTarget(
      'harness / server floor, p99',
      ratio.p99,
      '<=',
      TARGETS.harnessP99Ratio,
      '',
      missing,
    ),
  ];

  if (harness !== null && !harness.valid) {
    for (const check of targets) {
      check.verdict += `; the harness step was not valid (${harness.reasons.join('; ')})`;
    }
  }
  return { ratio, targets };
}

/** Memory per idle client for each adapter and deliveries per CPU-second for pubsub. */
function costTargets(costs: CostRatios | null, missing: string): TargetCheck[] {
  const rssChecks = ['pubsub', 'sharded'].map((adapter) =>
    checkTarget(
      `server RSS per idle client, ${adapter}, 2 replicas`,
      costs?.rssPerIdleClient[adapter] ?? null,
      '<=',
      TARGETS.rssPerIdleClientBytes,
      ' bytes',
      costs === null ? missing : `not measured: no ${adapter} row at 2 replicas`,
    ),
  );
  const cpuCheck = checkTarget(
    'deliveries per server CPU-second, pubsub / no adapter',
    costs?.deliveriesPerCpu.pubsub ?? null,
    '>=',
    TARGETS.pubsubDeliveriesPerCpuRatio,
    '',
    costs === null ? missing : 'not measured: no pubsub row at 2 replicas',
  );
  return [...rssChecks, cpuCheck];
}

function capacityTarget(capacity: CapacityFigures | null, missing: string): TargetCheck {
  const largest = capacity === null ? null : (capacity.largestValid?.clients ?? 0);
  const check = checkTarget(
    'largest valid capacity step',
    largest,
    '>=',
    TARGETS.largestValidClients,
    ' clients',
    missing,
  );
  if (check.met === false && capacity?.planExhausted === true) {
    check.verdict +=
      `; every planned step was valid, so the plan's largest step (${formatNumber(largest ?? 0)} clients) ` +
      'ended the sweep, not the generator';
  }
  return check;
}

function repeatTarget(part: PartResult<RepeatabilityFigures> | undefined): TargetCheck {
  const figures = figuresOf(part);
  const check = checkTarget(
    'repeated light step, spread of the cross-replica p50',
    figures?.spreadPercent ?? null,
    '<=',
    TARGETS.repeatP50SpreadPercent,
    ' %',
    describeMissing(part),
  );
  const invalid = figures?.runs.filter((run) => !run.valid).length ?? 0;
  if (invalid > 0) {
    check.verdict += `; ${invalid} of the repeats were not valid`;
  }
  return check;
}

export function buildReport(context: BenchContext, parts: BenchParts): BenchReport {
  return {
    ...context,
    endedAt: new Date().toISOString(),
    hostNote: HOST_NOTE,
    parts,
    ...analyse(parts),
  };
}

/** Writes bench.json and bench.md into the report's folder; returns the Markdown. */
export async function writeReport(report: BenchReport): Promise<string> {
  await mkdir(report.outDir, { recursive: true });
  const markdown = formatReport(report);
  await writeAtomic(join(report.outDir, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeAtomic(join(report.outDir, 'bench.md'), markdown);
  return markdown;
}

/** Writes through a temporary file and a rename, so readers never see a half-written file. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}
