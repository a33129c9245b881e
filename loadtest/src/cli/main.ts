/**
 * Entry point of `npm run loadtest`; `--help` lists the flags, docs/loadtest.md explains them.
 * Exit codes: 0 done, 1 a failure or a failed --fail-on gate, 2 an invalid flag or an
 * existing run folder, 130 interrupted by SIGINT, 143 by SIGTERM, 129 by SIGHUP.
 */
import { RedisServerMissingError } from '../cluster/redis-server.ts';
import { formatFaultSpec } from '../faults/fault-spec.ts';
import { NetemUnavailableError } from '../netns/link-shaping.ts';
import { NetnsUnsupportedError } from '../netns/requirements.ts';
import { buildReport } from '../report/build.ts';
import { countOf } from '../report/format.ts';
import { describeCheck, evaluateGates } from '../report/gates.ts';
import type { StepSummary } from '../results/summary.ts';
import { DockerCommandError } from '../swarm/docker-cli.ts';
import { SwarmServiceError, SwarmTimeoutError } from '../swarm/service.ts';
import {
  ArtilleryError,
  ClusterStartError,
  OutputExistsError,
  TargetUnreachableError,
  UsageError,
} from './errors.ts';
import { type LoadtestConfig, parseCommand } from './options.ts';
import { runLoadtest } from './run.ts';
import { planSwarmSweep } from './swarm-targets.ts';
import { formatSummaryTable } from './table.ts';
import { usage } from './usage.ts';

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/** Errors whose message is complete for the user, so no stack trace is printed. */
const EXPLAINED_ERRORS = [
  ArtilleryError,
  ClusterStartError,
  TargetUnreachableError,
  RedisServerMissingError,
  DockerCommandError,
  SwarmServiceError,
  SwarmTimeoutError,
  NetnsUnsupportedError,
  NetemUnavailableError,
];

async function main(argv: string[]): Promise<number> {
  let config: LoadtestConfig;
  try {
    const command = parseCommand(argv);
    if (command.help) {
      process.stdout.write(usage());
      return 0;
    }
    config = command.config;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`loadtest: ${error.message}`);
      console.error('Run "npm run loadtest -- --help" for every flag and its accepted values.');
      return EXIT_USAGE;
    }
    throw error;
  }
  if (config.dryRun) {
    return printSwarmPlan(config);
  }
  return run(config, argv);
}

async function printSwarmPlan(config: LoadtestConfig): Promise<number> {
  console.log('dry run: the docker commands of this sweep, in order; nothing was run');
  for (const line of await planSwarmSweep(config)) {
    console.log(line);
  }
  for (const fault of config.faults) {
    console.log(
      `# --fault ${formatFaultSpec(fault)}: its docker commands name the tasks running at ` +
        'that time, so a dry run cannot list them; see docs/swarm-sweeps.md, "Faults"',
    );
  }
  return 0;
}

async function run(config: LoadtestConfig, argv: string[]): Promise<number> {
  const controller = new AbortController();
  const removeHandlers = abortOnSignals(controller);
  try {
    const result = await runLoadtest(config, {
      argv,
      output: process.stdout,
      signal: controller.signal,
    });
    printResults(result.steps);
    const gatesPassed = await finishReport(config, result.steps);

    if (controller.signal.aborted) {
      console.error(`loadtest: interrupted; the partial results are in ${config.outDir}`);
      return SIGNAL_EXIT_CODES[controller.signal.reason as keyof typeof SIGNAL_EXIT_CODES];
    }
    if (result.error !== null) {
      printFailure(result.error, config.outDir, result.steps.length);
      return EXIT_FAILURE;
    }
    return gatesPassed ? 0 : EXIT_FAILURE;
  } catch (error) {
    if (error instanceof OutputExistsError || error instanceof UsageError) {
      console.error(`loadtest: ${error.message}`);
      return EXIT_USAGE;
    }
    throw error;
  } finally {
    removeHandlers();
  }
}

/**
 * Turns the first SIGINT, SIGTERM or SIGHUP into an abort: the current step stops, its partial
 * figures are written and the cluster is stopped. Later signals are ignored, so a second
 * Ctrl-C cannot leave replicas or redis-server running.
 */
function abortOnSignals(controller: AbortController): () => void {
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      console.error(`loadtest: ${signal} again; still stopping what the run started`);
      return;
    }
    console.error(`\nloadtest: ${signal} received; stopping the step and the cluster`);
    controller.abort(signal);
  };
  const signals = Object.keys(SIGNAL_EXIT_CODES) as NodeJS.Signals[];
  for (const signal of signals) {
    process.on(signal, handler);
  }
  return () => {
    for (const signal of signals) {
      process.off(signal, handler);
    }
  };
}

function printResults(steps: StepSummary[]): void {
  if (steps.length === 0) {
    return;
  }
  console.log(`\n${formatSummaryTable(steps)}`);
}

/** Builds the report and checks --fail-on gates; returns false when a gate failed. */
async function finishReport(config: LoadtestConfig, steps: StepSummary[]): Promise<boolean> {
  if (steps.length > 0) {
    try {
      const report = await buildReport(config.outDir, { gates: config.gates });
      console.log(`report: ${report.files.html}`);
    } catch (error) {
      console.error(`loadtest: the report was not built: ${(error as Error).message}`);
    }
  }
  if (config.gates.length === 0) {
    return true;
  }

  const evaluation = evaluateGates(config.gates, { steps });
  for (const failure of evaluation.failures) {
    console.error(`gate failed: ${describeCheck(failure)}`);
  }
  if (evaluation.passed) {
    console.log(`all ${countOf(config.gates.length, '--fail-on gate')} passed`);
  }
  return evaluation.passed;
}

function printFailure(error: Error, outDir: string, steps: number): void {
  const explained = EXPLAINED_ERRORS.some((kind) => error instanceof kind);
  console.error(`loadtest: ${explained ? error.message : (error.stack ?? error.message)}`);
  if (steps > 0) {
    console.error(`What was measured before the failure is in ${outDir}.`);
  } else {
    console.error(`Nothing was measured; ${outDir}/run.json records the attempt.`);
  }
}

/**
 * Keeps the run going when its output is closed, as by `| head` or a closed terminal: the
 * figures still go to the run folder, which matters more than the progress lines.
 */
function ignoreClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'EIO') {
        throw error;
      }
    });
  }
}

ignoreClosedOutput();
process.exitCode = await main(process.argv.slice(2));
