/**
 * Entry point of `npm run bench`: runs the six parts in order, prints a line after each and
 * the whole report at the end, and writes bench.json and bench.md. With `--calibrate` it runs
 * only the calibration and writes calibration.json and bench.md. docs/bench.md explains the
 * figures. Exit codes: 0 done (targets are reported, never enforced), 1 a part failed or the
 * calibration failed, 2 an invalid flag, 130 or 143 interrupted.
 */
import { join } from 'node:path';
import { RedisServer } from '../../loadtest/src/cluster/redis-server.ts';
import { type CalibrationFigures, measureCalibration } from './calibration.ts';
import { buildCalibrationReport, writeCalibrationReport } from './calibration-report.ts';
import { measureCapacity } from './capacity.ts';
import { measureFloor } from './floor/floor.ts';
import { measureHarness } from './harness.ts';
import { describeMachine, ephemeralPortCount, gitCommit, readVersions } from './host.ts';
import { loadtestUnavailable, stopRunningLoadtests } from './loadtest-cli.ts';
import { describeRepeatability } from './markdown-repeatability.ts';
import { ensureOpenFiles } from './open-files.ts';
import {
  type BenchOptions,
  BenchUsageError,
  type Part,
  parseBenchCommand,
  usage,
} from './options.ts';
import { figuresOf, NotRunError, type PartResult, runPart } from './part.ts';
import { openFilesNeeded } from './plan.ts';
import {
  describeCapacity,
  describeHarness,
  describeOneWay,
  describeServerCost,
  partLine,
} from './progress-lines.ts';
import { measureRepeatability } from './repeatability.ts';
import { type BenchContext, type BenchParts, buildReport, writeReport } from './report.ts';
import { measureServerCost } from './server-cost/server-cost.ts';
import { floorRateLimit, measureServerFloor } from './server-floor.ts';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const SIGNAL_EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

const log = (line: string) => console.log(`bench: ${line}`);

async function main(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    const command = parseBenchCommand(argv);
    if (command.help) {
      process.stdout.write(usage());
      return 0;
    }
    options = command.options;
  } catch (error) {
    if (error instanceof BenchUsageError) {
      console.error(`bench: ${error.message}`);
      return EXIT_USAGE;
    }
    throw error;
  }

  const needed = options.parts.includes('capacity') ? openFilesNeeded(options.plan) : 0;
  const openFiles = await ensureOpenFiles(needed);
  const context: BenchContext = {
    startedAt: new Date().toISOString(),
    command: ['npm run bench --', ...argv].join(' '),
    outDir: options.outDir,
    machine: describeMachine(),
    versions: readVersions(),
    git: gitCommit(),
    openFiles,
    ephemeralPorts: ephemeralPortCount(),
    plan: options.plan,
  };
  const selection = options.calibrate ? 'calibration only' : `parts ${options.parts.join(', ')}`;
  log(`${options.plan.mode} plan, ${selection}; output ${options.outDir}`);
  log(openFiles.note);
  return options.calibrate ? runCalibration(options, context) : runBench(options, context);
}

/** Runs the calibration alone; prints its report with the verdict as the last line. */
async function runCalibration(options: BenchOptions, context: BenchContext): Promise<number> {
  const plan = options.plan.calibration;
  const save = (part: PartResult<CalibrationFigures>) =>
    writeCalibrationReport(buildCalibrationReport(context, part));
  const removeHandlers = stopOnSignals(async () => {
    await stopRunningLoadtests();
    await save({ status: 'not run', reason: 'the bench was interrupted' });
  });

  let part: PartResult<CalibrationFigures>;
  try {
    log(
      `calibration: the light step with CHAT_DELIVERY_DELAY_MS=0 and =${plan.delayMs}, both ` +
        `at once, ${plan.timeline.durationSeconds} s windows`,
    );
    part = await runPart(async () => {
      const problem = await loadtestUnavailable();
      if (problem !== null) {
        throw new NotRunError(problem);
      }
      return measureCalibration(plan, join(options.outDir, 'loadtest'), log);
    });
  } finally {
    removeHandlers();
  }

  const markdown = await save(part);
  log(`results in ${join(options.outDir, 'calibration.json')} and bench.md`);
  // The Markdown ends with the verdict line, so the verdict is the last line printed.
  process.stdout.write(`\n${markdown}`);
  return figuresOf(part)?.passed === true ? 0 : EXIT_FAILED;
}

async function runBench(options: BenchOptions, context: BenchContext): Promise<number> {
  const parts: BenchParts = {};
  const redis = new RedisServer();
  const save = () => writeReport(buildReport(context, parts));
  const removeHandlers = stopOnSignals(async () => {
    await stopRunningLoadtests();
    await redis.dispose();
    await save();
  });

  try {
    // The loadtest runs of the harness, capacity and repeatability parts start their own Redis.
    const ownRedis: Part[] = ['harness', 'capacity', 'repeatability'];
    const needsRedis = options.parts.some((part) => !ownRedis.includes(part));
    const redisProblem = needsRedis ? await startRedis(redis) : null;
    const requireRedis = () => {
      if (redisProblem !== null) {
        throw new NotRunError(redisProblem);
      }
      return redis.url;
    };
    await runParts(options, context, parts, requireRedis, save);
  } finally {
    removeHandlers();
    await redis.dispose();
  }

  const markdown = await save();
  console.log(`\n${markdown}`);
  log(`results in ${join(options.outDir, 'bench.json')} and bench.md`);
  const failed = Object.values(parts).some((part) => part.status === 'failed');
  return failed ? EXIT_FAILED : 0;
}

/** Starts the bench's own redis-server; returns why it could not, or null. */
async function startRedis(redis: RedisServer): Promise<string | null> {
  try {
    await redis.start();
    return null;
  } catch (error) {
    return `redis-server did not start: ${(error as Error).message}`;
  }
}

async function runParts(
  options: BenchOptions,
  context: BenchContext,
  parts: BenchParts,
  requireRedis: () => string,
  save: () => Promise<unknown>,
): Promise<void> {
  const { plan } = options;
  const selected = new Set(options.parts);
  const runsDir = join(options.outDir, 'loadtest');
  let cliProblem: Promise<string | null> | undefined;
  const requireCli = async () => {
    cliProblem ??= loadtestUnavailable();
    const problem = await cliProblem;
    if (problem !== null) {
      throw new NotRunError(problem);
    }
  };
  const finish = async <T>(name: string, part: PartResult<T>, describe: (figures: T) => string) => {
    log(partLine(name, part, describe));
    await save();
  };

  if (selected.has('floor')) {
    log('step 1, floor: ws relays and Redis pub/sub');
    parts.floor = await runPart(() => measureFloor(requireRedis(), plan.light));
    await finish('floor', parts.floor, describeOneWay);
  }
  if (selected.has('server-floor')) {
    log('step 2, server floor: chat server, 2 replicas, pubsub');
    parts.serverFloor = await runPart(async () => ({
      ...(await measureServerFloor(requireRedis(), plan.light)),
      rateLimit: floorRateLimit(plan.light),
    }));
    await finish('server floor', parts.serverFloor, describeOneWay);
  }
  if (selected.has('harness')) {
    log('step 3, harness at light load: npm run loadtest, rooms scenario');
    parts.harness = await runPart(async () => {
      await requireCli();
      return measureHarness(plan.light, plan.harness, join(runsDir, 'harness'));
    });
    await finish('harness', parts.harness, describeHarness);
  }
  if (selected.has('capacity')) {
    log('step 4, generator capacity: npm run loadtest with more and more clients');
    parts.capacity = await runPart(async () => {
      await requireCli();
      const limits = { openFiles: context.openFiles.limit, ephemeralPorts: context.ephemeralPorts };
      return measureCapacity(plan.capacity, limits, runsDir, log);
    });
    await finish('capacity', parts.capacity, describeCapacity);
  }
  if (selected.has('server-cost')) {
    log('step 5, server cost: plain Socket.IO and the chat server per adapter');
    parts.serverCost = await runPart(async () => ({
      rows: await measureServerCost(requireRedis(), plan.serverCost, log),
    }));
    await finish('server cost', parts.serverCost, describeServerCost);
  }
  if (selected.has('repeatability')) {
    log(`step 6, repeatability: the step 3 harness step ${plan.repeat.repeats} times`);
    parts.repeatability = await runPart(async () => {
      await requireCli();
      const outDir = join(runsDir, 'repeatability');
      return measureRepeatability(plan.light, plan.harness, plan.repeat, outDir);
    });
    await finish('repeatability', parts.repeatability, describeRepeatability);
  }
}

/**
 * Stops the bench on the first SIGINT or SIGTERM: running loadtests get SIGTERM, so they stop
 * their own clusters, and other children are killed on exit. What was measured is written.
 */
function stopOnSignals(cleanup: () => Promise<void>): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      return;
    }
    stopping = true;
    console.error(`\nbench: ${signal} received; stopping and writing what was measured`);
    cleanup().finally(() => process.exit(SIGNAL_EXIT_CODES[signal] ?? EXIT_FAILED));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

process.exitCode = await main(process.argv.slice(2));
