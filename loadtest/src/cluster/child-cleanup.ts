/**
 * One process-wide safety net for the processes the local cluster starts: when this process
 * exits, or dies of SIGINT, SIGTERM or SIGHUP, every tracked child still alive gets SIGKILL.
 * The hooks are installed once however many clusters (or tests) track children.
 *
 * NOTE: a SIGKILL of this process runs no code, so children started before it keep running.
 */
import type { ChildProcess } from 'node:child_process';

const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const alive = new Set<ChildProcess>();
let installed = false;

/** Tracks `child` until it exits, so that it is killed if this process ends first. */
export function trackChild(child: ChildProcess): void {
  installHooks();
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }

  alive.add(child);
  child.once('exit', () => alive.delete(child));
}

/** Number of tracked children still alive. */
export function trackedChildCount(): number {
  return alive.size;
}

/** Sends SIGKILL to every tracked child still alive. Synchronous, so it can run on 'exit'. */
export function killTrackedChildren(): void {
  for (const child of alive) {
    child.kill('SIGKILL');
  }
  alive.clear();
}

function installHooks(): void {
  if (installed) {
    return;
  }
  installed = true;

  process.on('exit', killTrackedChildren);
  for (const signal of CLEANUP_SIGNALS) {
    process.on(signal, onSignal);
  }
}

/**
 * Kills the children and raises the signal again without our hooks, so the process ends as
 * it would have without them. A program with its own listener for the signal (the loadtest
 * CLI stops its step and the cluster on Ctrl-C) keeps control instead, and its children are
 * killed on 'exit'.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) {
    return;
  }

  killTrackedChildren();
  for (const other of CLEANUP_SIGNALS) {
    process.off(other, onSignal);
  }
  process.kill(process.pid, signal);
}
