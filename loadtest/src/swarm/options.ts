/** Options of the Swarm driver, with their defaults in one place. */

export interface SwarmOptions {
  /** The Swarm service to scale, as `docker service ls` names it, e.g. `chat_chat`. */
  service: string;
  /** The docker executable, looked up on PATH unless a path is given. @default "docker" */
  docker?: string;
  /** Maximum wait for the tasks to run after a scale or restart, ms. @default 120000 */
  readyTimeoutMs?: number;
  /** Pause between two `docker service ps` polls, ms. @default 1000 */
  pollIntervalMs?: number;
  /** Maximum run time of one docker command, ms. @default 30000 */
  commandTimeoutMs?: number;
  /** Record and print the docker commands instead of running them. @default false */
  dryRun?: boolean;
  /** Receives one line per action (scale, wait, restore). @default no output */
  log?: (line: string) => void;
}

export type ResolvedSwarmOptions = Required<SwarmOptions>;

export const SWARM_DEFAULTS = {
  docker: 'docker',
  readyTimeoutMs: 120_000,
  pollIntervalMs: 1_000,
  commandTimeoutMs: 30_000,
  dryRun: false,
  log: () => {},
} satisfies Omit<ResolvedSwarmOptions, 'service'>;

/** Swarm service names: letters, digits, `_`, `-` and `.`, as Docker accepts them. */
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export class SwarmOptionError extends Error {
  override name = 'SwarmOptionError';
}

export function resolveSwarmOptions(options: SwarmOptions): ResolvedSwarmOptions {
  if (!SERVICE_NAME.test(options.service)) {
    throw new SwarmOptionError(
      `invalid Swarm service name "${options.service}": expected a name as listed by ` +
        '`docker service ls`, e.g. chat_chat',
    );
  }
  const resolved = { ...SWARM_DEFAULTS, ...definedFields(options) } as ResolvedSwarmOptions;
  for (const key of ['readyTimeoutMs', 'pollIntervalMs', 'commandTimeoutMs'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] <= 0) {
      throw new SwarmOptionError(`invalid ${key} ${resolved[key]}: expected milliseconds above 0`);
    }
  }
  return resolved;
}

function definedFields<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
