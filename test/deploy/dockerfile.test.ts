import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../loadtest/src/cluster/free-port.ts';
import { RedisServer } from '../../loadtest/src/cluster/redis-server.ts';
import { PROJECT_ROOT } from './support/chat-process.ts';
import {
  copyArgs,
  execForm,
  findStage,
  parseDockerfile,
  runCommand,
  type Stage,
} from './support/dockerfile.ts';
import {
  prepareContext,
  type ReplayedStage,
  replayStage,
  stageEnvironment,
} from './support/dockerfile-replay.ts';

const DOCKERFILE = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(DOCKERFILE);
const runtime = findStage(stages, 'runtime');
const loadgen = findStage(stages, 'loadgen');

function instructions(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((item) => item.keyword === keyword).map((item) => item.args);
}

/** Returns the command of `HEALTHCHECK [options] CMD [...]`. */
function healthcheckCommand(stage: Stage): string[] {
  const [healthcheck] = instructions(stage, 'HEALTHCHECK');
  const command = /\bCMD\s+(\[.*\])$/s.exec(healthcheck ?? '');
  if (command === null) {
    throw new Error(`${stage.name} has no HEALTHCHECK in the CMD ["..."] form`);
  }
  return execForm(command[1]!);
}

/** Runs a command to completion and returns its exit code. */
function exitCode(command: string[], cwd: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { cwd, env, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? -1));
  });
}

describe('Dockerfile', () => {
  it('builds on Node 24', () => {
    expect(DOCKERFILE).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(stages.map((stage) => stage.base)).toEqual([
      `\${NODE_IMAGE}`,
      `\${NODE_IMAGE}`,
      'runtime',
    ]);
  });

  it('installs production dependencies only at runtime', () => {
    const runs = instructions(runtime, 'RUN').map(runCommand);
    expect(runs.some((command) => command.startsWith('npm ci --omit=dev'))).toBe(true);
    expect(runtime.instructions).toContainEqual({
      keyword: 'ENV',
      args: expect.stringContaining('NODE_ENV=production'),
    });
  });

  it('runs the server as an unprivileged user', () => {
    expect(instructions(runtime, 'USER').at(-1)).toBe('node');
    expect(instructions(loadgen, 'USER').at(-1)).toBe('node');
  });

  it('probes /healthz and stops on SIGTERM', () => {
    expect(healthcheckCommand(runtime).join(' ')).toContain('/healthz');
    expect(instructions(runtime, 'EXPOSE')).toEqual(['3000']);
    expect(instructions(runtime, 'STOPSIGNAL')).toEqual(['SIGTERM']);
    expect(execForm(instructions(runtime, 'CMD')[0]!)).toEqual(['node', 'dist/server/src/main.js']);
  });

  it('drops the chat health check for the load generator', () => {
    expect(instructions(loadgen, 'HEALTHCHECK')).toEqual(['NONE']);
  });

  it('copies load generator files that exist', () => {
    for (const args of instructions(loadgen, 'COPY')) {
      for (const source of copyArgs(args).sources) {
        expect(existsSync(join(PROJECT_ROOT, source)), source).toBe(true);
      }
    }
    const entrypoint = execForm(instructions(loadgen, 'ENTRYPOINT')[0]!);
    expect(existsSync(join(PROJECT_ROOT, entrypoint[1]!)), entrypoint[1]).toBe(true);
  });
});

describe('Dockerfile steps replayed in a clean copy', () => {
  const redis = new RedisServer();
  let directory = '';
  let server: ChildProcess | undefined;

  afterAll(async () => {
    server?.kill('SIGKILL');
    await redis.dispose();
    if (directory !== '') {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('give a server that passes its health check', { timeout: 900_000 }, async () => {
    directory = await mkdtemp(join(tmpdir(), 'chat-dockerfile-'));
    const context = join(directory, 'context');
    await mkdir(context);
    await prepareContext(context);

    const replayed = new Map<string, ReplayedStage>();
    for (const name of ['build', 'runtime']) {
      const root = join(directory, name);
      replayed.set(name, await replayStage(findStage(stages, name), context, root, replayed));
    }
    const image = replayed.get('runtime')!;
    expect(existsSync(join(image.workdir, 'dist/server/src/main.js'))).toBe(true);
    expect(existsSync(join(image.workdir, 'node_modules/typescript'))).toBe(false);

    await redis.start();
    const env = {
      ...stageEnvironment(image),
      PORT: String(await findFreePort()),
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      REPLICA_ID: 'replica-image',
      LOG_LEVEL: 'warn',
    };
    const command = execForm(instructions(runtime, 'CMD')[0]!);
    const started = spawn(command[0]!, command.slice(1), {
      cwd: image.workdir,
      env,
      stdio: 'ignore',
    });
    server = started;

    let healthy = false;
    for (let attempt = 0; attempt < 60 && !healthy; attempt++) {
      await sleep(500);
      expect(started.exitCode, 'the server exited').toBeNull();
      healthy = (await exitCode(healthcheckCommand(runtime), image.workdir, env)) === 0;
    }
    expect(healthy).toBe(true);

    const exited = new Promise<number | null>((resolve) => started.once('exit', resolve));
    started.kill(instructions(runtime, 'STOPSIGNAL')[0] as NodeJS.Signals);
    expect(await exited).toBe(0);
  });
});
