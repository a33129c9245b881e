/** Paths of the scenarios, the Artillery binary and the default run folder. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import { findProjectRoot } from '../../../server/src/project-root.ts';
import { GENERATOR_ID_PATTERN } from '../measure/step-env.ts';
import { UsageError } from './errors.ts';

export const PROJECT_ROOT = findProjectRoot(import.meta.dirname);
export const SCENARIO_DIR = join(PROJECT_ROOT, 'loadtest', 'scenarios');
export const ARTILLERY_BIN = join(PROJECT_ROOT, 'node_modules', '.bin', 'artillery');
export const REPORTS_DIR = join(PROJECT_ROOT, 'reports');

export interface ScenarioFile {
  /** File name without extension; names the run folder and the steps in summary.json. */
  name: string;
  /** Absolute path of the Artillery YAML file. */
  path: string;
}

/** Lists the names of the bundled scenarios, e.g. rooms, broadcast, churn. */
export function bundledScenarios(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((file) => file.endsWith('.yml'))
    .map((file) => basename(file, '.yml'))
    .sort();
}

/**
 * Resolves --scenario: a bare name is a file of loadtest/scenarios, anything with a slash or a
 * YAML extension is a path from `cwd`.
 */
export function resolveScenario(value: string, cwd: string): ScenarioFile {
  const isPath = value.includes('/') || /\.ya?ml$/.test(value);
  const path = isPath ? resolve(cwd, value) : join(SCENARIO_DIR, `${value}.yml`);
  if (existsSync(path) && statSync(path).isFile()) {
    return { name: basename(path, extname(path)), path };
  }

  const names = bundledScenarios().join(', ');
  const problem = isPath ? `the file ${path} does not exist` : 'no bundled scenario has that name';
  throw new UsageError(
    `invalid --scenario "${value}": ${problem}. Expected one of ${names}, or the path of ` +
      'an Artillery YAML file whose processor is loadtest/scenarios/processor.mjs.',
  );
}

/** Resolves --out from `cwd`, or names a new folder under reports/ from the time and scenario. */
export function defaultOutDir(
  out: string | undefined,
  scenario: string,
  now: Date,
  cwd: string,
): string {
  if (out !== undefined) {
    return isAbsolute(out) ? out : resolve(cwd, out);
  }
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
  return join(REPORTS_DIR, `${stamp}-${scenario}`);
}

/** Reduces the host name to what a room name prefix allows, as step-env does by default. */
export function defaultGeneratorId(): string {
  const cleaned = hostname()
    .replaceAll(/[^A-Za-z0-9_-]/g, '-')
    .slice(0, 20);
  return GENERATOR_ID_PATTERN.test(cleaned) ? cleaned : 'local';
}
