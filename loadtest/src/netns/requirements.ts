/**
 * Checks of the machine for the netns mode: root and iproute2's `ip` and `tc`. The kernel's
 * netem, needed only to shape links, is checked when a link is first shaped.
 */
import { IpCommandError, runIp } from './ip-command.ts';

export type NetnsUnsupportedReason = 'needs-root' | 'iproute2-missing';

/** Error raised when the machine cannot run the netns mode, with the cause in `reason`. */
export class NetnsUnsupportedError extends Error {
  override name = 'NetnsUnsupportedError';
  readonly reason: NetnsUnsupportedReason;

  constructor(reason: NetnsUnsupportedReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

const NEEDS_ROOT =
  'the netns mode needs root: creating network namespaces, veth pairs and a bridge ' +
  'requires CAP_SYS_ADMIN and CAP_NET_ADMIN. Run it as root (e.g. with sudo).';

/** Throws NetnsUnsupportedError when this process is not root or iproute2 is missing. */
export async function checkNetnsRequirements(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new NetnsUnsupportedError('needs-root', NEEDS_ROOT);
  }

  for (const tool of ['ip', 'tc'] as const) {
    try {
      await runIp(tool, ['-V']);
    } catch (error) {
      throw new NetnsUnsupportedError(
        'iproute2-missing',
        `the netns mode needs "${tool}" from iproute2, which could not be run ` +
          `(${(error as Error).message}). Install it with "apt-get install -y iproute2".`,
        { cause: error },
      );
    }
  }
}

/**
 * Turns a permission error of `ip` into NetnsUnsupportedError('needs-root'), e.g. when root
 * in a container lacks CAP_SYS_ADMIN; any other error is returned unchanged.
 */
export function explainPermission(error: unknown): unknown {
  if (error instanceof IpCommandError && error.permissionDenied) {
    return new NetnsUnsupportedError('needs-root', `${NEEDS_ROOT} (${error.message})`, {
      cause: error,
    });
  }
  return error;
}
