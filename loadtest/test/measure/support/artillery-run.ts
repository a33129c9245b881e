import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const ARTILLERY = join(import.meta.dirname, '../../../../node_modules/artillery/bin/run');
export const SCENARIOS = join(import.meta.dirname, '../../../scenarios');

export interface ArtilleryResult {
  exitCode: number | null;
  elapsedMs: number;
  output: string;
  /** Totals of Artillery's counters, e.g. `vusers.failed`. */
  counters: Record<string, number>;
}

export interface ArtilleryRun {
  scenario: string;
  target: string;
  phases: Record<string, number>[];
  env: Record<string, string>;
  reportPath: string;
  timeoutMs: number;
}

/** Runs `artillery run` on a scenario; kills it if it outlives `timeoutMs`. */
export async function runArtillery(run: ArtilleryRun): Promise<ArtilleryResult> {
  const startedAt = Date.now();
  const child = spawn(
    process.execPath,
    [
      ARTILLERY,
      'run',
      '--target',
      run.target,
      '--overrides',
      JSON.stringify({ config: { phases: run.phases } }),
      '--output',
      run.reportPath,
      join(SCENARIOS, `${run.scenario}.yml`),
    ],
    { env: { ...process.env, ...run.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), run.timeoutMs);
  const [exitCode] = (await once(child, 'exit')) as [number | null];
  clearTimeout(killer);

  const elapsedMs = Date.now() - startedAt;
  const counters = await readFile(run.reportPath, 'utf8').then(
    (text) =>
      (JSON.parse(text) as { aggregate: { counters: Record<string, number> } }).aggregate.counters,
    () => ({}),
  );
  return { exitCode, elapsedMs, output, counters };
}
