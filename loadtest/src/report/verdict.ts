/** The sentences at the top of every report: validity, noise, baseline and gate outcomes. */
import { countOf, formatMs, formatPercentChange, replicaCount, stepNumber } from './format.ts';
import { describeCheck } from './gates.ts';
import { PERCENTILE_LABELS } from './percentiles.ts';
import type { ReportData, StepReport } from './report-data.ts';

export interface Finding {
  level: 'ok' | 'warn' | 'fail';
  text: string;
  /** Step by step detail, one line each. */
  details: string[];
}

export function reportFindings(data: ReportData): Finding[] {
  const findings = [validityFinding(data)];
  if (data.verdict.incomplete > 0) {
    findings.push(incompleteFinding(data));
  }
  if (data.repeated) {
    findings.push(noiseFinding(data));
  }
  if (data.baseline !== null) {
    findings.push(baselineFinding(data));
  }
  if (data.gates !== null) {
    findings.push(gatesFinding(data));
  }
  return findings;
}

function validityFinding(data: ReportData): Finding {
  const { steps, invalid } = data.verdict;
  if (steps === 0) {
    return { level: 'warn', text: 'The run has no steps: summary.json lists none.', details: [] };
  }
  if (invalid === 0) {
    const text = steps === 1 ? 'The run’s 1 step is valid.' : `All ${steps} steps are valid.`;
    return { level: 'ok', text, details: [] };
  }

  const invalidSteps = data.steps.filter((step) => !step.valid);
  const causes = INVALID_CAUSES.map((cause) => ({
    cause,
    count: invalidSteps.filter((step) => invalidCause(step) === cause).length,
  })).filter(({ count }) => count > 0);
  const details = invalidSteps.map(
    (step) =>
      `Step ${stepNumber(step.index)} (${replicaCount(step.replicas)}, repeat ${step.repeat}): ` +
      step.reasons.join('; '),
  );
  return {
    level: 'fail',
    text: [
      `${invalid} of ${countOf(steps, 'step')} ${invalid === 1 ? 'is' : 'are'} INVALID.`,
      ...causes.map(({ cause, count }) => `${CAUSE_SENTENCES[cause](count)}.`),
    ].join(' '),
    details,
  };
}

/** Causes of an invalid step. A step with several reasons takes the first cause that applies. */
const INVALID_CAUSES = ['interrupted', 'ended early', 'generator limit', 'other'] as const;

type InvalidCause = (typeof INVALID_CAUSES)[number];

// NOTE: reasons are free text, written by loadtest/src/cli/step-watch.ts (interrupted) and
// loadtest/src/measure/aggregate.ts (generator limits). A reworded reason there lands in
// "other" here, which still fails the step but names no cause.
const INTERRUPTED_REASON = /\binterrupted\b/;
const GENERATOR_LIMIT_REASON = /, over the [\d.]+ (ms|%) limit$/;

function invalidCause(step: StepReport): InvalidCause {
  if (!step.complete) {
    const interrupted = step.reasons.some((reason) => INTERRUPTED_REASON.test(reason));
    return interrupted ? 'interrupted' : 'ended early';
  }
  const limit = step.reasons.some((reason) => GENERATOR_LIMIT_REASON.test(reason));
  return limit ? 'generator limit' : 'other';
}

const CAUSE_SENTENCES: Record<InvalidCause, (count: number) => string> = {
  interrupted: (count) =>
    `${count} ended early because the run was interrupted, so ${its(count)} figures are partial`,
  'ended early': (count) => `${count} ended early, so ${its(count)} figures are partial`,
  'generator limit': (count) =>
    `${count} passed a load-generator limit, so ${its(count)} figures may describe the ` +
    'generator rather than the servers',
  other: (count) =>
    `${count} failed another check of the measurement, named in ${its(count)} reasons`,
};

function its(count: number): string {
  return count === 1 ? 'its' : 'their';
}

function incompleteFinding(data: ReportData): Finding {
  const incomplete = data.steps.filter((step) => !step.complete);
  return {
    level: 'warn',
    text:
      `${countOf(incomplete.length, 'step')} ended early, so ${its(incomplete.length)} ` +
      'figures are partial.',
    details: incomplete.map(
      (step) => `Step ${stepNumber(step.index)} (${replicaCount(step.replicas)})`,
    ),
  };
}

function noiseFinding(data: ReportData): Finding {
  const { compared, findings } = data.noise;
  if (findings.length === 0) {
    return {
      level: 'ok',
      text:
        `Steps were repeated. Every one of the ${compared} latency differences between ` +
        'neighbouring replica counts is larger than the spread between repeats.',
      details: [],
    };
  }

  return {
    level: 'warn',
    text:
      `Steps were repeated, and ${findings.length} of ${countOf(compared, 'latency difference')} ` +
      `between neighbouring replica counts ${findings.length === 1 ? 'is' : 'are'} smaller ` +
      'than the spread between repeats. Such differences are noise, not an effect of the ' +
      'replica count.',
    details: findings.map(
      (finding) =>
        `${finding.kind} ${PERCENTILE_LABELS[finding.percentile]}, ` +
        `${finding.fromReplicas} → ${finding.toReplicas} replicas: ` +
        `difference ${formatMs(finding.differenceMs)} ms, spread ${formatMs(finding.spreadMs)} ms`,
    ),
  };
}

function baselineFinding(data: ReportData): Finding {
  const baseline = data.baseline!;
  const unmatched = [
    ...baseline.onlyInCurrent.map((key) => `Only in this run: ${key}`),
    ...baseline.onlyInBaseline.map((key) => `Only in the baseline: ${key}`),
  ];
  const compared = `${countOf(baseline.steps.length, 'matching step')} compared with ${baseline.baselineId}`;
  if (baseline.regressions === 0) {
    return { level: 'ok', text: `No regressions: ${compared}.`, details: unmatched };
  }
  const regressions = baseline.steps.flatMap((step) =>
    step.changes
      .filter((change) => change.regression)
      .map(
        (change) =>
          `${replicaCount(step.replicas)}, repeat ${step.repeat}: ${change.label} ` +
          `${change.baseline.toFixed(3)} → ${change.current.toFixed(3)} ${change.unit} ` +
          `(${formatPercentChange(change.percent)})`,
      ),
  );
  return {
    level: 'fail',
    text: `${countOf(baseline.regressions, 'REGRESSION', 'REGRESSIONS')}: ${compared}.`,
    details: [...regressions, ...unmatched],
  };
}

function gatesFinding(data: ReportData): Finding {
  const checks = data.gates!;
  const failed = checks.filter((check) => check.outcome === 'fail');
  const gates = new Set(checks.map((check) => check.gate.expression)).size;
  if (failed.length === 0) {
    const text =
      gates === 1
        ? 'The 1 SLO gate passed on every step.'
        : `All ${gates} SLO gates passed on every step.`;
    return { level: 'ok', text, details: [] };
  }
  return {
    level: 'fail',
    text:
      `${countOf(failed.length, 'SLO gate check')} FAILED ` +
      `(${countOf(gates, 'gate')} on ${countOf(data.steps.length, 'step')}).`,
    details: failed.map(describeCheck),
  };
}
