/** The sentences at the top of every report: validity, noise, baseline and gate outcomes. */
import { formatMs, formatPercentChange, replicaCount } from './format.ts';
import { describeCheck } from './gates.ts';
import { PERCENTILE_LABELS } from './percentiles.ts';
import type { ReportData } from './report-data.ts';

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
    return { level: 'ok', text: `All ${steps} steps are valid.`, details: [] };
  }

  const details = data.steps
    .filter((step) => !step.valid)
    .map(
      (step) =>
        `Step ${step.index} (${replicaCount(step.replicas)}, repeat ${step.repeat}): ` +
        step.reasons.join('; '),
    );
  return {
    level: 'fail',
    text:
      `${invalid} of ${steps} steps are INVALID: the load generator passed a limit, so ` +
      'their figures may describe the generator rather than the servers.',
    details,
  };
}

function incompleteFinding(data: ReportData): Finding {
  const incomplete = data.steps.filter((step) => !step.complete);
  return {
    level: 'warn',
    text: `${incomplete.length} steps ended early; their figures are partial.`,
    details: incomplete.map((step) => `Step ${step.index} (${replicaCount(step.replicas)})`),
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
      `Steps were repeated, and ${findings.length} of ${compared} latency differences between ` +
      'neighbouring replica counts are smaller than the spread between repeats. Those ' +
      'differences are noise, not an effect of the replica count.',
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
  const compared = `${baseline.steps.length} matching steps compared with ${baseline.baselineId}`;
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
    text: `${baseline.regressions} REGRESSIONS: ${compared}.`,
    details: [...regressions, ...unmatched],
  };
}

function gatesFinding(data: ReportData): Finding {
  const checks = data.gates!;
  const failed = checks.filter((check) => check.outcome === 'fail');
  const gates = new Set(checks.map((check) => check.gate.expression)).size;
  if (failed.length === 0) {
    return { level: 'ok', text: `All ${gates} SLO gates passed on every step.`, details: [] };
  }
  return {
    level: 'fail',
    text: `${failed.length} SLO gate checks FAILED (${gates} gates on ${data.steps.length} steps).`,
    details: failed.map(describeCheck),
  };
}
