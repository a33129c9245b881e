/**
 * SLO gates: `FIELD OPERATOR VALUE` expressions checked against every step of a run.
 *
 * Grammar (spaces around the operator are allowed):
 *   gate     = field operator value
 *   field    = a name from GATE_FIELDS, such as cross.p99, lost, throughput or valid
 *   operator = "<" | "<=" | ">" | ">=" | "==" | "!="
 *   value    = a decimal number for number fields, "true" or "false" for boolean ones
 * `p99.9` is accepted as another spelling of `p999`. Latencies are in milliseconds.
 */

import type { StepSummary, Summary } from '../results/summary.ts';
import { replicaCount, stepNumber } from './format.ts';
import { GATE_FIELD_HELP, GATE_FIELDS, type GateValue } from './gate-fields.ts';

export const GATE_OPERATORS = ['<=', '>=', '==', '!=', '<', '>'] as const;

export type GateOperator = (typeof GATE_OPERATORS)[number];

export interface Gate {
  /** The expression as given, trimmed. */
  expression: string;
  field: string;
  operator: GateOperator;
  threshold: GateValue;
}

export interface GateCheck {
  gate: Gate;
  step: { index: number; replicas: number; repeat: number };
  /** The step's figure; null when the step has nothing to test. */
  value: GateValue | null;
  outcome: 'pass' | 'fail' | 'skip';
}

export interface GateEvaluation {
  passed: boolean;
  checks: GateCheck[];
  failures: GateCheck[];
}

export class GateSyntaxError extends Error {
  override name = 'GateSyntaxError';
}

const GATE_PATTERN = /^([A-Za-z][A-Za-z0-9.]*)\s*(<=|>=|==|!=|<|>)\s*(\S+)$/;
const NUMBER_PATTERN = /^-?(\d+(\.\d*)?|\.\d+)$/;

export function parseGate(expression: string): Gate {
  const text = expression.trim();
  const match = GATE_PATTERN.exec(text);
  if (match === null) {
    throw syntaxError(expression, 'it is not of the form FIELD OPERATOR VALUE');
  }

  const field = match[1]!.replace(/\.p99\.9$/, '.p999');
  const operator = match[2] as GateOperator;
  const definition = GATE_FIELDS.get(field);
  if (definition === undefined) {
    throw syntaxError(expression, `"${match[1]}" is not a known field`);
  }

  const threshold = parseThreshold(match[3]!, definition.type);
  if (threshold === null) {
    const expected = definition.type === 'number' ? 'a number' : 'true or false';
    throw syntaxError(expression, `"${match[3]}" is not ${expected}, as ${field} requires`);
  }
  if (definition.type === 'boolean' && operator !== '==' && operator !== '!=') {
    throw syntaxError(expression, `${field} is true or false, so only == and != apply`);
  }
  return { expression: text, field, operator, threshold };
}

function parseThreshold(text: string, type: 'number' | 'boolean'): GateValue | null {
  if (type === 'boolean') {
    if (text === 'true' || text === 'false') {
      return text === 'true';
    }
    return null;
  }
  return NUMBER_PATTERN.test(text) ? Number(text) : null;
}

function syntaxError(expression: string, problem: string): GateSyntaxError {
  return new GateSyntaxError(
    `invalid gate "${expression}": ${problem}. ` +
      'Expected FIELD OPERATOR VALUE, as in cross.p99<50, same.p50<=5, lost==0, ' +
      'valid==true or throughput>=900. Operators: < <= > >= == !=. ' +
      `Fields: ${GATE_FIELD_HELP}.`,
  );
}

/** Checks every gate against every step; a step with nothing to test is skipped, not passed. */
export function evaluateGates(gates: readonly Gate[], summary: Summary): GateEvaluation {
  const checks: GateCheck[] = [];
  for (const gate of gates) {
    for (const step of summary.steps) {
      checks.push(checkStep(gate, step));
    }
  }

  const failures = checks.filter((check) => check.outcome === 'fail');
  return { passed: failures.length === 0, checks, failures };
}

function checkStep(gate: Gate, step: StepSummary): GateCheck {
  const value = GATE_FIELDS.get(gate.field)!.read(step);
  const where = { index: step.index, replicas: step.replicas, repeat: step.repeat };
  if (value === null) {
    return { gate, step: where, value, outcome: 'skip' };
  }
  const passed = compare(value, gate.operator, gate.threshold);
  return { gate, step: where, value, outcome: passed ? 'pass' : 'fail' };
}

function compare(value: GateValue, operator: GateOperator, threshold: GateValue): boolean {
  switch (operator) {
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
  }
}

/** Describes a check in one line: the step, its figure, the gate and the outcome. */
export function describeCheck(check: GateCheck): string {
  const { index, replicas, repeat } = check.step;
  const unit = GATE_FIELDS.get(check.gate.field)!.unit;
  const value = check.value === null ? 'no value' : `${formatValue(check.value)} ${unit}`.trim();
  const verdict = { pass: 'passed', fail: 'FAILED', skip: 'skipped, nothing to test' }[
    check.outcome
  ];
  return (
    `step ${stepNumber(index)} (${replicaCount(replicas)}, repeat ${repeat}): ` +
    `${check.gate.field} = ${value}, gate ${check.gate.expression} ${verdict}`
  );
}

function formatValue(value: GateValue): string {
  if (typeof value === 'boolean') {
    return String(value);
  }
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}
