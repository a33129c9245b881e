/**
 * The command line of `npm run bench`, parsed and validated once into BenchOptions.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { PROJECT_ROOT } from './loadtest-cli.ts';
import { type BenchPlan, benchPlan } from './plan.ts';

export const PARTS = [
  'floor',
  'server-floor',
  'harness',
  'capacity',
  'server-cost',
  'repeatability',
] as const;
export type Part = (typeof PARTS)[number];

export interface BenchOptions {
  plan: BenchPlan;
  /** Parts to run, in the bench's order. @default all of PARTS */
  parts: Part[];
  /** Folder for bench.json, bench.md and the loadtest runs. @default reports/bench-TIME */
  outDir: string;
  /** Calibration-only mode: the calibration runs instead of the parts. @default false */
  calibrate: boolean;
}

export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

export type ParsedBenchCommand = { help: true } | { help: false; options: BenchOptions };

const FLAGS = {
  quick: { type: 'boolean' },
  calibrate: { type: 'boolean' },
  only: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const partList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()))
  .pipe(z.array(z.enum(PARTS)).min(1));

/** Parses `npm run bench` arguments; throws BenchUsageError naming the bad flag. */
export function parseBenchCommand(
  argv: string[],
  now = new Date(),
  cwd = process.env.INIT_CWD ?? process.cwd(),
): ParsedBenchCommand {
  let values: { quick?: boolean; calibrate?: boolean; only?: string; out?: string; help?: boolean };
  try {
    values = parseArgs({ args: argv, options: FLAGS, strict: true }).values;
  } catch (error) {
    throw new BenchUsageError(`${(error as Error).message} Run "npm run bench -- --help".`);
  }
  if (values.help === true) {
    return { help: true };
  }
  if (values.calibrate === true && values.only !== undefined) {
    throw new BenchUsageError(
      '--calibrate runs only the calibration, so it cannot be combined with --only; drop one ' +
        'of the two',
    );
  }

  let parts: Part[] = [...PARTS];
  if (values.only !== undefined) {
    const parsed = partList.safeParse(values.only);
    if (!parsed.success) {
      throw new BenchUsageError(
        `invalid --only "${values.only}": expected a comma-separated list of ${PARTS.join(', ')}`,
      );
    }
    parts = PARTS.filter((part) => parsed.data.includes(part));
  }

  const outDir =
    values.out === undefined
      ? join(PROJECT_ROOT, 'reports', `bench-${timestamp(now)}`)
      : isAbsolute(values.out)
        ? values.out
        : resolve(cwd, values.out);
  // The loadtest never writes into an existing run folder, so a second bench into the same
  // folder would read the first one's figures back as its own.
  if (existsSync(join(outDir, 'loadtest'))) {
    throw new BenchUsageError(
      `invalid --out "${values.out}": ${outDir} holds the loadtest runs of an earlier bench; ` +
        'pass a new folder, or leave --out out to get one under reports/',
    );
  }
  return {
    help: false,
    options: {
      plan: benchPlan(values.quick ? 'quick' : 'full'),
      parts: values.calibrate === true ? [] : parts,
      outDir,
      calibrate: values.calibrate === true,
    },
  };
}

export function usage(): string {
  const { delayMs, toleranceMs, timeline } = benchPlan('full').calibration;
  const quickSeconds = benchPlan('quick').calibration.timeline.durationSeconds;
  return `Usage: npm run bench -- [--quick] [--only PARTS | --calibrate] [--out DIR]

Measures how close the load-test harness gets to the lowest latency the path allows, how
much load one load generator can drive, what the servers and Redis spend, and how much a
repeated step varies. Prints every figure and writes bench.json and bench.md; see
docs/bench.md.

  --quick      the short plan, about 3 minutes (default: the full plan, about 11)
  --only LIST  run only these parts, comma-separated:
               ${PARTS.join(', ')}
  --calibrate  run only the calibration: the light step with CHAT_DELIVERY_DELAY_MS=0 and
               =${delayMs} on the replicas; passes when the p50 shift is ${delayMs} ms within
               ${toleranceMs} ms. Writes calibration.json and bench.md; exit code 1 when it
               fails. With --quick, ${quickSeconds} s windows instead of ${timeline.durationSeconds} s
  --out DIR    output folder, created if missing (default reports/bench-<UTC time>)
  --help, -h   show this text
`;
}

function timestamp(now: Date): string {
  return now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
}
