/**
 * Removal of everything a netns run created: the processes inside its namespaces, its veth
 * pairs, its bridge and its namespaces. Used by the topology's destroy(), by the watchdog
 * after the owner dies, and by cleanupStale() for leftovers of runs whose owner is gone.
 */
import { readFileSync } from 'node:fs';
import {
  listLinks,
  listNamespacePids,
  listNamespaces,
  runIpIgnoringMissing,
} from './ip-command.ts';
import { linkRunSuffix, namespaceRunSuffix, RunNames, type RunSuffix } from './names.ts';

const ALIAS_PATTERN = /^chat-scale-bench netns run, owner pid (\d+) started (\d+)$/;

export interface RunOwner {
  pid: number;
  /** Start time of the process in clock ticks after boot (/proc/PID/stat field 22). */
  startTicks: number;
}

/** Returns this process as the owner of the runs it creates, for the bridge alias. */
export function currentOwner(): RunOwner {
  return { pid: process.pid, startTicks: processStartTicks(process.pid) ?? 0 };
}

/** Formats the bridge alias that records the owner of a run. */
export function ownerAlias(owner: RunOwner): string {
  return `chat-scale-bench netns run, owner pid ${owner.pid} started ${owner.startTicks}`;
}

/**
 * Removes everything of run `suffix` that still exists. Each step ignores objects that are
 * already gone, so two cleanups of the same run may overlap.
 */
export async function teardownRun(suffix: RunSuffix): Promise<void> {
  const names = new RunNames(suffix);
  const namespaces = (await listNamespaces()).filter((name) => namespaceRunSuffix(name) === suffix);

  await killNamespaceProcesses(namespaces);

  // Veths go before the namespaces: a deleted namespace frees its interfaces only later, in
  // the background, while deleting either veth end removes the pair at once.
  const links = (await listLinks()).filter((link) => linkRunSuffix(link.ifname) === suffix);
  for (const link of links) {
    if (link.ifname !== names.bridge) {
      await runIpIgnoringMissing('ip', ['link', 'del', link.ifname]);
    }
  }
  await runIpIgnoringMissing('ip', ['link', 'del', names.bridge]);

  for (const namespace of namespaces) {
    await runIpIgnoringMissing('ip', ['netns', 'del', namespace]);
  }
}

/**
 * Removes what earlier runs left behind: every run whose bridge is gone or whose owner
 * process no longer runs. Runs of live processes, e.g. a parallel test, are kept. Returns the
 * suffixes of the runs removed.
 *
 * NOTE: owners are judged by process id and start time in this process's pid namespace, so a
 * run owned by a process in another pid namespace sharing this network namespace looks stale.
 */
export async function cleanupStale(): Promise<RunSuffix[]> {
  const [links, namespaces] = await Promise.all([listLinks(), listNamespaces()]);
  const suffixes = new Set<RunSuffix>();
  const owners = new Map<RunSuffix, RunOwner | null>();

  for (const link of links) {
    const suffix = linkRunSuffix(link.ifname);
    if (suffix === null) {
      continue;
    }
    suffixes.add(suffix);
    if (link.ifname === new RunNames(suffix).bridge) {
      owners.set(suffix, parseOwnerAlias(link.ifalias ?? ''));
    }
  }
  for (const namespace of namespaces) {
    const suffix = namespaceRunSuffix(namespace);
    if (suffix !== null) {
      suffixes.add(suffix);
    }
  }

  const stale = [...suffixes].filter((suffix) => !isOwnerAlive(owners.get(suffix) ?? null));
  for (const suffix of stale) {
    await teardownRun(suffix);
  }
  return stale;
}

export function parseOwnerAlias(alias: string): RunOwner | null {
  const match = ALIAS_PATTERN.exec(alias);
  if (match === null) {
    return null;
  }
  return { pid: Number(match[1]), startTicks: Number(match[2]) };
}

async function killNamespaceProcesses(namespaces: string[]): Promise<void> {
  for (const namespace of namespaces) {
    let pids: number[];
    try {
      pids = await listNamespacePids(namespace);
    } catch {
      // The namespace was deleted since it was listed: nothing runs in it any more.
      continue;
    }
    for (const pid of pids) {
      killQuietly(pid);
    }
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // The process has exited since it was listed.
  }
}

function isOwnerAlive(owner: RunOwner | null): boolean {
  if (owner === null) {
    return false;
  }
  return processStartTicks(owner.pid) === owner.startTicks;
}

/** Start time of a running process in clock ticks after boot, or null when it is gone. */
function processStartTicks(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name, which is in brackets and may contain spaces: field 3
  // (state) is the first, so field 22 (starttime) is at index 19.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') {
    return null;
  }
  return Number(fields[19]);
}
