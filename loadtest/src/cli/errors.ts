/**
 * Errors of `npm run loadtest` that main.ts reports as one paragraph without a stack trace,
 * each with its own exit code.
 */

/** A flag that cannot be used: bad value, unknown flag, or a combination that cannot work. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The run folder exists already; a run never writes into an existing folder. */
export class OutputExistsError extends Error {
  override name = 'OutputExistsError';
  constructor(dir: string) {
    super(
      `the run folder ${dir} exists already, and a run never overwrites one. Pass another ` +
        '--out folder, or leave --out out to get a new folder under reports/.',
    );
  }
}

/** The --target, or one of its --metrics addresses, did not respond over HTTP. */
export class TargetUnreachableError extends Error {
  override name = 'TargetUnreachableError';
}

/** Artillery could not start, or exited with a failure. */
export class ArtilleryError extends Error {
  override name = 'ArtilleryError';
}

/** The local cluster could not start: a port in use, a replica that never became ready. */
export class ClusterStartError extends Error {
  override name = 'ClusterStartError';
}
