import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseDurationMs } from '../../src/cli/durations.ts';
import { UsageError } from '../../src/cli/errors.ts';
import { type LoadtestConfig, parseCommand } from '../../src/cli/options.ts';
import { REPORTS_DIR, SCENARIO_DIR } from '../../src/cli/paths.ts';

const NOW = new Date('2025-03-04T05:06:07.890Z');
const CWD = '/tmp/loadtest-cwd';

function parse(argv: string[], env: Record<string, string> = {}): LoadtestConfig {
  const command = parseCommand(argv, { env, now: NOW, cwd: CWD });
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

describe('parseCommand defaults', () => {
  test('no arguments give the documented defaults', () => {
    const config = parse([]);

    expect(config.scenario).toEqual({ name: 'rooms', path: join(SCENARIO_DIR, 'rooms.yml') });
    expect(config.clients).toBe(1_000);
    expect(config.roomSize).toBe(10);
    expect(config.rate).toBe(0.2);
    expect(config.durationMs).toBe(60_000);
    expect(config.rampMs).toBe(10_000);
    expect(config.settleMs).toBe(5_000);
    expect(config.drainMs).toBe(5_000);
    expect(config.replicaCounts).toEqual([2]);
    expect(config.repeat).toBe(1);
    expect(config.adapter).toBe('pubsub');
    expect(config.target).toBeNull();
    expect(config.metricsUrls).toEqual([]);
    expect(config.redisUrl).toBeNull();
    expect(config.port).toBeNull();
    expect(config.messageBytes).toBe(64);
    expect(config.gates).toEqual([]);
    expect(config.outDir).toBe(join(REPORTS_DIR, '2025-03-04T05-06-07Z-rooms'));
  });

  test('help flag asks for the usage text', () => {
    expect(parseCommand(['--help'])).toEqual({ help: true });
    expect(parseCommand(['-h', '--clients', 'bad'])).toEqual({ help: true });
  });

  test('REDIS_URL is the local Redis', () => {
    expect(parse([], { REDIS_URL: 'redis://127.0.0.1:6390' }).redisUrl).toBe(
      'redis://127.0.0.1:6390',
    );
  });

  test('REDIS_URL is ignored with a target', () => {
    const config = parse(['--target', 'http://127.0.0.1:9000'], {
      REDIS_URL: 'redis://127.0.0.1:6390',
    });
    expect(config.redisUrl).toBeNull();
  });
});

describe('parseCommand values', () => {
  test('every flag reaches the configuration', () => {
    const config = parse([
      '--scenario=broadcast',
      '--clients=500',
      '--room-size=50',
      '--rate=0.5',
      '--duration=5m',
      '--ramp=30s',
      '--settle=1m30s',
      '--drain=2500ms',
      '--replicas=1,2,4',
      '--repeat=3',
      '--adapter=streams',
      '--redis-url=redis://127.0.0.1:7000',
      '--port=8080',
      '--out=runs/a',
      '--message-bytes=256',
      '--fail-on=cross.p99<50',
      '--fail-on',
      'lost==0',
      '--generator-id=gen-2',
    ]);

    expect(config.scenario.name).toBe('broadcast');
    expect(config.clients).toBe(500);
    expect(config.roomSize).toBe(50);
    expect(config.rate).toBe(0.5);
    expect(config.durationMs).toBe(300_000);
    expect(config.rampMs).toBe(30_000);
    expect(config.settleMs).toBe(90_000);
    expect(config.drainMs).toBe(2_500);
    expect(config.replicaCounts).toEqual([1, 2, 4]);
    expect(config.repeat).toBe(3);
    expect(config.adapter).toBe('streams');
    expect(config.redisUrl).toBe('redis://127.0.0.1:7000');
    expect(config.port).toBe(8080);
    expect(config.outDir).toBe(join(CWD, 'runs/a'));
    expect(config.messageBytes).toBe(256);
    expect(config.gates.map((gate) => gate.expression)).toEqual(['cross.p99<50', 'lost==0']);
    expect(config.generatorId).toBe('gen-2');
  });

  test('target takes its replica count from --replicas', () => {
    const config = parse(['--target', 'http://127.0.0.1:9000/', '--replicas', '3']);
    expect(config.target).toBe('http://127.0.0.1:9000');
    expect(config.replicaCounts).toEqual([3]);
  });

  test('target counts replicas from --metrics', () => {
    const config = parse([
      '--target',
      'http://127.0.0.1:9000',
      '--metrics',
      'http://127.0.0.1:9001/metrics, http://127.0.0.1:9002/metrics',
    ]);
    expect(config.metricsUrls).toEqual([
      'http://127.0.0.1:9001/metrics',
      'http://127.0.0.1:9002/metrics',
    ]);
    expect(config.replicaCounts).toEqual([2]);
  });

  test('scenario path resolves from the working folder', () => {
    const path = join(SCENARIO_DIR, 'churn.yml');
    expect(parse(['--scenario', path]).scenario).toEqual({ name: 'churn', path });
    expect(parse(['--scenario', path]).outDir).toBe(
      join(REPORTS_DIR, '2025-03-04T05-06-07Z-churn'),
    );
  });

  test.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['250ms', 250],
    ['1.5s', 1_500],
  ])('duration %s is %i ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  test.each(['', 's', '5x', '-1s', '1m 30s', '1.5.2s'])('duration "%s" is invalid', (text) => {
    expect(parseDurationMs(text)).toBeNull();
  });
});

describe('parseCommand errors', () => {
  test.each([
    [['--clients', 'many'], 'invalid --clients "many": expected a whole number from 2 to 100000'],
    [['--clients', '1'], 'invalid --clients "1": expected a whole number from 2 to 100000'],
    [['--clients', '100001'], 'expected a whole number from 2 to 100000'],
    [['--room-size', '1'], 'invalid --room-size "1": expected a whole number from 2'],
    [['--clients', '20', '--room-size', '30'], 'invalid --room-size "30": expected at most'],
    [['--rate=-1'], 'invalid --rate "-1": expected a number from 0 to 1000'],
    [['--rate', '1001'], 'invalid --rate "1001": expected a number from 0 to 1000'],
    [['--duration', 'soon'], 'invalid --duration "soon": expected a duration such as 30s'],
    [['--duration', '500ms'], 'invalid --duration "500ms": expected a duration'],
    [['--ramp', '2.5s'], 'invalid --ramp "2.5s": expected a whole number of seconds'],
    [['--ramp', '0s'], 'invalid --ramp "0s"'],
    [['--settle', 'x'], 'invalid --settle "x"'],
    [['--drain=-5s'], 'invalid --drain "-5s"'],
    [['--replicas', '0'], 'invalid --replicas "0": expected a replica count from 1 to 32'],
    [['--replicas', '1,,2'], 'invalid --replicas "1,,2"'],
    [['--replicas', '33'], 'invalid --replicas "33"'],
    [['--repeat', '0'], 'invalid --repeat "0": expected a whole number from 1 to 100'],
    [['--adapter', 'kafka'], 'invalid --adapter "kafka": expected one of pubsub, sharded, streams'],
    [['--target', 'ftp://host'], 'invalid --target "ftp://host": expected an http:// or https://'],
    [['--target', 'localhost'], 'invalid --target "localhost"'],
    [['--redis-url', 'http://x'], 'invalid --redis-url "http://x": expected redis://HOST:PORT'],
    [['--port', '70000'], 'invalid --port "70000": expected a whole number from 1 to 65535'],
    [['--message-bytes', 'big'], 'invalid --message-bytes "big"'],
    [['--generator-id', 'has space'], 'invalid --generator-id "has space"'],
    [['--fail-on', 'nonsense'], '--fail-on: invalid gate "nonsense"'],
    [['--scenario', 'missing'], 'invalid --scenario "missing": no bundled scenario has that name'],
    [['--scenario', './none.yml'], 'invalid --scenario "./none.yml": the file'],
    [['--metrics', 'http://127.0.0.1:1/metrics'], 'invalid --metrics'],
    [['--unknown'], "Unknown option '--unknown'"],
    [['--clients'], "Option '--clients <value>' argument missing"],
    [['positional'], 'Unexpected argument'],
  ])('%j is rejected', (argv, message) => {
    expect(usageError(argv)).toContain(message);
  });

  test('target rejects a sweep', () => {
    const message = usageError(['--target', 'http://127.0.0.1:9000', '--replicas', '1,2']);
    expect(message).toContain(
      'invalid --replicas "1,2": a sweep against --target needs --swarm-service',
    );
  });

  test('target rejects a local port', () => {
    const message = usageError(['--target', 'http://127.0.0.1:9000', '--port', '3000']);
    expect(message).toContain('invalid --port "3000"');
  });

  test('every invalid flag is listed at once', () => {
    const message = usageError(['--clients', 'x', '--rate', 'y', '--adapter', 'z']);
    expect(message.split('\n')).toHaveLength(3);
    expect(message).toContain('--clients');
    expect(message).toContain('--rate');
    expect(message).toContain('--adapter');
  });

  test('invalid REDIS_URL names the variable', () => {
    expect(usageError([], { REDIS_URL: 'localhost:6379' })).toContain(
      'invalid REDIS_URL "localhost:6379"',
    );
  });
});
