import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NamespaceProcess } from './namespace-process.ts';

const POLL_MS = 100;
const PROBE_TIMEOUT_MS = 1_000;

/** A process in a namespace did not become ready in time, or exited while starting. */
export class NamespaceProcessNotReadyError extends Error {
  override name = 'NamespaceProcessNotReadyError';
}

/** One readiness check; returns null when ready, else the reason it is not. */
export type ReadinessProbe = () => Promise<string | null>;

/**
 * Polls `probe` until it reports ready. Throws NamespaceProcessNotReadyError, with the last
 * probe result and the process's recent output, on timeout or when the process exits.
 */
export async function waitUntilReady(
  child: NamespaceProcess,
  probe: ReadinessProbe,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastStatus = 'no check made yet';

  for (;;) {
    if (child.exit !== null) {
      throw notReady(child, `${child.exit} while starting`, lastStatus);
    }
    const status = await probe();
    if (status === null) {
      return;
    }
    lastStatus = status;
    if (Date.now() >= deadline) {
      throw notReady(child, `was not ready within ${timeoutMs} ms`, lastStatus);
    }
    await sleep(POLL_MS);
  }
}

/** Returns a probe that is ready once a TCP connection to host:port succeeds. */
export function tcpProbe(host: string, port: number): ReadinessProbe {
  return () =>
    new Promise((resolve) => {
      const socket = connect({ host, port, timeout: PROBE_TIMEOUT_MS });
      socket.once('connect', () => {
        socket.destroy();
        resolve(null);
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve('connection timed out');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
}

/** Returns a probe that is ready once GET `url` returns 200. */
export function httpProbe(url: string): ReadinessProbe {
  return async () => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await response.arrayBuffer();
      return response.status === 200 ? null : `HTTP ${response.status}`;
    } catch (error) {
      const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
      return cause?.code ?? (error as Error).message;
    }
  };
}

function notReady(
  child: NamespaceProcess,
  detail: string,
  lastStatus: string,
): NamespaceProcessNotReadyError {
  const output = child.recentOutput();
  const recent = output === '' ? '' : `\nlast output:\n${output}`;
  return new NamespaceProcessNotReadyError(
    `${child.id} ${detail} (last check: ${lastStatus})${recent}`,
  );
}
