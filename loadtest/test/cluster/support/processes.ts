import { readFileSync } from 'node:fs';

/**
 * Whether process `pid` still runs. A zombie (exited, not yet reaped by its parent) counts as
 * gone: it runs no code and holds no port, and in a container its new parent may never reap it.
 */
export function isAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // The state letter follows the command name, which is in brackets and may contain spaces.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}
