import { ChatServer } from './chat-server.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';

/** Exit code for an invalid configuration, as sysexits' EX_CONFIG. */
const EXIT_CONFIG = 78;

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`chat server: ${error.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw error;
  }

  const logger = createLogger(config);
  const server = new ChatServer(config, logger);

  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutdown requested');
    const deadline = setTimeout(() => {
      logger.error(
        { graceMs: config.shutdownGraceMs },
        'shutdown did not finish within the grace period: exiting anyway',
      );
      process.exit(1);
    }, config.shutdownGraceMs);
    deadline.unref();
    server.stop().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception: exiting');
    process.exit(1);
  });

  try {
    await server.start();
  } catch (error) {
    logger.fatal({ err: error, port: config.port }, 'could not start: is the port in use?');
    process.exit(1);
  }
}

await main();
