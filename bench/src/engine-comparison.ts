/**
 * Comparison of what two Socket.IO engines cost the load generator at the same load: the
 * socketio-v3 engine the scenarios use, and Artillery's built-in `socketio` engine (through
 * the variant scenario in bench/scenarios), on generator CPU per delivery and RSS.
 */
import type { CapacityStep, Engine } from './capacity-step.ts';

export interface EngineComparison {
  clients: number;
  v3: CapacityStep;
  /** The built-in engine's step; null when it did not run. */
  builtin: CapacityStep | null;
  /** Reason the built-in engine has no figures; null when it ran. */
  builtinProblem: string | null;
  /** Engine whose generator used clearly less CPU per delivery; null when none did. */
  cheaperCpu: Engine | null;
  /** Engine whose generator process had a clearly smaller RSS; null when none did. */
  cheaperMemory: Engine | null;
  /** Built-in over v3: CPU per delivery and RSS. Above 1 means the built-in costs more. */
  cpuRatio: number | null;
  rssRatio: number | null;
  /** Sentences naming the engine that costs the generator less, with the figures. */
  verdict: string;
  notes: string[];
}

/**
 * Differences below this share count as no difference: one run of each engine on a shared
 * 2-core host varies by a few percent from run to run (an estimate, not a measured bound).
 */
export const NOISE_SHARE = 0.05;

const NOTES = [
  'Generator CPU is that of the busiest load-generator thread over the measure window, and ' +
    'RSS that of the whole Artillery process at the end of the step.',
  'With the built-in engine the socket is open before the processor runs, so its connect ' +
    'latency covers only the join; connect figures of the two engines are not comparable.',
  'The built-in engine also counts every incoming packet through a wildcard listener, part of what it costs.',
];

export function compareEngines(
  v3: CapacityStep,
  builtin: CapacityStep | null,
  builtinProblem: string | null,
): EngineComparison {
  const comparison: EngineComparison = {
    clients: v3.clients,
    v3,
    builtin,
    builtinProblem,
    cheaperCpu: null,
    cheaperMemory: null,
    cpuRatio: null,
    rssRatio: null,
    verdict: `not compared: the built-in socketio engine did not run (${builtinProblem ?? 'no reason given'})`,
    notes: [...NOTES],
  };
  if (builtin === null) {
    return comparison;
  }

  const cpu = compareCost(
    'generator CPU per delivery',
    v3.generator.cpuMicrosecondsPerDelivery,
    builtin.generator.cpuMicrosecondsPerDelivery,
    ' µs',
  );
  const memory = compareCost(
    'generator RSS',
    v3.generator.rssBytes / 1e6,
    builtin.generator.rssBytes / 1e6,
    ' MB',
  );
  comparison.cpuRatio = cpu.ratio;
  comparison.cheaperCpu = cpu.cheaper;
  comparison.rssRatio = memory.ratio;
  comparison.cheaperMemory = memory.cheaper;
  comparison.verdict = `${cpu.sentence} ${memory.sentence}`;
  if (!v3.valid) {
    comparison.notes.push(
      `The socketio-v3 step was not valid (${v3.reasons.join('; ')}); no step was valid, so ` +
        'the comparison runs at the first step.',
    );
  }
  if (!builtin.valid) {
    comparison.notes.push(
      `The built-in engine's step was not valid (${builtin.reasons.join('; ')}), so its ` +
        'figures are of a step that did not carry the full load.',
    );
  }
  return comparison;
}

interface CostComparison {
  ratio: number | null;
  cheaper: Engine | null;
  sentence: string;
}

/** Compares one cost of the two engines; a difference under NOISE_SHARE names neither. */
export function compareCost(
  name: string,
  v3: number,
  builtin: number,
  unit: string,
): CostComparison {
  const figures = `socketio-v3 ${round(v3)}${unit}, built-in socketio ${round(builtin)}${unit}`;
  if (!(v3 > 0) || !(builtin > 0)) {
    return { ratio: null, cheaper: null, sentence: `${name}: not comparable (${figures}).` };
  }

  const ratio = round(builtin / v3);
  const share = Math.abs(builtin / v3 - 1);
  if (share < NOISE_SHARE) {
    const sentence =
      `${name}: no clear difference (${figures}, within ${NOISE_SHARE * 100} %, which ` +
      'one run of each on a shared host does not resolve).';
    return { ratio, cheaper: null, sentence };
  }
  const cheaper: Engine = builtin < v3 ? 'socketio' : 'socketio-v3';
  const percent = Math.round(share * 100);
  return {
    ratio,
    cheaper,
    sentence: `${name}: ${cheaper} costs the generator less, by ${percent} % (${figures}).`,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
