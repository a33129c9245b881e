/**
 * Runs iproute2's `ip` and `tc` and reads their JSON output. Every network change of the netns
 * mode goes through here, so failures read the same everywhere.
 */
import { execFile } from 'node:child_process';

export type IpTool = 'ip' | 'tc';

/** An `ip` or `tc` command that could not be run or exited with an error. */
export class IpCommandError extends Error {
  override name = 'IpCommandError';
  /** The command line, e.g. "ip netns add csb-abc123-redis". */
  readonly command: string;
  /** The tool's stderr output, trimmed. */
  readonly stderr: string;
  /** The spawn error code when the tool could not be started, e.g. 'ENOENT'. */
  readonly spawnCode: string | undefined;

  constructor(
    command: string,
    stderr: string,
    spawnCode: string | undefined,
    options?: ErrorOptions,
  ) {
    const detail = spawnCode === undefined ? stderr : `${spawnCode}: ${stderr}`;
    super(`"${command}" failed: ${detail}`, options);
    this.command = command;
    this.stderr = stderr;
    this.spawnCode = spawnCode;
  }

  /** Whether the kernel rejected the change for lack of privilege (not root). */
  get permissionDenied(): boolean {
    return /Operation not permitted|Permission denied/i.test(this.stderr);
  }

  /** Whether the object to change or delete does not exist. */
  get notFound(): boolean {
    return /Cannot find device|No such file|does not exist|Cannot open network namespace|No such device|Invalid handle/i.test(
      this.stderr,
    );
  }
}

/** Runs `tool args...` and returns its stdout; throws IpCommandError on failure. */
export function runIp(tool: IpTool, args: string[]): Promise<string> {
  const command = [tool, ...args].join(' ');
  return new Promise((resolve, reject) => {
    execFile(tool, args, { encoding: 'utf8', timeout: 10_000 }, (error, stdout, stderr) => {
      if (error === null) {
        resolve(stdout);
        return;
      }
      const spawnCode = typeof error.code === 'string' ? error.code : undefined;
      const message = stderr.trim() === '' ? error.message : stderr.trim();
      reject(new IpCommandError(command, message, spawnCode));
    });
  });
}

/** Runs the command and ignores the failure when its object is already gone. */
export async function runIpIgnoringMissing(tool: IpTool, args: string[]): Promise<void> {
  try {
    await runIp(tool, args);
  } catch (error) {
    if (!(error instanceof IpCommandError && error.notFound)) {
      throw error;
    }
  }
}

/** One interface as `ip -j link show` lists it. */
export interface LinkInfo {
  ifname: string;
  ifalias?: string;
}

/** One route as `ip -j route show` lists it; `dst` is "default", "a.b.c.d" or "a.b.c.d/n". */
export interface RouteInfo {
  dst: string;
  dev?: string;
}

/** One IPv4 address of an interface as `ip -j addr show` lists it. */
export interface AddressInfo {
  ifname: string;
  local: string;
  prefixlen: number;
}

export async function listLinks(): Promise<LinkInfo[]> {
  return parseJson<LinkInfo[]>(await runIp('ip', ['-j', 'link', 'show']), 'ip -j link show');
}

export async function listNamespaces(): Promise<string[]> {
  const entries = parseJson<{ name: string }[]>(
    await runIp('ip', ['-j', 'netns', 'list']),
    'ip -j netns list',
  );
  return entries.map((entry) => entry.name);
}

/** Routes of the root namespace's main table. */
export async function listRoutes(): Promise<RouteInfo[]> {
  const command = ['-j', '-4', 'route', 'show', 'table', 'main'];
  return parseJson<RouteInfo[]>(await runIp('ip', command), 'ip -j -4 route show');
}

/** IPv4 addresses of every interface in the root namespace. */
export async function listAddresses(): Promise<AddressInfo[]> {
  const links = parseJson<{ ifname: string; addr_info?: Omit<AddressInfo, 'ifname'>[] }[]>(
    await runIp('ip', ['-j', '-4', 'addr', 'show']),
    'ip -j -4 addr show',
  );
  return links.flatMap((link) =>
    (link.addr_info ?? []).map((address) => ({
      ifname: link.ifname,
      local: address.local,
      prefixlen: address.prefixlen,
    })),
  );
}

/** Process ids of every process inside namespace `name`. */
export async function listNamespacePids(name: string): Promise<number[]> {
  const output = await runIp('ip', ['netns', 'pids', name]);
  return output
    .split('\n')
    .map((line) => Number.parseInt(line, 10))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/**
 * Parses JSON output. Empty output counts as an empty list, because `ip -j netns list` prints
 * nothing, not "[]", while /run/netns does not exist yet.
 */
function parseJson<T>(text: string, command: string): T {
  if (text.trim() === '') {
    return [] as T;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new IpCommandError(command, `output is not JSON: ${text.slice(0, 200)}`, undefined, {
      cause: error,
    });
  }
}
