import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Characters of recent output kept for error messages. */
const TAIL_CHARS = 8_000;

/** pino's numeric levels, so that our own lines read like the server's. */
export const LOG_LEVEL = { info: 30, warn: 40, error: 50 } as const;

/**
 * The output of one replica across its restarts: appended to a log file when one is given,
 * and the last few thousand characters kept in memory for error messages.
 */
export class ReplicaOutput {
  private readonly replicaId: string;
  private readonly logFile: string | undefined;
  private log: WriteStream | null = null;
  private tail = '';

  constructor(replicaId: string, logFile: string | undefined) {
    this.replicaId = replicaId;
    this.logFile = logFile;
  }

  /** Opens the log file for appending, creating its folder; does nothing without a file. */
  async open(): Promise<void> {
    if (this.logFile === undefined || this.log !== null) {
      return;
    }
    await mkdir(dirname(this.logFile), { recursive: true });
    this.log = createWriteStream(this.logFile, { flags: 'a' });
  }

  /** Flushes and closes the log file. Output arriving later is kept in memory only. */
  async close(): Promise<void> {
    const log = this.log;
    this.log = null;
    if (log !== null) {
      await new Promise<void>((done) => log.end(done));
    }
  }

  /** Records a chunk of the server's stdout or stderr. */
  record(chunk: Buffer): void {
    this.keep(chunk.toString());
    this.log?.write(chunk);
  }

  /** Records a line of our own as JSON in the server's pino format, so the file stays one format. */
  note(level: number, msg: string): void {
    const line = `${JSON.stringify({ level, time: Date.now(), replica: this.replicaId, msg })}\n`;
    this.keep(line);
    this.log?.write(line);
  }

  /** Returns the last `lines` lines of output, or '' when there was none. */
  recent(lines = 8): string {
    return this.tail.trimEnd().split('\n').slice(-lines).join('\n');
  }

  private keep(text: string): void {
    this.tail = (this.tail + text).slice(-TAIL_CHARS);
  }
}
