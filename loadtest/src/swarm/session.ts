/**
 * Runs work against a scaled Swarm service and always restores its replica count: after
 * success, after a failure, and on SIGINT (Ctrl-C) or SIGTERM.
 */
import type { SwarmOptions } from './options.ts';
import { SwarmService } from './service.ts';

export interface SwarmSessionOptions extends SwarmOptions {
  /**
   * Restore on SIGINT or SIGTERM, then exit with 128 + the signal number. Turn it off when
   * the caller handles those signals itself and ends `run` on them. A second signal during
   * the restore ends the process at once, as Node does by default. @default true
   */
  restoreOnSignals?: boolean;
}

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export async function withSwarmService<T>(
  options: SwarmSessionOptions,
  run: (service: SwarmService) => Promise<T>,
): Promise<T> {
  const service = await SwarmService.open(options);
  const removeHandlers = options.restoreOnSignals === false ? () => {} : restoreOnSignals(service);
  try {
    return await run(service);
  } finally {
    removeHandlers();
    await service.restore();
  }
}

/** Installs one-shot signal handlers that restore the service and exit; returns their remover. */
export function restoreOnSignals(service: SwarmService): () => void {
  const handlers = Object.entries(SIGNAL_EXIT_CODES).map(([signal, exitCode]) => {
    const handler = () => {
      service.options.log(`swarm: ${signal} received`);
      service.restore().then(
        () => process.exit(exitCode),
        (error: Error) => {
          console.error(error.message);
          process.exit(exitCode);
        },
      );
    };
    process.once(signal, handler);
    return { signal, handler };
  });

  return () => {
    for (const { signal, handler } of handlers) {
      process.off(signal, handler);
    }
  };
}
