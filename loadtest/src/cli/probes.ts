/** HTTP checks before a step: whether the target is reachable and every replica ready. */
import { setTimeout as sleep } from 'node:timers/promises';
import { TargetUnreachableError } from './errors.ts';

const REQUEST_TIMEOUT_MS = 5_000;
const POLL_INTERVAL_MS = 250;

/**
 * Throws TargetUnreachableError unless `url` responds over HTTP at all, with any status. The
 * message names the flag and the value the user gave.
 */
export async function checkReachable(url: string, flag: string, value: string): Promise<void> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await response.body?.cancel();
  } catch (error) {
    throw new TargetUnreachableError(
      `cannot reach ${flag} ${value} (${url}): ${describeFetchError(error)}. Check that the address ` +
        'and port are right, that the chat service runs there, and that no firewall blocks ' +
        'this host.',
      { cause: error },
    );
  }
}

export interface ReadinessCheck {
  /** Name in messages, e.g. "replica replica-2" or "target". */
  name: string;
  /** URL that responds 200 when ready: a /readyz, or a /metrics page that must be scrapable. */
  url: string;
}

/**
 * Polls every URL until it responds 200 or `timeoutMs` passes; returns a sentence for each one
 * that never did, so the step can say why it is not valid.
 */
export async function waitUntilReady(
  checks: ReadinessCheck[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Map(checks.map((check) => [check.url, check]));
  const lastAnswer = new Map<string, string>();

  while (pending.size > 0 && Date.now() < deadline && signal?.aborted !== true) {
    for (const check of [...pending.values()]) {
      const answer = await probe(check.url);
      if (answer === 'ready') {
        pending.delete(check.url);
      } else {
        lastAnswer.set(check.url, answer);
      }
    }
    if (pending.size > 0) {
      await sleep(POLL_INTERVAL_MS);
    }
  }

  return [...pending.values()].map(
    (check) =>
      `${check.name} was not ready before the step (${check.url}: ` +
      `${lastAnswer.get(check.url) ?? 'not checked'})`,
  );
}

async function probe(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.status === 200 ? 'ready' : `HTTP ${response.status}`;
  } catch (error) {
    return describeFetchError(error);
  }
}

/** fetch() puts the network error (ECONNREFUSED, ENOTFOUND...) in `cause`. */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code !== undefined) {
    return cause.code;
  }
  if ((error as Error).name === 'TimeoutError') {
    return `no answer within ${REQUEST_TIMEOUT_MS} ms`;
  }
  return cause?.message ?? (error as Error).message;
}
