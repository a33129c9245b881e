import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { ADAPTER_MODES, type AdapterMode } from './protocol.ts';

const TRANSPORTS = ['websocket', 'polling'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export type Transport = (typeof TRANSPORTS)[number];

/** Settings of one replica, read once from the environment at start-up. */
export interface ServerConfig {
  /** HTTP and Socket.IO port. Env PORT, default 3000; 0 picks a free port. */
  port: number;
  /** Address to listen on. Env HOST, default 0.0.0.0. */
  host: string;
  /** Redis to use as backplane (redis:// or rediss:// for TLS). Env REDIS_URL. */
  redisUrl: string;
  /** Redis password, from the file named by REDIS_PASSWORD_FILE (a Docker secret). */
  redisPassword: string | undefined;
  /** Backplane flavour. Env CHAT_ADAPTER, default pubsub. */
  adapter: AdapterMode;
  /** Prefix of every Redis channel and stream, so deployments can share one Redis. */
  channelPrefix: string;
  /** This replica's id, sent to clients and stamped on messages. Env REPLICA_ID. */
  replicaId: string;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Largest chat message accepted, as JSON bytes. Env CHAT_MAX_MESSAGE_BYTES. */
  maxMessageBytes: number;
  /** Largest Socket.IO frame; a bigger one closes that connection. Env CHAT_MAX_FRAME_BYTES. */
  maxFrameBytes: number;
  /** Events per second each connection may send. Env CHAT_RATE_LIMIT. */
  rateLimit: number;
  /** Events a connection may send at once before the rate limit applies. Env CHAT_RATE_BURST. */
  rateBurst: number;
  /** Rejected events within one second after which a client is disconnected. */
  floodDisconnectAfter: number;
  /** Rooms one connection may be in at once. Env CHAT_MAX_ROOMS_PER_CLIENT. */
  maxRoomsPerClient: number;
  /** Socket.IO transports; long-polling needs sticky sessions. Env CHAT_TRANSPORTS. */
  transports: Transport[];
  /** Browser origins allowed to connect; empty allows any. Env CHAT_ALLOWED_ORIGINS. */
  allowedOrigins: string[];
  /** Calibration aid: delay added to every delivery, ms. Env CHAT_DELIVERY_DELAY_MS. */
  deliveryDelayMs: number;
  /** How long SIGTERM may take before the process exits anyway, ms. */
  shutdownGraceMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const list = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((text) => text.split(',').map((item) => item.trim()))
    .pipe(z.array(z.enum(values)).min(1));

const ENV_SCHEMA = z.object({
  PORT: integer(0, 65_535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .default('redis://127.0.0.1:6379'),
  REDIS_PASSWORD_FILE: z.string().min(1).optional(),
  CHAT_ADAPTER: z.enum(ADAPTER_MODES).default('pubsub'),
  CHAT_CHANNEL_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits or _ . : -')
    .default('chat'),
  REPLICA_ID: z.string().min(1).max(128).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  CHAT_MAX_MESSAGE_BYTES: integer(16, 1_048_576).default(4096),
  CHAT_MAX_FRAME_BYTES: integer(1024, 100_000_000).default(65_536),
  CHAT_RATE_LIMIT: integer(1, 1_000_000).default(50),
  CHAT_RATE_BURST: integer(1, 1_000_000).optional(),
  CHAT_FLOOD_DISCONNECT_AFTER: integer(1, 1_000_000).default(200),
  CHAT_MAX_ROOMS_PER_CLIENT: integer(1, 10_000).default(16),
  CHAT_TRANSPORTS: list(TRANSPORTS).default(['websocket']),
  CHAT_ALLOWED_ORIGINS: z
    .string()
    .transform((text) => text.split(',').map((item) => item.trim()))
    .pipe(z.array(z.url()))
    .optional(),
  CHAT_DELIVERY_DELAY_MS: z.coerce.number().min(0).max(60_000).default(0),
  CHAT_SHUTDOWN_GRACE_MS: integer(0, 600_000).default(10_000),
});

/** Parses the environment; an invalid value raises ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = ENV_SCHEMA.safeParse(defined);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      return `${name}=${JSON.stringify(env[name])}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }

  const values = parsed.data;
  return {
    port: values.PORT,
    host: values.HOST,
    redisUrl: values.REDIS_URL,
    redisPassword: readPasswordFile(values.REDIS_PASSWORD_FILE),
    adapter: values.CHAT_ADAPTER,
    channelPrefix: values.CHAT_CHANNEL_PREFIX,
    replicaId: values.REPLICA_ID ?? hostname(),
    logLevel: values.LOG_LEVEL,
    maxMessageBytes: values.CHAT_MAX_MESSAGE_BYTES,
    maxFrameBytes: values.CHAT_MAX_FRAME_BYTES,
    rateLimit: values.CHAT_RATE_LIMIT,
    rateBurst: values.CHAT_RATE_BURST ?? values.CHAT_RATE_LIMIT * 2,
    floodDisconnectAfter: values.CHAT_FLOOD_DISCONNECT_AFTER,
    maxRoomsPerClient: values.CHAT_MAX_ROOMS_PER_CLIENT,
    transports: values.CHAT_TRANSPORTS,
    allowedOrigins: values.CHAT_ALLOWED_ORIGINS ?? [],
    deliveryDelayMs: values.CHAT_DELIVERY_DELAY_MS,
    shutdownGraceMs: values.CHAT_SHUTDOWN_GRACE_MS,
  };
}

function readPasswordFile(path: string | undefined): string | undefined {
  if (path === undefined) {
    return undefined;
  }
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      `REDIS_PASSWORD_FILE=${JSON.stringify(path)}: the file could not be read (${reason})`,
    );
  }
}

/** Returns the Redis URL with any password replaced, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
