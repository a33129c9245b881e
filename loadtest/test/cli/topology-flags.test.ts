/** Flags that choose where steps run: --swarm-service, --dry-run, --netns and --link-*. */
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/cli/errors.ts';
import { type LoadtestConfig, parseCommand } from '../../src/cli/options.ts';

const TARGET = ['--target', 'http://127.0.0.1:9000'];

function parse(argv: string[], env: Record<string, string> = {}): LoadtestConfig {
  const command = parseCommand(argv, { env, cwd: '/tmp' });
  if (command.help) {
    throw new Error('expected a configuration, got --help');
  }
  return command.config;
}

function usageError(argv: string[]): string {
  try {
    parse(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('--swarm-service', () => {
  test('allows a sweep against the target', () => {
    const config = parse([...TARGET, '--swarm-service', 'chat_chat', '--replicas', '1,2,4']);

    expect(config.swarmService).toBe('chat_chat');
    expect(config.replicaCounts).toEqual([1, 2, 4]);
    expect(config.dryRun).toBe(false);
  });

  test('defaults to no service and no dry run', () => {
    const config = parse(TARGET);

    expect(config.swarmService).toBeNull();
    expect(config.dryRun).toBe(false);
  });

  test.each([
    [['--swarm-service', 'chat_chat'], 'invalid --swarm-service "chat_chat": scales a deployed'],
    [[...TARGET, '--swarm-service', 'chat chat'], 'expected a service name such as chat_chat'],
    [[...TARGET, '--dry-run'], '--dry-run: prints the docker commands of --swarm-service'],
  ])('%j is rejected', (argv, message) => {
    expect(usageError(argv)).toContain(message);
  });
});

describe('--netns and link shaping', () => {
  test('merges the link flags into one shaping per host', () => {
    const config = parse([
      '--netns',
      '--replicas',
      '2,3',
      '--link-delay',
      'redis=5ms',
      '--link-jitter',
      'redis=1.5',
      '--link-loss',
      'replica-2=0.5%',
      '--link-delay',
      'replica-2=20ms',
    ]);

    expect(config.netns).toBe(true);
    expect(config.links).toEqual({
      redis: { delayMs: 5, jitterMs: 1.5 },
      'replica-2': { lossPercent: 0.5, delayMs: 20 },
    });
  });

  test('a later entry for the same host and flag wins', () => {
    const config = parse(['--netns', '--link-delay', 'redis=1ms', '--link-delay', 'redis=20ms']);

    expect(config.links).toEqual({ redis: { delayMs: 20 } });
  });

  test('netns ignores REDIS_URL', () => {
    expect(parse(['--netns'], { REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBeNull();
    expect(parse([], { REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe(
      'redis://127.0.0.1:6379',
    );
  });

  test.each([
    [['--link-delay', 'redis=5ms'], 'invalid --link-delay "redis=5ms": shapes a link of the netns'],
    [['--netns', '--link-delay', 'redis=5s'], 'such as redis=5ms, where HOST is redis'],
    [['--netns', '--link-delay', 'db=5ms'], 'invalid --link-delay "db=5ms"'],
    [['--netns', '--link-loss', 'redis=101%'], 'from 0 to 100 in percent'],
    [['--netns', '--link-loss', 'redis=1ms'], 'invalid --link-loss "redis=1ms"'],
    [['--netns', '--link-jitter', 'replica-0=1ms'], 'invalid --link-jitter "replica-0=1ms"'],
    [
      ['--netns', '--replicas', '4,2', '--link-delay', 'replica-3=1ms'],
      'names replica-3, but a step runs only 2 replicas',
    ],
    [[...TARGET, '--netns'], '--netns: starts a local cluster in network'],
    [
      ['--netns', '--link-delay', 'redis=5ms', '--link-jitter', 'redis=10ms'],
      "redis's jitter of 10 ms exceeds its --link-delay of 5 ms",
    ],
    [['--netns', '--redis-url', 'redis://127.0.0.1:6379'], 'does not apply with --netns'],
  ])('%j is rejected', (argv, message) => {
    expect(usageError(argv)).toContain(message);
  });
});
