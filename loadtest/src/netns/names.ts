/**
 * Names of everything one netns run creates. Each carries the prefix `csb` (chat-scale-bench)
 * and a random run suffix, so parallel runs never collide and leftovers of a run can be found
 * and removed by name. Linux limits interface names to 15 characters (IFNAMSIZ - 1).
 */
import { randomInt } from 'node:crypto';

export const NAME_PREFIX = 'csb';

const SUFFIX_LENGTH = 6;
const SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const MAX_INTERFACE_NAME = 15;

/** Interface names in the root namespace: the bridge (`csb<suffix>br`) and veth ends. */
const LINK_PATTERN = /^csb([a-z0-9]{6})(br|h\d+)$/;
/** Namespace names: `csb-<suffix>-<host>`. */
const NAMESPACE_PATTERN = /^csb-([a-z0-9]{6})-([a-z0-9-]+)$/;

/** Per-run random part of every name, 6 lowercase letters or digits. */
export type RunSuffix = string;

export function newRunSuffix(): RunSuffix {
  let suffix = '';
  for (let index = 0; index < SUFFIX_LENGTH; index += 1) {
    suffix += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  }
  return suffix;
}

/** The names of one run. Host `index` is 0 for the first host, 1 for the next, and so on. */
export class RunNames {
  readonly suffix: RunSuffix;

  constructor(suffix: RunSuffix) {
    if (!/^[a-z0-9]{6}$/.test(suffix)) {
      throw new RangeError(`a run suffix is 6 lowercase letters or digits, got "${suffix}"`);
    }
    this.suffix = suffix;
  }

  get bridge(): string {
    return `${NAME_PREFIX}${this.suffix}br`;
  }

  namespace(host: string): string {
    return `${NAME_PREFIX}-${this.suffix}-${host}`;
  }

  /** Returns the name of the veth end in the root namespace, attached to the bridge. */
  hostVeth(index: number): string {
    return checkLength(`${NAME_PREFIX}${this.suffix}h${index}`);
  }

  /** Returns the name of the veth end inside the host's namespace. */
  namespaceVeth(index: number): string {
    return checkLength(`${NAME_PREFIX}${this.suffix}n${index}`);
  }
}

/** Returns the run suffix of a root-namespace interface we created, or null. */
export function linkRunSuffix(interfaceName: string): RunSuffix | null {
  return LINK_PATTERN.exec(interfaceName)?.[1] ?? null;
}

/** Returns the run suffix of a namespace we created, or null. */
export function namespaceRunSuffix(namespaceName: string): RunSuffix | null {
  return NAMESPACE_PATTERN.exec(namespaceName)?.[1] ?? null;
}

/** Checks a host name, which becomes part of a namespace name. */
export function checkHostName(host: string): void {
  if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(host)) {
    throw new RangeError(
      `host name "${host}" is invalid: use 1-32 lowercase letters, digits or "-", ` +
        'starting with a letter or digit',
    );
  }
}

function checkLength(name: string): string {
  if (name.length > MAX_INTERFACE_NAME) {
    throw new RangeError(
      `interface name "${name}" is longer than Linux allows (${MAX_INTERFACE_NAME} characters); ` +
        'use fewer hosts',
    );
  }
  return name;
}
