/**
 * run.json: how a run was made. Parameters, tool and dependency versions, the git commit,
 * the host, the times, the target or local cluster layout, and whether the load generator,
 * the replicas and Redis shared one host.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch, cpus, hostname, release, totalmem, type } from 'node:os';
import { basename, join } from 'node:path';
import type { LoadtestConfig } from './options.ts';
import { PROJECT_ROOT } from './paths.ts';

/** Packages whose versions decide what a run measured. */
const RECORDED_PACKAGES = [
  'artillery',
  'artillery-engine-socketio-v3',
  'socket.io',
  'socket.io-client',
  '@socket.io/redis-adapter',
  '@socket.io/redis-streams-adapter',
  'ioredis',
  'hdr-histogram-js',
];

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/;

export interface HostDescription {
  hostname: string;
  os: string;
  arch: string;
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
}

export function describeHost(): HostDescription {
  const processors = cpus();
  return {
    hostname: hostname(),
    os: `${type()} ${release()}`,
    arch: arch(),
    cpus: processors.length,
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
  };
}

/** Versions of the project, Node, redis-server and the packages that do the measuring. */
export function toolVersions(): Record<string, string> {
  const versions: Record<string, string> = {
    project: packageVersion(PROJECT_ROOT),
    node: process.versions.node,
    'redis-server': redisServerVersion(),
  };
  for (const name of RECORDED_PACKAGES) {
    versions[name] = packageVersion(join(PROJECT_ROOT, 'node_modules', name));
  }
  return versions;
}

/** Reads the checked-out commit and whether the working tree has changes; null outside git. */
export function gitDescription(): { commit: string; dirty: boolean } | null {
  const options = {
    cwd: PROJECT_ROOT,
    encoding: 'utf8' as const,
    // Keeps `git status` from refreshing the index, so reading never writes to .git.
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
  };
  const head = spawnSync('git', ['rev-parse', 'HEAD'], options);
  if (head.status !== 0) {
    return null;
  }
  const status = spawnSync('git', ['status', '--porcelain'], options);
  return { commit: head.stdout.trim(), dirty: status.stdout.trim() !== '' };
}

export function isLoopbackHost(hostnameOrUrl: string): boolean {
  let host = hostnameOrUrl;
  try {
    host = new URL(hostnameOrUrl).hostname;
  } catch {
    // Not a URL: a bare host name.
  }
  return LOOPBACK_HOSTS.test(host);
}

/** Replaces the password of a Redis URL, so the URL can go into run.json and the console. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') {
      parsed.password = '***';
    }
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** Describes where the parts ran: the `sharedHost` flag and the sentence reports print. */
export function hostPlacement(config: LoadtestConfig): { sharedHost: boolean; hostNote: string } {
  const cores = cpus().length;
  const method = 'the figures show the method working, not the capacity of a swarm';
  if (config.target === null) {
    const redisHere = config.redisUrl === null || isLoopbackHost(config.redisUrl);
    return {
      sharedHost: redisHere,
      hostNote: redisHere
        ? `The load generator, every replica and Redis ran on one ${cores}-core host: ${method}.`
        : `The load generator and every replica ran on one ${cores}-core host, Redis ` +
          `elsewhere: ${method}.`,
    };
  }
  if (isLoopbackHost(config.target)) {
    return {
      sharedHost: true,
      hostNote:
        `The target is on loopback, so the load generator shared its ${cores}-core host ` +
        `with the service under test: ${method}.`,
    };
  }
  return {
    sharedHost: false,
    hostNote:
      `The load generator ran on ${hostname()} (${cores} cores); the replicas and Redis ran ` +
      'where the target is deployed.',
  };
}

/** Builds the first fields of run.json, written before the first step. */
export function initialRunInfo(config: LoadtestConfig, argv: string[], startedAt: Date) {
  return {
    id: basename(config.outDir),
    command: ['npm', 'run', 'loadtest', '--', ...argv].join(' '),
    status: 'running' as RunStatus,
    startedAt: startedAt.toISOString(),
    endedAt: null as string | null,
    scenario: config.scenario.name,
    adapter: config.adapter,
    target: config.target,
    replicaCounts: config.replicaCounts,
    repeat: config.repeat,
    generators: [config.generatorId],
    ...hostPlacement(config),
    parameters: describeParameters(config),
    host: describeHost(),
    versions: toolVersions(),
    git: gitDescription(),
  };
}

export type RunStatus = 'running' | 'complete' | 'interrupted' | 'failed';

function describeParameters(config: LoadtestConfig) {
  return {
    scenario: config.scenario.name,
    scenarioPath: config.scenario.path,
    clients: config.clients,
    roomSize: config.roomSize,
    rate: config.rate,
    messageBytes: config.messageBytes,
    durationSeconds: config.durationMs / 1_000,
    rampSeconds: config.rampMs / 1_000,
    settleSeconds: config.settleMs / 1_000,
    drainSeconds: config.drainMs / 1_000,
    replicaCounts: config.replicaCounts,
    repeat: config.repeat,
    adapter: config.adapter,
    target: config.target,
    metricsUrls: config.metricsUrls,
    redisUrl: config.redisUrl === null ? null : redactUrl(config.redisUrl),
    port: config.port,
    generatorId: config.generatorId,
    failOn: config.gates.map((gate) => gate.expression),
    swarmService: config.swarmService,
    netns: config.netns,
    links: config.links,
  };
}

function packageVersion(dir: string): string {
  try {
    const text = readFileSync(join(dir, 'package.json'), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

function redisServerVersion(): string {
  const result = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (result.error !== undefined) {
    return 'not installed';
  }
  return /v=(\S+)/.exec(result.stdout)?.[1] ?? 'unknown';
}
