import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectRoot } from './project-root.ts';

const packageJson = JSON.parse(readFileSync(join(findProjectRoot(), 'package.json'), 'utf8')) as {
  version: string;
};

/** The project version, reported in `welcome` and chat_replica_info. */
export const VERSION: string = packageJson.version;
