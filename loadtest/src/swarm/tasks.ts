/**
 * Reading `docker service ps` output. The driver passes its own --format with `|` between
 * fields and the error last, so an error message containing `|` stays whole.
 */

export const TASK_FORMAT = '{{.ID}}|{{.Name}}|{{.Node}}|{{.CurrentState}}|{{.Error}}';

export interface TaskRow {
  id: string;
  /** Service name and slot, as `chat_chat.2`. */
  name: string;
  node: string;
  /**
   * Swarm task state in lower case: new, pending, assigned, accepted, preparing, ready,
   * starting, running, complete, shutdown, failed, rejected, remove or orphaned.
   */
  state: string;
  /** The task's error, as "no suitable node"; empty when none. */
  error: string;
}

export function parseTaskRows(output: string): TaskRow[] {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [id = '', name = '', node = '', currentState = '', ...rest] = line.split('|');
      // CurrentState reads "Running 5 seconds ago": the state is its first word.
      const state = currentState.trim().split(/\s+/)[0]!.toLowerCase();
      return { id, name, node, state, error: rest.join('|').trim() };
    });
}

/** Describes in one line how many tasks run and which do not yet, for timeout messages. */
export function describeTasks(rows: readonly TaskRow[]): string {
  const running = rows.filter((row) => row.state === 'running').length;
  const others = rows
    .filter((row) => row.state !== 'running')
    .map((row) => `${row.name} ${row.state}${row.error === '' ? '' : ` "${row.error}"`}`);
  return others.length === 0 ? `${running} running` : `${running} running; ${others.join(', ')}`;
}
