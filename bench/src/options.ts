/**
 * The command line of `npm run bench`, parsed and validated once into BenchOptions.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { PROJECT_ROOT } from './loadtest-cli.ts';
import { type BenchPlan, benchPlan } from './plan.ts';

export const PARTS = ['floor', 'server-floor', 'harness', 'capacity', 'server-cost'] as const;
export type Part = (typeof PARTS)[number];

export interface BenchOptions {
  plan: BenchPlan;
  /** Parts to run, in the bench's order. @default all of PARTS */
  parts: Part[];
  /** Folder for bench.json, bench.md and the loadtest runs. @default reports/bench-TIME */
  outDir: string;
}

export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

export type ParsedBenchCommand = { help: true } | { help: false; options: BenchOptions };

const FLAGS = {
  quick: { type: 'boolean' },
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
  let values: { quick?: boolean; only?: string; out?: string; help?: boolean };
  try {
    values = parseArgs({ args: argv, options: FLAGS, strict: true }).values;
  } catch (error) {
    throw new BenchUsageError(`${(error as Error).message} Run "npm run bench -- --help".`);
  }
  if (values.help === true) {
    return { help: true };
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
  return {
    help: false,
    options: { plan: benchPlan(values.quick ? 'quick' : 'full'), parts, outDir },
  };
}

export function usage(): string {
  return `Usage: npm run bench -- [--quick] [--only PARTS] [--out DIR]

Measures how close the load-test harness gets to the lowest latency the path allows, how
much load one load generator can drive, and what the servers and Redis spend. Prints every
figure and writes bench.json and bench.md; see docs/bench.md.

  --quick      the short plan, about 2 minutes (default: the full plan, about 10)
  --only LIST  run only these parts, comma-separated: ${PARTS.join(', ')}
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
