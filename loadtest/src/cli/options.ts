/**
 * The command line of `npm run loadtest`, parsed and validated once into one typed
 * configuration. Every flag has a default sized for a 2-core machine. An invalid flag fails
 * with a message naming the flag, the value and the accepted values.
 */
import { parseArgs } from 'node:util';
import type { AdapterMode } from '../../../server/src/protocol.ts';
import type { FaultSpec } from '../faults/fault-spec.ts';
import type { LinkShaping } from '../netns/link-shaping.ts';
import { type Gate, GateSyntaxError, parseGate } from '../report/gates.ts';
import { UsageError } from './errors.ts';
import { DEFAULTS, FLAG_SCHEMA, type FlagValues } from './flag-schema.ts';
import { collectLinks } from './link-flags.ts';
import { defaultGeneratorId, defaultOutDir, resolveScenario, type ScenarioFile } from './paths.ts';

export interface LoadtestConfig {
  scenario: ScenarioFile;
  /** Concurrent clients per step. @default 1000 */
  clients: number;
  /** Members per room. @default 10 */
  roomSize: number;
  /** Messages per second each sending client sends. @default 1 */
  rate: number;
  /** Length of the measure window, ms. @default 60 s */
  durationMs: number;
  /** Time over which clients arrive, ms, a whole number of seconds. @default 10 s */
  rampMs: number;
  /** Pause between the last arrival and the measure window, ms. @default 5 s */
  settleMs: number;
  /** Time after sending stops in which deliveries still count, ms. @default 5 s */
  drainMs: number;
  /**
   * Replica count of each step of the sweep, in order. With --target: one entry, the
   * deployed count given by --replicas, else the number of --metrics URLs, else 0 (unknown).
   * @default [2]
   */
  replicaCounts: number[];
  /** Runs of each replica count. @default 1 */
  repeat: number;
  adapter: AdapterMode;
  /** Public address of a deployed cluster; null runs the local cluster. @default null */
  target: string | null;
  /** /metrics addresses of the deployed replicas (with --target). @default [] */
  metricsUrls: string[];
  /**
   * Redis whose INFO is read. Locally, also the Redis the replicas use instead of one the
   * loadtest starts. From --redis-url, or locally from REDIS_URL. @default null
   */
  redisUrl: string | null;
  /** Public port of the local cluster; null picks a free one. @default null */
  port: number | null;
  /** Run folder, absolute; must not exist yet. @default reports/TIMESTAMP-SCENARIO */
  outDir: string;
  /** Bytes of text in every chat message. @default 64 */
  messageBytes: number;
  /** SLO gates checked on every step at the end. @default [] */
  gates: Gate[];
  /** Prefix of this generator's room names, recorded in run.json. @default the host name */
  generatorId: string;
  /** Faults injected in every step, ms into its measure window. @default [] */
  faults: FaultSpec[];
  /** Swarm service (with --target) scaled to each step's replica count. @default null */
  swarmService: string | null;
  /** Print the docker commands of --swarm-service and run nothing. @default false */
  dryRun: boolean;
  /** Run the local cluster's Redis and replicas in network namespaces. @default false */
  netns: boolean;
  /** netem shaping of netns hosts' links, by host name ('redis', 'replica-1'). @default {} */
  links: Record<string, LinkShaping>;
}

export type ParsedCommand = { help: true } | { help: false; config: LoadtestConfig };

export interface ParseContext {
  /** Environment read for REDIS_URL. @default process.env */
  env?: Record<string, string | undefined>;
  /** Time stamped into the default run folder name. @default now */
  now?: Date;
  /**
   * Folder that relative --scenario and --out paths start from. @default INIT_CWD, the folder
   * `npm run` was started in (npm itself runs scripts from the project root), else cwd
   */
  cwd?: string;
}

const FLAG_TYPES = {
  scenario: { type: 'string' },
  clients: { type: 'string' },
  'room-size': { type: 'string' },
  rate: { type: 'string' },
  duration: { type: 'string' },
  ramp: { type: 'string' },
  settle: { type: 'string' },
  drain: { type: 'string' },
  replicas: { type: 'string' },
  repeat: { type: 'string' },
  adapter: { type: 'string' },
  target: { type: 'string' },
  metrics: { type: 'string' },
  'redis-url': { type: 'string' },
  port: { type: 'string' },
  out: { type: 'string' },
  'message-bytes': { type: 'string' },
  'fail-on': { type: 'string', multiple: true },
  'generator-id': { type: 'string' },
  'swarm-service': { type: 'string' },
  fault: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean' },
  netns: { type: 'boolean' },
  'link-delay': { type: 'string', multiple: true },
  'link-jitter': { type: 'string', multiple: true },
  'link-loss': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses `npm run loadtest` arguments; throws UsageError listing every invalid flag. */
export function parseCommand(argv: string[], context: ParseContext = {}): ParsedCommand {
  const raw = readFlags(argv);
  if (raw.help === true) {
    return { help: true };
  }

  const result = FLAG_SCHEMA.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const flag = String(issue.path[0] ?? 'arguments');
      return describeProblem(flag, raw[flag as keyof typeof raw], issue.message);
    });
    throw new UsageError(problems.join('\n'));
  }
  const config = buildConfig(result.data, context);
  checkRedisFault(config);
  return { help: false, config };
}

function readFlags(argv: string[]) {
  try {
    const { values } = parseArgs({ args: argv, options: FLAG_TYPES, strict: true });
    return values;
  } catch (error) {
    const message = (error as Error).message.replace(/\.$/, '');
    throw new UsageError(`${message}. Run "npm run loadtest -- --help" for the accepted flags.`, {
      cause: error,
    });
  }
}

function describeProblem(flag: string, value: unknown, message: string): string {
  // A switch such as --netns has no value worth quoting.
  if (value === undefined || typeof value === 'boolean') {
    return `--${flag}: ${message}`;
  }
  const shown = Array.isArray(value) ? value.join(' ') : String(value);
  return `invalid --${flag} "${shown}": ${message}`;
}

function buildConfig(flags: FlagValues, context: ParseContext): LoadtestConfig {
  const env = context.env ?? process.env;
  const cwd = context.cwd ?? env.INIT_CWD ?? process.cwd();
  const target = flags.target ?? null;
  const scenario = resolveScenario(flags.scenario, cwd);

  return {
    scenario,
    clients: flags.clients,
    roomSize: flags['room-size'],
    rate: flags.rate,
    durationMs: flags.duration,
    rampMs: flags.ramp,
    settleMs: flags.settle,
    drainMs: flags.drain,
    replicaCounts: replicaCounts(flags),
    repeat: flags.repeat,
    adapter: flags.adapter,
    target,
    metricsUrls: flags.metrics ?? [],
    // The netns mode always runs its own Redis, inside a namespace of its own.
    redisUrl: flags['redis-url'] ?? (target === null && !flags.netns ? localRedisUrl(env) : null),
    port: flags.port ?? null,
    outDir: defaultOutDir(flags.out, scenario.name, context.now ?? new Date(), cwd),
    messageBytes: flags['message-bytes'],
    gates: flags['fail-on'].map(parseGateFlag),
    generatorId: flags['generator-id'] ?? defaultGeneratorId(),
    swarmService: flags['swarm-service'] ?? null,
    faults: flags.fault,
    dryRun: flags['dry-run'],
    netns: flags.netns,
    links: collectLinks(flags),
  };
}

function replicaCounts(flags: FlagValues): number[] {
  if (flags.target === undefined) {
    return flags.replicas ?? [DEFAULTS.replicas];
  }
  if (flags.replicas !== undefined) {
    return flags.replicas;
  }
  return [flags.metrics?.length ?? 0];
}

/** REDIS_URL, unlike --redis-url, is only known here, after the schema's checks. */
function checkRedisFault(config: LoadtestConfig): void {
  const restartsRedis = config.faults.some((fault) => fault.kind === 'restart-redis');
  if (restartsRedis && config.target === null && config.redisUrl !== null) {
    throw new UsageError(
      '--fault restart-redis restarts the redis-server the loadtest starts itself, but ' +
        'REDIS_URL points the replicas at another Redis; unset REDIS_URL for a fault run.',
    );
  }
}

function localRedisUrl(env: Record<string, string | undefined>): string | null {
  const value = env.REDIS_URL?.trim();
  if (value === undefined || value === '') {
    return null;
  }
  if (!/^rediss?:\/\/./.test(value)) {
    throw new UsageError(
      `invalid REDIS_URL "${value}": expected redis://HOST:PORT or rediss://HOST:PORT. ` +
        'Unset it to let the loadtest start its own redis-server.',
    );
  }
  return value;
}

function parseGateFlag(expression: string): Gate {
  try {
    return parseGate(expression);
  } catch (error) {
    if (error instanceof GateSyntaxError) {
      throw new UsageError(`--fail-on: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
