/**
 * The `npm run report` command: argument parsing, then building (and merging) reports.
 * Exit codes: 0 done, 1 an SLO gate failed (or a regression, with --fail-on-regression),
 * 2 invalid arguments or an unreadable run folder.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildReport } from './build.ts';
import { countOf } from './format.ts';
import { describeCheck, type Gate, GateSyntaxError, parseGate } from './gates.ts';
import { mergeRunFolders } from './merge.ts';
import { type RegressionThresholds, type ReportOptions, thresholdProblem } from './options.ts';
import { readRecordedFailOn } from './run-folder.ts';
import { reportFindings } from './verdict.ts';

export const USAGE = `Usage:
  npm run report -- RUN_DIR [options]
  npm run report -- --merge OUT_DIR RUN_DIR RUN_DIR... [options]

Writes report.html, report.md and report.json into the run folder (with --merge: into
OUT_DIR, after merging the run folders of several load generators into it). Relative
paths start from the folder npm was started in, as with npm run loadtest.

Options:
  --baseline DIR                     compare step by step with the run in DIR
  --fail-on EXPR                     SLO gate checked on every step, e.g. cross.p99<50,
                                     lost==0, valid==true; repeatable; exit 1 if one fails.
                                     Without it, the gates recorded in run.json apply
  --fail-on-regression               exit 1 when the baseline comparison flags a regression
The four thresholds below need --baseline:
  --latency-regression-percent N     latency regression: growth above N % (default 10)
  --latency-regression-ms N          ...and of at least N ms (default 0.5)
  --lost-regression N                loss regression: lost grows by more than N
                                     deliveries, a whole number (default 0)
  --throughput-regression-percent N  throughput regression: drop above N %, 0 to 100
                                     (default 5)
  --title TEXT                       heading of the report
  -h, --help                         show this text
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ReportCommand {
  /** Absolute path of the run folder to report on (with --merge: OUT_DIR). */
  runDir: string;
  /** Absolute paths of the run folders to merge; null without --merge. */
  mergeFrom: string[] | null;
  failOnRegression: boolean;
  /** The --fail-on gates; null when none were given, so the gates recorded in run.json apply. */
  gates: Gate[] | null;
  options: ReportOptions;
}

const THRESHOLD_FLAGS: Record<string, keyof RegressionThresholds> = {
  'latency-regression-percent': 'latencyPercent',
  'latency-regression-ms': 'latencyMs',
  'lost-regression': 'lostIncrease',
  'throughput-regression-percent': 'throughputDropPercent',
};

/**
 * Returns the folder that relative paths start from. As in the loadtest CLI, that is
 * INIT_CWD, the folder `npm run` was started in, because npm runs scripts from the project
 * root. Without INIT_CWD it is the process's working directory.
 */
export function invocationDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.INIT_CWD ?? process.cwd();
}

/** Parses the arguments and resolves paths from `cwd`. Returns null when --help was requested. */
export function parseReportArgs(argv: string[], cwd: string): ReportCommand | null {
  const { values, positionals } = parseOrThrow(argv);
  if (values.help === true) {
    return null;
  }

  const gates = values['fail-on'] === undefined ? null : values['fail-on'].map(parseGate);
  const thresholds = parseThresholds(values);
  const failOnRegression = values['fail-on-regression'] === true;
  if (values.baseline === undefined) {
    checkBaselineFlags(failOnRegression, Object.keys(thresholds));
  }
  const inCwd = (path: string) => resolve(cwd, path);
  const options = {
    baselineDir: values.baseline === undefined ? undefined : inCwd(values.baseline),
    title: values.title,
    thresholds,
  };

  if (values.merge !== undefined) {
    const runDir = inCwd(values.merge);
    return { runDir, mergeFrom: positionals.map(inCwd), failOnRegression, gates, options };
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      `expected one RUN_DIR, got ${positionals.length}: ${positionals.join(' ')}`,
    );
  }
  return { runDir: inCwd(positionals[0]!), mergeFrom: null, failOnRegression, gates, options };
}

function parseOrThrow(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        baseline: { type: 'string' },
        'fail-on': { type: 'string', multiple: true },
        'fail-on-regression': { type: 'boolean' },
        merge: { type: 'string' },
        title: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(
          Object.keys(THRESHOLD_FLAGS).map((flag) => [flag, { type: 'string' as const }]),
        ),
      },
    });
  } catch (error) {
    throw new UsageError(describeParseError(error as NodeJS.ErrnoException), { cause: error });
  }
}

/**
 * Rewords Node's unknown-option message, whose example `as in '-- "--bogus"` lacks its
 * closing quote (seen in Node 24.22).
 */
function describeParseError(error: NodeJS.ErrnoException): string {
  const unknown = /^Unknown option '([^']+)'/.exec(error.message);
  if (error.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || unknown === null) {
    return error.message;
  }
  const option = unknown[1]!;
  return (
    `unknown option '${option}'. The options are listed below. A RUN_DIR that starts ` +
    `with '-' goes after '--', as in: npm run report -- -- ${option}`
  );
}

function parseThresholds(values: Record<string, unknown>): Partial<RegressionThresholds> {
  const thresholds: Partial<RegressionThresholds> = {};
  for (const [flag, key] of Object.entries(THRESHOLD_FLAGS)) {
    const text = values[flag];
    if (typeof text !== 'string') {
      continue;
    }
    const value = Number(text);
    const expected = thresholdProblem(key, text.trim() === '' ? Number.NaN : value);
    if (expected !== null) {
      throw new UsageError(`invalid --${flag} "${text}": expected ${expected}`);
    }
    thresholds[key] = value;
  }
  return thresholds;
}

/** Rejects the flags that only act on a baseline comparison, so none is silently ignored. */
function checkBaselineFlags(failOnRegression: boolean, thresholdKeys: string[]): void {
  const flagOf = Object.fromEntries(
    Object.entries(THRESHOLD_FLAGS).map(([flag, key]) => [key, `--${flag}`]),
  );
  const flags = [
    ...(failOnRegression ? ['--fail-on-regression'] : []),
    ...thresholdKeys.map((key) => flagOf[key]!),
  ];
  if (flags.length > 0) {
    throw new UsageError(
      `${flags.join(', ')} ${flags.length === 1 ? 'applies' : 'apply'} only to a comparison: ` +
        'add --baseline DIR, the run folder to compare with',
    );
  }
}

/** Runs a parsed command and returns the process exit code. */
export async function runReportCommand(
  command: ReportCommand,
  print: (line: string) => void,
): Promise<number> {
  if (command.mergeFrom !== null) {
    const merged = await mergeRunFolders(command.runDir, command.mergeFrom);
    print(`merged ${command.mergeFrom.length} run folders into ${merged.dir}`);
  }

  let gates = command.gates;
  if (gates === null) {
    gates = await recordedGates(command.runDir);
    if (gates.length > 0) {
      const expressions = gates.map((gate) => gate.expression).join(' ');
      print(
        `checking the ${countOf(gates.length, '--fail-on gate')} recorded in run.json: ` +
          `${expressions} (any --fail-on replaces them)`,
      );
    }
  }
  const report = await buildReport(command.runDir, { ...command.options, gates });
  for (const finding of reportFindings(report.data)) {
    print(`${finding.level.toUpperCase()}: ${finding.text}`);
  }
  print(`wrote ${report.files.html}`);
  print(`wrote ${report.files.markdown}`);
  print(`wrote ${report.files.json}`);

  let exitCode = 0;
  if (report.gates !== null && !report.gates.passed) {
    for (const failure of report.gates.failures) {
      print(`gate failed: ${describeCheck(failure)}`);
    }
    exitCode = 1;
  }
  if (command.failOnRegression && report.regressions > 0) {
    print(
      `${countOf(report.regressions, 'regression')} against the baseline ` +
        '(--fail-on-regression)',
    );
    exitCode = 1;
  }
  return exitCode;
}

/** Parses the gates the loadtest recorded as `parameters.failOn` in run.json. */
async function recordedGates(runDir: string): Promise<Gate[]> {
  const { path, expressions } = await readRecordedFailOn(runDir);
  return expressions.map((expression) => {
    try {
      return parseGate(expression);
    } catch (error) {
      throw new GateSyntaxError(
        `${path} records --fail-on "${expression}", which is no longer valid; pass ` +
          `--fail-on to replace the recorded gates. ${(error as Error).message}`,
        { cause: error },
      );
    }
  });
}
