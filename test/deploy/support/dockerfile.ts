import { matchesGlob } from 'node:path';

/** One Dockerfile instruction, continuation lines joined. */
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages. Comments, blank lines and parser directives are dropped. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of joinContinuations(text)) {
    const match = /^(\w+)\s+(.*)$/s.exec(line);
    if (match === null) {
      throw new Error(`unreadable Dockerfile line: ${line}`);
    }
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (keyword === 'FROM') {
      const from = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (from === null) {
        throw new Error(`unreadable FROM line: ${line}`);
      }
      stages.push({ base: from[1]!, name: from[2] ?? String(stages.length), instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage !== undefined) {
      stage.instructions.push({ keyword, args });
    }
  }
  return stages;
}

function joinContinuations(text: string): string[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (pending === '' && line === '')) {
      continue;
    }
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    lines.push(pending + line);
    pending = '';
  }
  if (pending !== '') {
    lines.push(pending);
  }
  return lines;
}

export function findStage(stages: Stage[], name: string): Stage {
  const stage = stages.find((candidate) => candidate.name === name);
  if (stage === undefined) {
    const names = stages.map((candidate) => candidate.name).join(', ');
    throw new Error(`Dockerfile has no stage "${name}" (stages: ${names})`);
  }
  return stage;
}

/** Returns the arguments of the JSON (exec) form, e.g. `CMD ["node", "main.js"]`. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw new Error(`expected the JSON exec form, got: ${args}`);
  }
  return parsed;
}

/** Returns a RUN line's shell command without its BuildKit flags (--mount, --network). */
export function runCommand(args: string): string {
  return args.replace(/^(?:--\S+\s+)+/, '');
}

/** Parses `ENV A=1 B=2` (the key=value form only). */
export function envPairs(args: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const match of args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const value = match[2]!;
    pairs[match[1]!] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
  }
  return pairs;
}

/** The parts of `COPY [--from=stage] source... destination`. */
export interface CopyArgs {
  from: string | undefined;
  sources: string[];
  destination: string;
}

export function copyArgs(args: string): CopyArgs {
  const words = args.split(/\s+/);
  let from: string | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift()!;
    if (flag.startsWith('--from=')) {
      from = flag.slice('--from='.length);
    }
  }
  const destination = words.pop();
  if (destination === undefined || words.length === 0) {
    throw new Error(`COPY needs a source and a destination: ${args}`);
  }
  return { from, sources: words, destination };
}

/**
 * Returns whether .dockerignore keeps `path` out of the build context. A pattern that matches
 * a folder excludes everything in it, and a later `!pattern` takes a path back, as Docker does.
 */
export function isDockerIgnored(path: string, patterns: string[]): boolean {
  const prefixes = path.split('/').map((_, index, parts) => parts.slice(0, index + 1).join('/'));
  let ignored = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const glob = (negated ? pattern.slice(1) : pattern).replace(/^\/+|\/+$/g, '');
    if (prefixes.some((prefix) => matchesGlob(prefix, glob))) {
      ignored = !negated;
    }
  }
  return ignored;
}

/** Reads .dockerignore's patterns, skipping comments and blank lines. */
export function dockerignorePatterns(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
