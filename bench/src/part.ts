/**
 * The outcome of one part of the bench: its figures, or why it did not run, or how it failed.
 * A part that cannot run says so instead of leaving figures out silently.
 */

export type PartResult<Figures> =
  | { status: 'done'; seconds: number; figures: Figures }
  | { status: 'not run'; reason: string }
  | { status: 'failed'; seconds: number; error: string };

/** Raised by a part that cannot run; the report shows "not run: <message>". */
export class NotRunError extends Error {
  override name = 'NotRunError';
}

/** Runs one part, turning NotRunError into 'not run' and any other error into 'failed'. */
export async function runPart<Figures>(run: () => Promise<Figures>): Promise<PartResult<Figures>> {
  const startedAt = performance.now();
  const seconds = () => Math.round((performance.now() - startedAt) / 100) / 10;
  try {
    const figures = await run();
    return { status: 'done', seconds: seconds(), figures };
  } catch (error) {
    if (error instanceof NotRunError) {
      return { status: 'not run', reason: error.message };
    }
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return { status: 'failed', seconds: seconds(), error: text };
  }
}

/** Returns the figures of a part that ran, else null. */
export function figuresOf<Figures>(part: PartResult<Figures> | undefined): Figures | null {
  return part?.status === 'done' ? part.figures : null;
}

/** Describes a part that produced no figures, e.g. "not run: the loadtest CLI is missing". */
export function describeMissing(part: PartResult<unknown> | undefined): string {
  if (part === undefined) {
    return 'not run: not selected';
  }
  if (part.status === 'not run') {
    return `not run: ${part.reason}`;
  }
  if (part.status === 'failed') {
    return `failed: ${part.error.split('\n')[0]}`;
  }
  return 'done';
}
