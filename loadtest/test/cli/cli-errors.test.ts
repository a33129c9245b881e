import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OutputExistsError } from '../../src/cli/errors.ts';
import { createRunFolder } from '../../src/cli/run-folder.ts';
import { findFreePort } from '../../src/cluster/free-port.ts';
import { runCli } from './support/run-cli.ts';

const QUICK = { timeoutMs: 30_000 };

describe('loadtest command errors', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'loadtest-cli-'));
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  test('help prints the flags', async () => {
    const result = await runCli(['--help'], QUICK);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: npm run loadtest -- [flags]');
    expect(result.stdout).toContain('--fail-on EXPR');
  });

  test('invalid flag exits 2 naming it', async () => {
    const result = await runCli(['--clients', 'lots', '--adapter', 'kafka'], QUICK);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid --clients "lots": expected a whole number');
    expect(result.stderr).toContain('invalid --adapter "kafka": expected one of');
    expect(result.stderr).toContain('npm run loadtest -- --help');
  });

  test('existing run folder is never overwritten', async () => {
    const out = join(scratch, 'existing');
    await mkdir(out);
    await writeFile(join(out, 'summary.json'), 'earlier run\n');

    const result = await runCli(['--out', out], QUICK);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`the run folder ${out} exists already`);
    expect(await readdir(out)).toEqual(['summary.json']);
    expect(await readFile(join(out, 'summary.json'), 'utf8')).toBe('earlier run\n');
  });

  test('run folder under a file is rejected', async () => {
    const file = join(scratch, 'a-file');
    await writeFile(file, 'not a folder\n');

    const result = await runCli(['--out', join(file, 'run')], QUICK);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot create the run folder ${join(file, 'run')}`);
  });

  test('createRunFolder rejects an existing folder', async () => {
    const out = join(scratch, 'nested', 'run');
    await createRunFolder(out);

    expect(existsSync(out)).toBe(true);
    await expect(createRunFolder(out)).rejects.toBeInstanceOf(OutputExistsError);
  });

  test('unreachable target fails with its address', async () => {
    const port = await findFreePort();
    const target = `http://127.0.0.1:${port}`;
    const out = join(scratch, 'unreachable');

    const result = await runCli(['--target', target, '--out', out], QUICK);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot reach --target ${target}`);
    expect(result.stderr).toContain('ECONNREFUSED');
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(run.status).toBe('failed');
    expect(run.target).toBe(target);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.steps).toEqual([]);
  });

  test('missing redis-server explains the install', async () => {
    const out = join(scratch, 'no-redis');
    const env = { PATH: join(scratch, 'empty-path'), REDIS_URL: '' };

    const result = await runCli(['--out', out], { ...QUICK, env });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('redis-server was not found');
    expect(result.stderr).toContain('REDIS_URL');
    expect(JSON.parse(await readFile(join(out, 'run.json'), 'utf8')).status).toBe('failed');
  });
});
