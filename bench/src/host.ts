/**
 * Descriptions of the host the figures were measured on: the machine, the versions of
 * everything on the measured paths, and the limits that cap the connections of one step.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  describeHost,
  type HostDescription,
  toolVersions,
} from '../../loadtest/src/cli/run-info.ts';
import { PROJECT_ROOT } from './loadtest-cli.ts';

export interface Machine extends HostDescription {
  /** 1, 5 and 15 minute load averages when the bench started. */
  loadAverage: number[];
  /** Everything (drivers, servers, Redis, load generator) shares this one host. */
  sharedHost: true;
}

export function describeMachine(): Machine {
  return {
    ...describeHost(),
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
    sharedHost: true,
  };
}

/** Returns the loadtest's tool versions, Node as `v24.x.y`, and `ws`, which only the floor uses. */
export function readVersions(): Record<string, string> {
  return {
    ...toolVersions(),
    node: process.version,
    ws: packageVersion(join(PROJECT_ROOT, 'node_modules', 'ws')),
  };
}

function packageVersion(folder: string): string {
  try {
    const json = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
      version?: string;
    };
    return json.version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

export interface FileLimit {
  soft: number;
  hard: number;
}

/** Reads this process's open-file limit from /proc/self/limits. */
export function readOpenFileLimit(limitsText?: string): FileLimit {
  const text = limitsText ?? readFileSync('/proc/self/limits', 'utf8');
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
  if (match === null) {
    throw new Error('no "Max open files" line in /proc/self/limits');
  }
  const parse = (value: string) =>
    value === 'unlimited' ? Number.POSITIVE_INFINITY : Number(value);
  return { soft: parse(match[1]!), hard: parse(match[2]!) };
}

/** Number of ports in net.ipv4.ip_local_port_range, e.g. 28,232 for 32768-60999. */
export function ephemeralPortCount(rangeText?: string): number {
  const text = rangeText ?? readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
  const [low, high] = text.trim().split(/\s+/).map(Number);
  if (low === undefined || high === undefined || !(high >= low)) {
    throw new Error(`cannot read the ephemeral port range from "${text.trim()}"`);
  }
  return high - low + 1;
}

/** Returns the output of `git rev-parse --short HEAD`, or 'unknown' outside a repository. */
export function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}
