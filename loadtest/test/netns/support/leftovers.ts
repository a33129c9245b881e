import { listLinks, listNamespacePids, listNamespaces } from '../../../src/netns/ip-command.ts';
import { linkRunSuffix, namespaceRunSuffix } from '../../../src/netns/names.ts';
import { NetnsUnsupportedError } from '../../../src/netns/requirements.ts';

/** Interfaces and namespaces of run `suffix` that still exist, by name. */
export async function leftoversOf(suffix: string): Promise<string[]> {
  const links = (await listLinks())
    .map((link) => link.ifname)
    .filter((name) => linkRunSuffix(name) === suffix);
  const namespaces = (await listNamespaces()).filter((name) => namespaceRunSuffix(name) === suffix);
  return [...links, ...namespaces];
}

/** Process ids running inside namespace `name`. */
export function pidsIn(name: string): Promise<number[]> {
  return listNamespacePids(name);
}

/** Polls until `check` returns true or `timeoutMs` passes; returns the last result. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) {
      return true;
    }
    if (Date.now() > deadline) {
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Why this machine cannot run the netns tests, or null when it can. Only a missing
 * requirement (not root, no iproute2) skips them; any other error fails the test.
 */
export function unsupportedReason(error: unknown): string | null {
  if (error instanceof NetnsUnsupportedError) {
    return error.message;
  }
  return null;
}
