/**
 * The watchdog process of one netns run: `node watchdog-main.ts <run suffix>`. It waits on
 * its stdin, a pipe from the owner. When the owner ends in any way, SIGKILL included, the
 * pipe closes and the watchdog removes the run's processes, interfaces and namespaces. A line
 * "release" from the owner, sent after its own cleanup, ends the watchdog with nothing to do.
 */
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunNames } from './names.ts';
import { teardownRun } from './run-cleanup.ts';

const RELEASE = 'release';

const suffix = process.argv[2] ?? '';
// Validates the suffix before anything is deleted by it.
new RunNames(suffix);

// The watchdog runs in its own session, but a terminal may still send it SIGINT or SIGHUP:
// it must outlive the owner to clean up after it.
for (const signal of ['SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => {});
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  input += chunk;
});
process.stdin.on('end', () => {
  if (input.split('\n').includes(RELEASE)) {
    process.exit(0);
  }
  teardownRun(suffix).then(
    () => process.exit(0),
    (error: Error) => {
      // The watchdog's output is discarded, so the failure goes to a file in the temporary
      // folder. cleanupStale() can retry the removal later.
      const line = `${new Date().toISOString()} cleanup of run ${suffix} failed: ${error.message}\n`;
      appendFileSync(join(tmpdir(), `csb-netns-watchdog-${suffix}.log`), line);
      process.exit(1);
    },
  );
});
