/**
 * Reading a run folder: run.json (how the run was made) and summary.json (its figures).
 * Per-step files under steps/ are not read: summary.json carries every figure a report shows.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { StepSummary, Summary } from '../results/summary.ts';
import { stepNumber } from './format.ts';

/**
 * The fields of run.json a report uses. Every field is optional because the report must
 * still build from a partial run folder; unknown fields are kept and copied into report.json.
 */
export interface RunInfo {
  id?: string;
  startedAt?: string;
  target?: string;
  adapter?: string;
  scenario?: string;
  /** Load-generator ids that wrote this run; more than one after `--merge`. */
  generators?: string[];
  /** True when the load generator, the replicas and Redis shared one host. */
  sharedHost?: boolean;
  /** A sentence on where the run ran and what its figures can show. */
  hostNote?: string;
  [field: string]: unknown;
}

export interface RunFolder {
  dir: string;
  run: RunInfo;
  summary: Summary;
}

export class RunFolderError extends Error {
  override name = 'RunFolderError';
}

export async function readRunFolder(dir: string): Promise<RunFolder> {
  const absolute = resolve(dir);
  const run = await readJsonObject(join(absolute, 'run.json'));
  const summary = await readJsonObject(join(absolute, 'summary.json'));
  checkSummary(summary, join(absolute, 'summary.json'));
  return { dir: absolute, run: run as RunInfo, summary: summary as unknown as Summary };
}

/** Reads the `--fail-on` expressions a loadtest run recorded in run.json; empty when none were. */
export async function readRecordedFailOn(
  dir: string,
): Promise<{ path: string; expressions: string[] }> {
  const path = join(resolve(dir), 'run.json');
  const run = await readJsonObject(path);
  const parameters = run.parameters as { failOn?: unknown } | undefined;
  const failOn = parameters?.failOn;
  if (failOn === undefined) {
    return { path, expressions: [] };
  }
  if (!Array.isArray(failOn) || failOn.some((item) => typeof item !== 'string')) {
    throw new RunFolderError(
      `${path}: parameters.failOn must be an array of gate expressions; pass --fail-on ` +
        'to replace it',
    );
  }
  return { path, expressions: failOn as string[] };
}

async function readJsonObject(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? 'Pass the folder a loadtest run wrote.' : '';
    throw new RunFolderError(
      `failed to read ${path}: ${(error as Error).message}. ${hint}`.trim(),
      {
        cause: error,
      },
    );
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RunFolderError(`${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RunFolderError(`${path} must contain a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Checks the shape the report relies on, so a truncated or foreign file fails here with its
 * path rather than deep inside a chart.
 */
function checkSummary(summary: Record<string, unknown>, path: string): void {
  const steps = summary.steps;
  if (!Array.isArray(steps)) {
    throw new RunFolderError(`${path} has no "steps" array; expected the summary.json format`);
  }

  steps.forEach((step: Partial<StepSummary>, position) => {
    const missing = REQUIRED_STEP_FIELDS.filter((field) => step?.[field] === undefined);
    if (missing.length > 0) {
      throw new RunFolderError(
        `${path}: step ${stepNumber(position)} is missing ${missing.join(', ')}; ` +
          'expected the summary.json format of loadtest/src/results/summary.ts',
      );
    }
  });
}

const REQUIRED_STEP_FIELDS: (keyof StepSummary)[] = [
  'index',
  'replicas',
  'repeat',
  'messages',
  'throughput',
  'latency',
  'timeline',
  'connect',
  'generator',
  'servers',
  'valid',
  'reasons',
];
