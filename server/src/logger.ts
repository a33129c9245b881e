import { type Logger, pino } from 'pino';
import type { ServerConfig } from './config.ts';

/** JSON lines on stdout, one per state change; every line names the replica. */
export function createLogger(config: Pick<ServerConfig, 'logLevel' | 'replicaId'>): Logger {
  return pino({
    level: config.logLevel,
    base: { replica: config.replicaId },
    redact: { paths: ['password', '*.password', 'redisPassword'], censor: '***' },
  });
}
