import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/cli/paths.ts';
import { buildReport } from '../../src/report/build.ts';
import { invocationDir, parseReportArgs, UsageError } from '../../src/report/command.ts';
import { ReportOptionError } from '../../src/report/options.ts';
import {
  copyFixture,
  markdownTable,
  readRunInfo,
  readSummary,
  runReportCommand as report,
} from './run-fixtures.ts';

const CWD = '/work/reports/sub';

function parse(argv: string[]) {
  return parseReportArgs(argv, CWD);
}

describe('report paths', () => {
  it('resolve RUN_DIR and --baseline from cwd', () => {
    const command = parse(['../r1', '--baseline', 'base'])!;

    expect(command.runDir).toBe('/work/reports/r1');
    expect(command.options.baselineDir).toBe('/work/reports/sub/base');
  });

  it('resolve --merge OUT_DIR and inputs from cwd', () => {
    const command = parse(['--merge', 'out', 'gen-1', '/abs/gen-2'])!;

    expect(command.runDir).toBe('/work/reports/sub/out');
    expect(command.mergeFrom).toEqual(['/work/reports/sub/gen-1', '/abs/gen-2']);
  });

  it('start from INIT_CWD, else the process cwd', () => {
    expect(invocationDir({ INIT_CWD: '/from/npm' })).toBe('/from/npm');
    expect(invocationDir({})).toBe(process.cwd());
  });

  it('follow INIT_CWD when npm runs from the project root', async () => {
    const dir = copyFixture('sweep');

    const result = await report(['sweep'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, INIT_CWD: dirname(dir) },
    });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`wrote ${join(dir, 'report.md')}`);
    expect(existsSync(join(dir, 'report.md'))).toBe(true);
  });
});

describe('report option checks', () => {
  it.each([
    ['--throughput-regression-percent', '200', 'expected a number from 0 to 100'],
    ['--throughput-regression-percent', '-1', 'expected a number from 0 to 100'],
    ['--lost-regression', '1.5', 'expected a whole number of 0 or more'],
    ['--latency-regression-ms', 'abc', 'expected a number of 0 or more'],
    ['--latency-regression-percent', '', 'expected a number of 0 or more'],
  ])('rejects %s %j', (flag, value, expected) => {
    // The `=` form, because parseArgs takes a separate "-1" for an option of its own.
    const argv = ['run', '--baseline', 'base', `${flag}=${value}`];

    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(`invalid ${flag} "${value}": ${expected}`);
  });

  it('accepts thresholds at the edges', () => {
    const command = parse([
      'run',
      '--baseline',
      'base',
      '--throughput-regression-percent',
      '100',
      '--lost-regression',
      '2',
      '--latency-regression-percent',
      '250',
    ])!;

    expect(command.options.thresholds).toEqual({
      throughputDropPercent: 100,
      lostIncrease: 2,
      latencyPercent: 250,
    });
  });

  it('rejects comparison flags without --baseline', () => {
    expect(() => parse(['run', '--fail-on-regression'])).toThrow(
      '--fail-on-regression applies only to a comparison: add --baseline DIR',
    );
    expect(() => parse(['run', '--fail-on-regression', '--lost-regression', '1'])).toThrow(
      '--fail-on-regression, --lost-regression apply only to a comparison',
    );
  });

  it('rejects an invalid threshold passed from code', async () => {
    const building = buildReport(copyFixture('sweep'), { thresholds: { lostIncrease: 1.5 } });

    await expect(building).rejects.toBeInstanceOf(ReportOptionError);
    await expect(building).rejects.toThrow('lostIncrease=1.5: expected a whole number');
  });

  it('takes -h as --help', () => {
    expect(parse(['-h'])).toBeNull();
    expect(parse(['--help'])).toBeNull();
  });

  it('names an unknown option with balanced quotes', () => {
    let message = '';
    try {
      parse(['run', '--bogus']);
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      message = (error as Error).message;
    }

    expect(message).toBe(
      "unknown option '--bogus'. The options are listed below. A RUN_DIR that starts with " +
        "'-' goes after '--', as in: npm run report -- -- --bogus",
    );
    expect(message.split("'").length % 2).toBe(1);
    expect(message.split('"').length % 2).toBe(1);
  });
});

describe('gates recorded in run.json', () => {
  function runWithRecordedGates(failOn: string[]): string {
    const dir = copyFixture('sweep');
    const run = readRunInfo(dir) as { parameters: { failOn: string[] } };
    run.parameters.failOn = failOn;
    writeFileSync(join(dir, 'run.json'), JSON.stringify(run));
    return dir;
  }

  it('apply when no --fail-on is given', async () => {
    const dir = runWithRecordedGates(['valid==true']);

    const result = await report([dir]);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'checking the 1 --fail-on gate recorded in run.json: valid==true ' +
        '(any --fail-on replaces them)',
    );
    expect(result.stdout).toMatch(/gate failed: step \d+ \(.*\): valid = false/);
    const markdown = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(markdownTable(markdown, 'SLO gates').map((row) => row[0])).toEqual(
      readSummary(dir).steps.map(() => 'valid==true'),
    );
  });

  it('are replaced by an explicit --fail-on', async () => {
    const dir = runWithRecordedGates(['valid==true']);

    const result = await report([dir, '--fail-on', 'lost==0']);

    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('recorded in run.json');
    const markdown = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(markdownTable(markdown, 'SLO gates').map((row) => row[0])).toEqual(
      readSummary(dir).steps.map(() => 'lost==0'),
    );
  });

  it('are left out when the run recorded none', async () => {
    const dir = copyFixture('sweep');
    expect(readRunInfo(dir).parameters).toMatchObject({ failOn: [] });

    const result = await report([dir]);

    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('recorded in run.json');
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).not.toContain('## SLO gates');
  });

  it('exit 2 naming run.json when one no longer parses', async () => {
    const dir = runWithRecordedGates(['latency<5']);

    const result = await report([dir]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${join(dir, 'run.json')} records --fail-on "latency<5", which is no longer valid`,
    );
  });
});
