import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { aggregateStep } from '../../src/measure/aggregate.ts';
import { stepEnv } from '../../src/measure/step-env.ts';
import { runArtillery } from './support/artillery-run.ts';

const USERS = 5;
const ACK_TIMEOUT_MS = 1_000;

/** Starts a Socket.IO server on loopback that accepts connections and acknowledges nothing. */
async function startSilentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'] });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => io.close(() => resolve())),
  };
}

describe('load generator against a server that never acknowledges', () => {
  let server: Awaited<ReturnType<typeof startSilentServer>>;
  let directory: string;

  beforeAll(async () => {
    server = await startSilentServer();
    directory = await mkdtemp(join(tmpdir(), 'chat-silent-'));
  });

  afterAll(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  test('users fail at the join timeout and the run ends', async () => {
    const now = Date.now();
    const drainEndMs = now + 14_000;
    const env = stepEnv({
      stepId: 'silent',
      workerDir: join(directory, 'workers'),
      measureStartMs: now + 10_000,
      measureEndMs: now + 13_000,
      drainEndMs,
      rate: 1,
      ackTimeoutMs: ACK_TIMEOUT_MS,
      generatorId: 'silent',
    });

    const result = await runArtillery({
      scenario: 'rooms',
      target: server.url,
      phases: [{ duration: 1, arrivalCount: USERS }],
      env,
      reportPath: join(directory, 'report.json'),
      timeoutMs: 45_000,
    });
    const step = await aggregateStep(join(directory, 'workers'), { stepId: 'silent' });

    expect(result.exitCode, result.output).toBe(0);
    expect(Date.now()).toBeLessThan(drainEndMs + 10_000);
    expect(result.counters['vusers.failed']).toBe(USERS);
    expect(result.counters['errors.chat.join_timeout']).toBe(USERS);
    expect(step.connect.attempts).toBe(USERS);
    expect(step.connect.errors).toBe(USERS);
    expect(step.clients.peak).toBe(0);
    expect(step.messages.sent).toBe(0);
  });
});
