import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../loadtest/src/cluster/redis-server.ts';
import { ServerProcess } from './support/server-process.ts';

const PASSWORD = 'S3cret-redis-pa55word';

describe('server process', () => {
  const redis = new RedisServer({ password: PASSWORD });
  const started: ServerProcess[] = [];
  let directory: string;
  let passwordFile: string;
  let redisUrl: string;

  beforeAll(async () => {
    await redis.start();
    directory = await mkdtemp(join(tmpdir(), 'chat-process-test-'));
    passwordFile = join(directory, 'redis_password');
    await writeFile(passwordFile, `${PASSWORD}\n`);
    redisUrl = `redis://127.0.0.1:${redis.port}`;
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.kill()));
  });
  afterAll(async () => {
    await redis.dispose();
    await rm(directory, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>) => {
    const server = await ServerProcess.start(env);
    started.push(server);
    return server;
  };

  it('exits 0 on SIGTERM after disconnecting clients', async () => {
    const server = await start({
      REDIS_URL: redisUrl,
      REDIS_PASSWORD_FILE: passwordFile,
      CHAT_SHUTDOWN_GRACE_MS: '5000',
    });
    await server.waitUntilReady();
    const client = io(server.url, { transports: ['websocket'], reconnection: false });
    await new Promise((resolve) => client.once('welcome', resolve));
    const disconnected = new Promise<string>((resolve) => client.once('disconnect', resolve));

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');

    // A transport close, unlike a server-side disconnect, makes socket.io-client reconnect.
    expect(await disconnected).toBe('transport close');
    const { code } = await server.exited;
    expect(code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
    const messages = server.logLines().map((line) => line.msg);
    expect(messages).toContain('shutdown requested');
    expect(messages).toContain('stopped');
  });

  it('never shows the redis password in logs or metrics', async () => {
    const server = await start({
      REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${redis.port}`,
      LOG_LEVEL: 'trace',
    });
    await server.waitUntilReady();
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await redis.start();
    await server.waitUntilReady();

    expect(metrics).toContain('chat_replica_info');
    expect(server.stdout).toContain('redis connection lost');
    expect(server.stdout).not.toContain(PASSWORD);
    expect(server.stderr).not.toContain(PASSWORD);
    expect(metrics).not.toContain(PASSWORD);
  });

  it.each([
    ['CHAT_ADAPTER', 'kafka', 'pubsub'],
    ['PORT', '70000', 'PORT'],
    ['REDIS_URL', 'http://127.0.0.1:6379', 'redis://'],
    ['CHAT_TRANSPORTS', 'websocket,carrier-pigeon', 'polling'],
    ['CHAT_RATE_LIMIT', '-3', 'CHAT_RATE_LIMIT'],
    ['REDIS_PASSWORD_FILE', '/nonexistent/secret', 'could not be read'],
  ])('refuses to start with an invalid %s', async (variable, value, hint) => {
    const server = await start({ [variable]: value });

    const { code } = await server.exited;

    expect(code).toBe(78);
    expect(server.stderr).toContain(variable);
    expect(server.stderr).toContain(hint);
  });

  it('serves while redis is unreachable and turns ready when it appears', async () => {
    const late = new RedisServer();
    await late.start();
    const port = late.port;
    await late.stop();
    const server = await start({ REDIS_URL: `redis://127.0.0.1:${port}` });
    await new Promise((resolve) => setTimeout(resolve, 6_000));

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    await late.start();
    await server.waitUntilReady();
    await late.dispose();
  });
});
