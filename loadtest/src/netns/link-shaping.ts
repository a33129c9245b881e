/**
 * Shaping of one host's link with the kernel's netem queueing discipline. The same delay,
 * jitter and loss are applied to each direction of the link, so a 5 ms delay on Redis' link
 * delays every packet to Redis and every packet from Redis by 5 ms: 10 ms more round trip.
 */
import { IpCommandError, runIp } from './ip-command.ts';

/** Shaping of one host's link. Every field applies to each direction separately. */
export interface LinkShaping {
  /** One-way delay added to every packet, ms. @default 0 */
  delayMs?: number;
  /** Random variation of the delay, ± ms, uniformly distributed. @default 0 */
  jitterMs?: number;
  /** Share of packets dropped, percent (0-100). @default 0 */
  lossPercent?: number;
}

export type ResolvedShaping = Required<LinkShaping>;

/** The kernel lacks the netem queueing discipline, so links cannot be shaped. */
export class NetemUnavailableError extends Error {
  override name = 'NetemUnavailableError';

  constructor(options?: ErrorOptions) {
    super(
      'the kernel has no netem queueing discipline ("tc qdisc add ... netem" failed with ' +
        '"Specified qdisc kind is unknown"), so link delay, jitter and loss cannot be set. ' +
        'Load it with "modprobe sch_netem", or run on a kernel built with ' +
        'CONFIG_NET_SCH_NETEM; a run with every link unshaped works without it.',
      options,
    );
  }
}

/** Fills in zeros and checks the ranges; throws RangeError naming the invalid field. */
export function resolveShaping(shaping: LinkShaping): ResolvedShaping {
  const resolved = {
    delayMs: shaping.delayMs ?? 0,
    jitterMs: shaping.jitterMs ?? 0,
    lossPercent: shaping.lossPercent ?? 0,
  };

  checkRange('delayMs', resolved.delayMs, 0, 60_000);
  checkRange('jitterMs', resolved.jitterMs, 0, 60_000);
  checkRange('lossPercent', resolved.lossPercent, 0, 100);
  if (resolved.jitterMs > resolved.delayMs) {
    throw new RangeError(
      `jitterMs (${resolved.jitterMs}) must not exceed delayMs (${resolved.delayMs}), ` +
        'because netem cannot send a packet before it was queued',
    );
  }
  return resolved;
}

export function isUnshaped(shaping: ResolvedShaping): boolean {
  return shaping.delayMs === 0 && shaping.jitterMs === 0 && shaping.lossPercent === 0;
}

/** Builds the tc arguments after `netem`, e.g. ['delay', '5ms', '1ms', 'loss', '0.1%']. */
export function netemArguments(shaping: ResolvedShaping): string[] {
  const args = ['delay', `${shaping.delayMs}ms`];
  if (shaping.jitterMs > 0) {
    args.push(`${shaping.jitterMs}ms`);
  }
  if (shaping.lossPercent > 0) {
    args.push('loss', `${shaping.lossPercent}%`);
  }
  return args;
}

/** One end of a link: an interface, inside a namespace or (null) in the root namespace. */
export interface LinkEnd {
  namespace: string | null;
  device: string;
}

/**
 * Sets the egress shaping of one interface: replaces its root qdisc with netem, or removes
 * the root qdisc (back to the kernel default) when the shaping is all zeros.
 */
export async function shapeEgress(end: LinkEnd, shaping: ResolvedShaping): Promise<void> {
  const scope = end.namespace === null ? [] : ['-n', end.namespace];

  if (isUnshaped(shaping)) {
    await removeRootQdisc(scope, end.device);
    return;
  }

  const args = [...scope, 'qdisc', 'replace', 'dev', end.device, 'root', 'netem'];
  try {
    await runIp('tc', [...args, ...netemArguments(shaping)]);
  } catch (error) {
    if (error instanceof IpCommandError && /qdisc kind is unknown/i.test(error.stderr)) {
      throw new NetemUnavailableError({ cause: error });
    }
    throw error;
  }
}

async function removeRootQdisc(scope: string[], device: string): Promise<void> {
  try {
    await runIp('tc', [...scope, 'qdisc', 'del', 'dev', device, 'root']);
  } catch (error) {
    // tc reports "handle of zero" for a device without a root qdisc of its own: it is unshaped.
    const unshaped = error instanceof IpCommandError && /handle of zero/i.test(error.stderr);
    if (!unshaped) {
      throw error;
    }
  }
}

function checkRange(field: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${field} must be a number from ${min} to ${max}, got ${value}`);
  }
}
