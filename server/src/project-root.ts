import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Finds the folder holding the project's package.json above this file, so paths work the
 * same from server/src (run as TypeScript) and from dist/server/src (compiled).
 */
export function findProjectRoot(start: string = import.meta.dirname): string {
  let directory = start;
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) {
      throw new Error(`no package.json found above ${start}`);
    }
    directory = parent;
  }
  return directory;
}
