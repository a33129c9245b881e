/**
 * Step-by-step comparison of a run with a baseline run. Steps are matched by replica count
 * and repeat number; a step found in only one run is listed, not compared.
 */

import type { StepSummary, Summary } from '../results/summary.ts';
import { type FaultStep, faultSteps } from './fault-report.ts';
import { replicaCount } from './format.ts';
import type { RegressionThresholds } from './options.ts';
import { CHART_PERCENTILES, LATENCY_KINDS, PERCENTILE_LABELS } from './percentiles.ts';

export interface FigureChange {
  /** As in gate expressions: `cross.p99`, `lost`, `throughput`. */
  name: string;
  label: string;
  unit: 'ms' | 'deliveries' | 'deliveries/s';
  baseline: number;
  current: number;
  delta: number;
  /** Change relative to the baseline; null when the baseline figure is 0. */
  percent: number | null;
  regression: boolean;
}

export interface StepComparison {
  replicas: number;
  repeat: number;
  currentIndex: number;
  baselineIndex: number;
  changes: FigureChange[];
  /** True when either step was marked invalid, so its change may be the generator's doing. */
  eitherInvalid: boolean;
}

export interface BaselineComparison {
  baselineDir: string;
  baselineId: string;
  thresholds: RegressionThresholds;
  steps: StepComparison[];
  /** Steps of one run with no step of the same replica count and repeat in the other. */
  onlyInCurrent: string[];
  onlyInBaseline: string[];
  regressions: number;
  /** The baseline's steps that injected faults, for the fault table. */
  faultSteps: FaultStep[];
}

export interface BaselineInput {
  dir: string;
  id: string;
  summary: Summary;
}

export function compareWithBaseline(
  current: Summary,
  baseline: BaselineInput,
  thresholds: RegressionThresholds,
): BaselineComparison {
  const baselineByKey = new Map(baseline.summary.steps.map((step) => [keyOf(step), step]));
  const currentKeys = new Set(current.steps.map(keyOf));
  const steps: StepComparison[] = [];
  for (const step of current.steps) {
    const before = baselineByKey.get(keyOf(step));
    if (before !== undefined) {
      steps.push(compareStep(before, step, thresholds));
    }
  }

  return {
    baselineDir: baseline.dir,
    baselineId: baseline.id,
    thresholds,
    steps,
    onlyInCurrent: current.steps.filter((step) => !baselineByKey.has(keyOf(step))).map(keyOf),
    onlyInBaseline: baseline.summary.steps
      .filter((step) => !currentKeys.has(keyOf(step)))
      .map(keyOf),
    regressions: steps.reduce(
      (total, step) => total + step.changes.filter((change) => change.regression).length,
      0,
    ),
    faultSteps: faultSteps(`baseline ${baseline.id}`, baseline.summary.steps),
  };
}

function keyOf(step: StepSummary): string {
  return `${replicaCount(step.replicas)}, repeat ${step.repeat}`;
}

function compareStep(
  before: StepSummary,
  after: StepSummary,
  thresholds: RegressionThresholds,
): StepComparison {
  const changes: FigureChange[] = [];
  for (const kind of LATENCY_KINDS) {
    // A kind with no deliveries in either run has percentiles of 0, which mean nothing.
    if (before.latency[kind].count === 0 || after.latency[kind].count === 0) {
      continue;
    }
    for (const percentile of CHART_PERCENTILES) {
      const change = figureChange(
        `${kind}.${percentile}`,
        `${kind} ${PERCENTILE_LABELS[percentile]}`,
        'ms',
        before.latency[kind][percentile],
        after.latency[kind][percentile],
      );
      change.regression = latencyRegressed(change, thresholds);
      changes.push(change);
    }
  }

  const lost = figureChange(
    'lost',
    'lost',
    'deliveries',
    before.messages.lost,
    after.messages.lost,
  );
  lost.regression = lost.delta > thresholds.lostIncrease;
  const throughput = figureChange(
    'throughput',
    'throughput',
    'deliveries/s',
    before.throughput,
    after.throughput,
  );
  throughput.regression =
    throughput.percent !== null && throughput.percent < -thresholds.throughputDropPercent;

  return {
    replicas: after.replicas,
    repeat: after.repeat,
    currentIndex: after.index,
    baselineIndex: before.index,
    changes: [...changes, lost, throughput],
    eitherInvalid: !before.valid || !after.valid,
  };
}

function figureChange(
  name: string,
  label: string,
  unit: FigureChange['unit'],
  baseline: number,
  current: number,
): FigureChange {
  const delta = current - baseline;
  const percent = baseline === 0 ? null : (delta / baseline) * 100;
  return { name, label, unit, baseline, current, delta, percent, regression: false };
}

function latencyRegressed(change: FigureChange, thresholds: RegressionThresholds): boolean {
  const enoughMs = change.delta >= thresholds.latencyMs && change.delta > 0;
  const enoughPercent = change.percent === null || change.percent > thresholds.latencyPercent;
  return enoughMs && enoughPercent;
}
