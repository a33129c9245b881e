/**
 * The `npm run report` command: argument parsing, then building (and merging) reports.
 * Exit codes: 0 done, 1 an SLO gate failed (or a regression, with --fail-on-regression),
 * 2 invalid arguments or an unreadable run folder.
 */
import { parseArgs } from 'node:util';
import { buildReport } from './build.ts';
import { describeCheck, type Gate, parseGate } from './gates.ts';
import { mergeRunFolders } from './merge.ts';
import type { RegressionThresholds, ReportOptions } from './options.ts';
import { reportFindings } from './verdict.ts';

export const USAGE = `Usage:
  npm run report -- RUN_DIR [options]
  npm run report -- --merge OUT_DIR RUN_DIR RUN_DIR... [options]

Writes report.html, report.md and report.json into the run folder (with --merge: into
OUT_DIR, after merging the run folders of several load generators into it).

Options:
  --baseline DIR                     compare step by step with the run in DIR
  --fail-on EXPR                     SLO gate checked on every step, e.g. cross.p99<50,
                                     lost==0, valid==true; repeatable; exit 1 if one fails
  --fail-on-regression               exit 1 when the baseline comparison flags a regression
  --latency-regression-percent N     latency regression: growth above N % (default 10)
  --latency-regression-ms N          ...and of at least N ms (default 0.5)
  --lost-regression N                loss regression: lost grows by more than N (default 0)
  --throughput-regression-percent N  throughput regression: drop above N % (default 5)
  --title TEXT                       heading of the report
  --help                             show this text
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ReportCommand {
  runDir: string;
  mergeFrom: string[] | null;
  failOnRegression: boolean;
  options: ReportOptions & { gates: Gate[] };
}

const THRESHOLD_FLAGS: Record<string, keyof RegressionThresholds> = {
  'latency-regression-percent': 'latencyPercent',
  'latency-regression-ms': 'latencyMs',
  'lost-regression': 'lostIncrease',
  'throughput-regression-percent': 'throughputDropPercent',
};

/** Parses the arguments; returns null when --help was asked for. */
export function parseReportArgs(argv: string[]): ReportCommand | null {
  const { values, positionals } = parseOrThrow(argv);
  if (values.help === true) {
    return null;
  }

  const gates = (values['fail-on'] ?? []).map(parseGate);
  const thresholds: Partial<RegressionThresholds> = {};
  for (const [flag, key] of Object.entries(THRESHOLD_FLAGS)) {
    const text = (values as Record<string, unknown>)[flag];
    if (typeof text === 'string') {
      thresholds[key] = parseNonNegative(flag, text);
    }
  }
  const options = { baselineDir: values.baseline, title: values.title, gates, thresholds };
  const failOnRegression = values['fail-on-regression'] === true;

  if (values.merge !== undefined) {
    return { runDir: values.merge, mergeFrom: positionals, failOnRegression, options };
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      `expected one RUN_DIR, got ${positionals.length}: ${positionals.join(' ')}`,
    );
  }
  return { runDir: positionals[0]!, mergeFrom: null, failOnRegression, options };
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
        help: { type: 'boolean' },
        ...Object.fromEntries(
          Object.keys(THRESHOLD_FLAGS).map((flag) => [flag, { type: 'string' as const }]),
        ),
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

function parseNonNegative(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`invalid --${flag} "${text}": expected a number of 0 or more`);
  }
  return value;
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

  const report = await buildReport(command.runDir, command.options);
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
    print(`${report.regressions} regressions against the baseline (--fail-on-regression)`);
    exitCode = 1;
  }
  return exitCode;
}
