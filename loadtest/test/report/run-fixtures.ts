/**
 * The committed fixture runs (real output of short loadtest runs; see
 * loadtest/test/fixtures/README.md) and copies of them, so tests write reports outside the
 * repository.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunInfo } from '../../src/report/run-folder.ts';
import type { Summary } from '../../src/results/summary.ts';

export const FIXTURE_RUNS = fileURLToPath(new URL('../fixtures/runs/', import.meta.url));

/** Kept after the run for people to look at; the folder is ignored by git. */
export const ARTIFACTS = fileURLToPath(
  new URL('../../../.vitest-artifacts/report/', import.meta.url),
);

export function fixtureDir(name: string): string {
  return join(FIXTURE_RUNS, name);
}

export function readSummary(dir: string): Summary {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
}

export function readRunInfo(dir: string): RunInfo {
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunInfo;
}

/** Copies a fixture run into a new temporary folder and returns the copy's path. */
export function copyFixture(name: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'report-test-')), name);
  cpSync(fixtureDir(name), dir, { recursive: true });
  return dir;
}

/** Copies a fixture run into the artifacts folder, replacing an earlier copy. */
export function copyFixtureToArtifacts(name: string): string {
  const dir = join(ARTIFACTS, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  cpSync(fixtureDir(name), dir, { recursive: true });
  return dir;
}

/**
 * Returns the rows of the Markdown table under the heading `### title` or the folded block
 * `<summary>title</summary>`, as cell text with bold markers removed.
 */
export function markdownTable(markdown: string, title: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex(
    (line) => line === `### ${title}` || line === `<summary>${title}</summary>`,
  );
  if (start === -1) {
    throw new Error(`no table titled "${title}" in the Markdown report`);
  }
  const rows: string[][] = [];
  let inTable = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('|')) {
      inTable = true;
      rows.push(
        line
          .slice(1, -1)
          .split(' | ')
          .map((cell) => cell.trim().replaceAll('**', '')),
      );
    } else if (inTable) {
      break;
    }
  }
  // The first row is the header, the second the `---` separators.
  return rows.slice(2);
}

const REPORT_MAIN = fileURLToPath(new URL('../../src/report/main.ts', import.meta.url));

/**
 * Runs the entry point of `npm run report` and returns its exit code and output. `cwd` and
 * `env` default to this process's.
 */
export async function runReportCommand(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [REPORT_MAIN, ...args], {
      timeout: 30_000,
      ...options,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
