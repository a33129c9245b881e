/**
 * The netns mode's link flags: `--link-delay redis=5ms`, `--link-jitter redis=1ms` and
 * `--link-loss redis=0.5%`, each repeatable, merged into one shaping per host.
 */
import type { LinkShaping } from '../netns/link-shaping.ts';

export const LINK_FLAGS = {
  'link-delay': { field: 'delayMs', unit: 'ms', example: 'redis=5ms', max: 10_000 },
  'link-jitter': { field: 'jitterMs', unit: 'ms', example: 'redis=1ms', max: 10_000 },
  'link-loss': { field: 'lossPercent', unit: '%', example: 'redis=0.5%', max: 100 },
} as const;

export type LinkFlag = keyof typeof LINK_FLAGS;

/** A host of the netns cluster: its Redis, or replica-N. */
const HOST = /^(redis|replica-[1-9]\d*)$/;

/** Error naming the accepted form of a link value. The caller adds the flag name. */
export class LinkFlagError extends Error {
  override name = 'LinkFlagError';
}

/** Parses one `HOST=VALUE` of a link flag into the host and the value in the flag's unit. */
export function parseLinkValue(flag: LinkFlag, entry: string): { host: string; value: number } {
  const { unit, example, max } = LINK_FLAGS[flag];
  const accepted =
    `expected HOST=VALUE such as ${example}, where HOST is redis or replica-N and VALUE ` +
    `is a number from 0 to ${max} in ${unit === '%' ? 'percent' : 'milliseconds'}`;
  const match = /^([^=]+)=(\d+(?:\.\d+)?)(ms|%)?$/.exec(entry.trim());
  if (match === null || !HOST.test(match[1]!) || (match[3] !== undefined && match[3] !== unit)) {
    throw new LinkFlagError(accepted);
  }
  const value = Number(match[2]);
  if (value > max) {
    throw new LinkFlagError(accepted);
  }
  return { host: match[1]!, value };
}

/** Merges the entries of every link flag into one shaping per host. A later entry wins. */
export function collectLinks(
  flags: Partial<Record<LinkFlag, { host: string; value: number }[]>>,
): Record<string, LinkShaping> {
  const links: Record<string, LinkShaping> = {};
  for (const flag of Object.keys(LINK_FLAGS) as LinkFlag[]) {
    for (const { host, value } of flags[flag] ?? []) {
      links[host] = { ...links[host], [LINK_FLAGS[flag].field]: value };
    }
  }
  return links;
}
