import { describe, expect, it } from 'vitest';
import { replicaCount } from '../../src/report/format.ts';
import { evaluateGates, GateSyntaxError, parseGate } from '../../src/report/gates.ts';
import {
  copyFixture,
  fixtureDir,
  readSummary,
  runReportCommand as report,
} from './run-fixtures.ts';

describe('parseGate', () => {
  it.each([
    ['cross.p99<50', 'cross.p99', '<', 50],
    ['same.p50<=5', 'same.p50', '<=', 5],
    ['lost==0', 'lost', '==', 0],
    ['valid==true', 'valid', '==', true],
    ['throughput>=900', 'throughput', '>=', 900],
    ['duplicated==0', 'duplicated', '==', 0],
    [' cross.p99.9 < 12.5 ', 'cross.p999', '<', 12.5],
    ['lossPercent<0.1', 'lossPercent', '<', 0.1],
    ['complete!=false', 'complete', '!=', false],
  ])('parses %s', (expression, field, operator, threshold) => {
    const gate = parseGate(expression);

    expect(gate.field).toBe(field);
    expect(gate.operator).toBe(operator);
    expect(gate.threshold).toBe(threshold);
    expect(gate.expression).toBe(expression.trim());
  });

  it.each([
    ['cross.p99', 'it is not of the form FIELD OPERATOR VALUE'],
    ['cross.p99<<50', '"<50" is not a number'],
    ['latency<5', '"latency" is not a known field'],
    ['valid==yes', '"yes" is not true or false'],
    ['valid<true', 'only == and != apply'],
    ['lost==zero', '"zero" is not a number'],
    ['', 'it is not of the form'],
  ])('rejects %j', (expression, problem) => {
    expect(() => parseGate(expression)).toThrow(GateSyntaxError);
    expect(() => parseGate(expression)).toThrow(problem);
    expect(() => parseGate(expression)).toThrow(`invalid gate "${expression}"`);
    expect(() => parseGate(expression)).toThrow('Expected FIELD OPERATOR VALUE');
  });
});

describe('evaluateGates on the sweep fixture', () => {
  const summary = readSummary(fixtureDir('sweep'));

  it('passes a gate every step meets', () => {
    expect(summary.steps.every((step) => step.messages.lost === 0)).toBe(true);

    const result = evaluateGates([parseGate('lost==0')], summary);

    expect(result.passed).toBe(true);
    expect(result.checks).toHaveLength(summary.steps.length);
    expect(result.failures).toEqual([]);
  });

  it('fails the steps that break a gate', () => {
    const invalid = summary.steps.filter((step) => !step.valid).map((step) => step.index);
    expect(invalid.length, 'the sweep fixture has an invalid step').toBeGreaterThan(0);
    expect(invalid.length).toBeLessThan(summary.steps.length);

    const result = evaluateGates([parseGate('valid==true')], summary);

    expect(result.passed).toBe(false);
    expect(result.failures.map((check) => check.step.index)).toEqual(invalid);
    expect(result.failures.map((check) => check.value)).toEqual(invalid.map(() => false));
  });

  it('fails the steps above a latency limit', () => {
    const p50s = summary.steps.map((step) => step.latency.same.p50);
    const limit = median(p50s);

    const result = evaluateGates([parseGate(`same.p50<${limit}`)], summary);

    const over = summary.steps.filter((step) => step.latency.same.p50 >= limit);
    expect(over.length).toBeGreaterThan(0);
    expect(over.length).toBeLessThan(summary.steps.length);
    expect(result.failures.map((check) => check.step.index)).toEqual(
      over.map((step) => step.index),
    );
    expect(result.failures.map((check) => check.value)).toEqual(
      over.map((step) => step.latency.same.p50),
    );
  });

  it('skips cross latency with one replica', () => {
    const result = evaluateGates([parseGate('cross.p99<0.001')], summary);

    const outcomes = result.checks.map((check) => [check.step.replicas, check.outcome]);
    expect(outcomes).toEqual(
      summary.steps.map((step) => [step.replicas, step.replicas === 1 ? 'skip' : 'fail']),
    );
    expect(outcomes.map(([, outcome]) => outcome)).toContain('skip');
    expect(outcomes.map(([, outcome]) => outcome)).toContain('fail');
  });

  it('compares with the step figure', () => {
    const p50 = summary.steps[0]!.latency.same.p50;

    const below = evaluateGates([parseGate(`same.p50<${p50}`)], summary).checks[0]!;
    const atMost = evaluateGates([parseGate(`same.p50<=${p50}`)], summary).checks[0]!;

    expect(below.outcome).toBe('fail');
    expect(atMost.outcome).toBe('pass');
    expect(atMost.value).toBe(p50);
  });
});

describe('npm run report --fail-on', () => {
  it('exits 0 when every gate passes', async () => {
    const dir = copyFixture('sweep');

    const result = await report([dir, '--fail-on', 'lost==0', '--fail-on', 'duplicated==0']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('OK: All 2 SLO gates passed on every step.');
  });

  it('exits 1 naming the failing step and value', async () => {
    const dir = copyFixture('sweep');
    const steps = readSummary(dir).steps;
    const cross = steps.find((step) => step.latency.cross.count > 0)!;
    const invalid = steps.find((step) => !step.valid)!;

    const result = await report([dir, '--fail-on', 'cross.p99<1', '--fail-on', 'valid==true']);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `gate failed: step ${cross.index + 1} (${cross.replicas} replicas, repeat ${cross.repeat}): ` +
        `cross.p99 = ${cross.latency.cross.p99.toFixed(3)} ms, gate cross.p99<1 FAILED`,
    );
    expect(result.stdout).toContain(
      `gate failed: step ${invalid.index + 1} (${replicaCount(invalid.replicas)}, repeat ` +
        `${invalid.repeat}): valid = false, gate valid==true FAILED`,
    );
  });

  it('exits 2 on a malformed expression', async () => {
    const dir = copyFixture('sweep');

    const result = await report([dir, '--fail-on', 'cross.p99 less than 50']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid gate "cross.p99 less than 50"');
    expect(result.stderr).toContain('Operators: < <= > >= == !=');
    expect(result.stderr).toContain('cross.STAT');
  });

  it('exits 1 on a regression with --fail-on-regression', async () => {
    const dir = copyFixture('sweep-regressed');

    const result = await report([dir, '--baseline', fixtureDir('sweep'), '--fail-on-regression']);

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\d+ regressions against the baseline/);
  });

  it('exits 0 with --fail-on-regression when nothing regressed', async () => {
    const dir = copyFixture('sweep');

    const result = await report([dir, '--baseline', fixtureDir('sweep'), '--fail-on-regression']);

    expect(result.code).toBe(0);
  });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
