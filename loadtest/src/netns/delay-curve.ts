/**
 * Measures same- and cross-replica latency at several one-way delays on Redis' link, in the
 * netns mode, with the light plain-client probe, and writes delay-curve.md and
 * delay-curve.json into a folder.
 *
 *   node loadtest/src/netns/delay-curve.ts [folder] [--delays 0,1,5,20] [--replicas 2]
 *
 * The folder defaults to reports/delay-curve-<timestamp>. Needs root and iproute2, and a
 * kernel with netem for every delay above 0; rows it cannot measure are marked, and the exit
 * code is then 2.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, release } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type DelayCurve, type DelayCurveRow, renderDelayCurve } from './delay-curve-report.ts';
import { type LatencyProbeOptions, runLatencyProbe } from './latency-probe.ts';
import { NetemUnavailableError } from './link-shaping.ts';
import { type NetnsCluster, startNetnsCluster } from './netns-cluster.ts';

const PROJECT_ROOT = resolve(import.meta.dirname, '../../..');
const DEFAULT_DELAYS = '0,1,5,20';
const PROBE: Omit<Required<LatencyProbeOptions>, 'replicaUrls'> = {
  clientsPerReplica: 2,
  messagesPerClient: 100,
  ratePerClient: 20,
  drainMs: 3_000,
  connectTimeoutMs: 5_000,
};
const WARM_UP_MESSAGES = 20;

interface CurveArguments {
  folder: string;
  delays: number[];
  replicas: number;
}

function parseCurveArguments(argv: string[]): CurveArguments {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      delays: { type: 'string', default: DEFAULT_DELAYS },
      replicas: { type: 'string', default: '2' },
    },
  });

  const delays = values.delays.split(',').map((item) => Number(item.trim()));
  if (delays.some((delay) => !Number.isFinite(delay) || delay < 0)) {
    throw new RangeError(
      `--delays must be a comma-separated list of ms >= 0, got ${values.delays}`,
    );
  }
  const replicas = Number(values.replicas);
  if (!Number.isInteger(replicas) || replicas < 2) {
    throw new RangeError(`--replicas must be a whole number of at least 2, got ${values.replicas}`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const folder = positionals[0] ?? join(PROJECT_ROOT, 'reports', `delay-curve-${stamp}`);
  return { folder: resolve(folder), delays, replicas };
}

async function measureRow(cluster: NetnsCluster, delayMs: number): Promise<DelayCurveRow> {
  try {
    await cluster.setLinkDelay('redis', { delayMs });
  } catch (error) {
    if (error instanceof NetemUnavailableError) {
      return notMeasured(delayMs, error.message);
    }
    throw error;
  }

  const replicaUrls = cluster.replicas.map((replica) => replica.url);
  const result = await runLatencyProbe({ ...PROBE, replicaUrls });
  return {
    redisDelayMs: delayMs,
    notMeasured: null,
    same: result.same,
    cross: result.cross,
    sent: result.sent,
    expected: result.expected,
    delivered: result.delivered,
    lost: result.lost,
    duplicated: result.duplicated,
    scheduleLagP99Ms: result.scheduleLagP99Ms,
  };
}

function notMeasured(delayMs: number, reason: string): DelayCurveRow {
  return {
    redisDelayMs: delayMs,
    notMeasured: reason,
    same: null,
    cross: null,
    sent: 0,
    expected: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    scheduleLagP99Ms: 0,
  };
}

async function main(): Promise<number> {
  const args = parseCurveArguments(process.argv.slice(2));
  await mkdir(args.folder, { recursive: true });
  console.log(`starting the netns cluster with ${args.replicas} replicas`);
  const cluster = await startNetnsCluster({
    replicas: args.replicas,
    logDir: join(args.folder, 'logs'),
  });

  const rows: DelayCurveRow[] = [];
  try {
    const replicaUrls = cluster.replicas.map((replica) => replica.url);
    await runLatencyProbe({ ...PROBE, replicaUrls, messagesPerClient: WARM_UP_MESSAGES });
    for (const delayMs of args.delays) {
      console.log(`measuring with ${delayMs} ms one-way delay on Redis' link`);
      rows.push(await measureRow(cluster, delayMs));
    }
  } finally {
    await cluster.stop();
  }

  const curve: DelayCurve = {
    createdAt: new Date().toISOString(),
    machine: { kernel: release(), cpus: cpus().length, sharedHost: true },
    replicas: args.replicas,
    adapter: 'pubsub',
    probe: PROBE,
    rows,
  };
  const markdown = renderDelayCurve(curve);
  await writeFile(join(args.folder, 'delay-curve.json'), `${JSON.stringify(curve, null, 2)}\n`);
  await writeFile(join(args.folder, 'delay-curve.md'), markdown);
  console.log(`\n${markdown}\nwritten to ${args.folder}`);
  return rows.some((row) => row.notMeasured !== null) ? 2 : 0;
}

process.exitCode = await main();
