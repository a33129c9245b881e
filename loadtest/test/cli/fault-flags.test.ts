import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/cli/errors.ts';
import { type LoadtestConfig, parseCommand } from '../../src/cli/options.ts';

const CONTEXT = { now: new Date('2025-03-04T05:06:07Z'), cwd: '/tmp/loadtest-cwd' };

function parse(argv: string[], env: Record<string, string> = {}): LoadtestConfig {
  const command = parseCommand(argv, { ...CONTEXT, env });
  if (command.help) {
    throw new Error('expected a configuration, got --help');
  }
  return command.config;
}

function usageError(argv: string[], env: Record<string, string> = {}): string {
  try {
    parse(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('--fault flag', () => {
  test('no fault by default', () => {
    expect(parse([]).faults).toEqual([]);
  });

  test('several faults keep their order', () => {
    const config = parse(['--fault', 'kill-replica@30s', '--fault', 'restart-redis@45s']);

    expect(config.faults).toEqual([
      { kind: 'kill-replica', atMs: 30_000 },
      { kind: 'restart-redis', atMs: 45_000 },
    ]);
  });

  test('bare seconds and the window start are accepted', () => {
    expect(parse(['--fault', 'kill-replica@0']).faults).toEqual([
      { kind: 'kill-replica', atMs: 0 },
    ]);
  });

  test('unknown kind names the kinds', () => {
    const message = usageError(['--fault', 'kill-redis@30s']);

    expect(message).toContain('invalid --fault "kill-redis@30s"');
    expect(message).toContain('unknown fault kind "kill-redis"');
    expect(message).toContain('kill-replica, restart-redis');
  });

  test('missing time shows the form', () => {
    const message = usageError(['--fault', 'kill-replica']);

    expect(message).toContain('expected KIND@TIME such as kill-replica@30s');
  });

  test('invalid time is named', () => {
    const message = usageError(['--fault', 'kill-replica@soon']);

    expect(message).toContain('invalid time "soon"');
  });

  test('time at the window end is rejected', () => {
    const message = usageError(['--duration', '20s', '--fault', 'kill-replica@20s']);

    expect(message).toContain('kill-replica@20s is outside the measure window of 20s');
    expect(message).toContain('--duration');
  });

  test('target without swarm service is rejected', () => {
    const message = usageError(['--target', 'http://10.0.0.5:8080', '--fault', 'kill-replica@5s']);

    expect(message).toContain('--fault');
    expect(message).toContain('needs --swarm-service NAME');
  });

  test('target with swarm service is accepted', () => {
    const config = parse([
      '--target',
      'http://10.0.0.5:8080',
      '--swarm-service',
      'chat_chat',
      '--fault',
      'restart-redis@5s',
    ]);

    expect(config.faults).toEqual([{ kind: 'restart-redis', atMs: 5_000 }]);
    expect(config.swarmService).toBe('chat_chat');
  });

  test('kill-replica on one replica is rejected', () => {
    const message = usageError(['--replicas', '1,2', '--fault', 'kill-replica@5s']);

    expect(message).toContain('kill-replica needs at least 2 replicas in every step');
    expect(parse(['--replicas', '1', '--fault', 'restart-redis@5s']).faults).toHaveLength(1);
  });

  test('netns cluster is rejected', () => {
    const message = usageError(['--netns', '--fault', 'kill-replica@5s']);

    expect(message).toContain('does not apply with --netns');
  });

  test('restart-redis with --redis-url is rejected', () => {
    const message = usageError([
      '--redis-url',
      'redis://127.0.0.1:6379',
      '--fault',
      'restart-redis@5s',
    ]);

    expect(message).toContain('cannot be used with --redis-url');
  });

  test('restart-redis with REDIS_URL is rejected', () => {
    const env = { REDIS_URL: 'redis://127.0.0.1:6379' };
    const message = usageError(['--fault', 'restart-redis@5s'], env);

    expect(message).toContain('unset REDIS_URL for a fault run');
  });

  test('kill-replica with REDIS_URL is accepted', () => {
    const env = { REDIS_URL: 'redis://127.0.0.1:6379' };

    expect(parse(['--fault', 'kill-replica@5s'], env).faults).toHaveLength(1);
  });
});
