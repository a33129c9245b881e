/** The repeatable `--fault KIND@TIME` flag: parsing each entry and checking it fits the run. */
import { z } from 'zod';
import {
  type FaultSpec,
  FaultSpecError,
  formatFaultSpec,
  parseFaultSpec,
} from '../faults/fault-spec.ts';
import { formatDuration } from './durations.ts';

/** Every `--fault` entry, parsed; an invalid entry becomes an issue naming it. */
export const faultEntries = z.array(z.string()).transform((entries, ctx) =>
  entries.map((entry) => {
    try {
      return parseFaultSpec(entry);
    } catch (error) {
      if (!(error instanceof FaultSpecError)) {
        throw error;
      }
      ctx.issues.push({ code: 'custom', input: entry, message: `"${entry}": ${error.message}` });
      return z.NEVER;
    }
  }),
);

/** The flags a fault depends on, as FLAG_SCHEMA parsed them. */
export interface FaultContext {
  fault: FaultSpec[];
  duration: number;
  target?: string;
  'swarm-service'?: string;
  'redis-url'?: string;
  netns: boolean;
  /** Replica count of every step; undefined when --replicas was not given. */
  replicas?: number[];
}

/** Returns why the faults cannot run with these flags; empty when they can. */
export function faultProblems(flags: FaultContext): string[] {
  const problems: string[] = [];
  for (const spec of flags.fault) {
    if (spec.atMs >= flags.duration) {
      problems.push(
        `${formatFaultSpec(spec)} is outside the measure window of ` +
          `${formatDuration(flags.duration)} (--duration); expected a time from 0s to below it`,
      );
    }
  }
  if (flags.fault.length === 0) {
    return problems;
  }

  if (flags.netns) {
    problems.push('does not apply with --netns: the netns cluster cannot inject faults yet');
  }
  if (flags.target !== undefined && flags['swarm-service'] === undefined) {
    problems.push(
      'with --target needs --swarm-service NAME, because faults reach the deployed tasks ' +
        'through the docker CLI',
    );
  }
  const killsReplica = flags.fault.some((spec) => spec.kind === 'kill-replica');
  if (killsReplica && flags.replicas?.includes(1)) {
    // With one replica, Artillery's virtual users fail on their first refused reconnect and
    // never return, so the step would measure the harness giving up, not the recovery.
    problems.push(
      'kill-replica needs at least 2 replicas in every step, so that disconnected clients ' +
        'have a replica to reconnect to; remove 1 from --replicas',
    );
  }
  const restartsRedis = flags.fault.some((spec) => spec.kind === 'restart-redis');
  if (restartsRedis && flags.target === undefined && flags['redis-url'] !== undefined) {
    problems.push(
      'restart-redis restarts the redis-server the loadtest starts itself, so it cannot ' +
        'be used with --redis-url; leave --redis-url out',
    );
  }
  return problems;
}
