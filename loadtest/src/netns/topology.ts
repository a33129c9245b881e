/**
 * The network of one netns run: a bridge in the root namespace and one network namespace per
 * host, each joined to the bridge by a veth pair, all in one private /24 subnet. Traffic
 * between hosts crosses real kernel paths (veth, bridge, TCP/IP stack of each namespace), so
 * netem can delay it, vary the delay and drop packets, per host link.
 */
import { runIp } from './ip-command.ts';
import {
  type LinkShaping,
  type ResolvedShaping,
  resolveShaping,
  shapeEgress,
} from './link-shaping.ts';
import { checkHostName, newRunSuffix, RunNames, type RunSuffix } from './names.ts';
import { checkNetnsRequirements, explainPermission } from './requirements.ts';
import { currentOwner, ownerAlias, teardownRun } from './run-cleanup.ts';
import { otherRoutesTo, pickFreeSubnet, type Subnet } from './subnet.ts';
import { Watchdog } from './watchdog.ts';

/** Attempts at finding a subnet no parallel run took at the same moment. */
const SUBNET_ATTEMPTS = 3;

/** One host: a namespace with one interface on the bridge. */
export interface TopologyHost {
  name: string;
  /** Network namespace name, for `ip netns exec`. */
  namespace: string;
  /** IPv4 address of the host in the run's subnet. */
  address: string;
  /** The veth end in the root namespace, a port of the bridge. */
  hostVeth: string;
  /** The veth end inside the namespace, the host's only interface besides lo. */
  namespaceVeth: string;
}

export class NetnsTopology {
  readonly suffix: RunSuffix;
  readonly subnet: Subnet;
  readonly names: RunNames;
  private readonly hostsByName: Map<string, TopologyHost>;
  private readonly shaping = new Map<string, ResolvedShaping>();
  private readonly watchdog: Watchdog;
  private destroyed: Promise<void> | null = null;

  private constructor(names: RunNames, subnet: Subnet, hosts: TopologyHost[], watchdog: Watchdog) {
    this.names = names;
    this.suffix = names.suffix;
    this.subnet = subnet;
    this.hostsByName = new Map(hosts.map((host) => [host.name, host]));
    this.watchdog = watchdog;
  }

  /**
   * Creates the bridge and one namespace per host name. Host i (from 0) gets address
   * .(i + 2) of the subnet, and the bridge gets .1. Throws NetnsUnsupportedError when this
   * process is not root or iproute2 is missing. A failure part way removes what was created.
   */
  static async create(hostNames: string[]): Promise<NetnsTopology> {
    checkHosts(hostNames);
    await checkNetnsRequirements();

    const names = new RunNames(newRunSuffix());
    // Started first, so that even a crash during creation leaves nothing behind.
    const watchdog = Watchdog.start(names.suffix);
    try {
      const subnet = await createBridge(names);
      const hosts = hostNames.map((name, index) => describeHost(names, subnet, name, index));
      for (const host of hosts) {
        await createHost(names, host);
      }
      return new NetnsTopology(names, subnet, hosts, watchdog);
    } catch (error) {
      await teardownRun(names.suffix);
      watchdog.release();
      throw explainPermission(error);
    }
  }

  get hosts(): TopologyHost[] {
    return [...this.hostsByName.values()].map((host) => ({ ...host }));
  }

  host(name: string): TopologyHost {
    const host = this.hostsByName.get(name);
    if (host === undefined) {
      const known = [...this.hostsByName.keys()].join(', ');
      throw new RangeError(`no host "${name}" in this netns topology; its hosts are: ${known}`);
    }
    return { ...host };
  }

  /** Returns the shaping in force on a host's link, all zeros until shapeLink() changes it. */
  linkShaping(name: string): ResolvedShaping {
    this.host(name);
    return this.shaping.get(name) ?? resolveShaping({});
  }

  /**
   * Shapes both directions of a host's link: netem on the egress of the veth end inside the
   * namespace (packets the host sends) and of the end on the bridge (packets sent to it).
   * All zeros removes the shaping. Throws NetemUnavailableError when the kernel has no netem.
   */
  async shapeLink(name: string, shaping: LinkShaping): Promise<void> {
    const host = this.host(name);
    const resolved = resolveShaping(shaping);

    await shapeEgress({ namespace: host.namespace, device: host.namespaceVeth }, resolved);
    await shapeEgress({ namespace: null, device: host.hostVeth }, resolved);
    this.shaping.set(name, resolved);
  }

  /**
   * Removes the bridge, veths and namespaces, killing any process still inside a namespace.
   * Idempotent.
   */
  destroy(): Promise<void> {
    this.destroyed ??= teardownRun(this.suffix).then(() => this.watchdog.release());
    return this.destroyed;
  }
}

function checkHosts(hostNames: string[]): void {
  if (hostNames.length === 0 || hostNames.length > 253) {
    throw new RangeError(`a netns topology has 1-253 hosts, got ${hostNames.length}`);
  }
  for (const name of hostNames) {
    checkHostName(name);
  }
  if (new Set(hostNames).size !== hostNames.length) {
    throw new RangeError(`host names must be unique, got ${hostNames.join(', ')}`);
  }
}

function describeHost(names: RunNames, subnet: Subnet, name: string, index: number): TopologyHost {
  return {
    name,
    namespace: names.namespace(name),
    address: subnet.address(index + 2),
    hostVeth: names.hostVeth(index),
    namespaceVeth: names.namespaceVeth(index),
  };
}

/**
 * Creates the bridge with the owner alias and the bridge address. If a parallel run added
 * the same subnet at the same moment, the address is removed and another subnet tried.
 */
async function createBridge(names: RunNames): Promise<Subnet> {
  const bridge = names.bridge;
  await runIp('ip', ['link', 'add', bridge, 'type', 'bridge']);
  await runIp('ip', ['link', 'set', bridge, 'alias', ownerAlias(currentOwner())]);
  await runIp('ip', ['link', 'set', bridge, 'up']);

  for (let attempt = 1; ; attempt += 1) {
    const subnet = await pickFreeSubnet();
    const address = `${subnet.bridgeAddress}/24`;
    await runIp('ip', ['addr', 'add', address, 'dev', bridge]);

    const others = await otherRoutesTo(subnet, bridge);
    if (others.length === 0) {
      return subnet;
    }
    await runIp('ip', ['addr', 'del', address, 'dev', bridge]);
    if (attempt === SUBNET_ATTEMPTS) {
      throw new Error(
        `subnet ${subnet.cidr} is also routed to ${others.join(', ')} after ${attempt} ` +
          'attempts to pick a free subnet; retry, or remove leftovers with cleanupStale()',
      );
    }
  }
}

async function createHost(names: RunNames, host: TopologyHost): Promise<void> {
  const inside = ['-n', host.namespace];
  await runIp('ip', ['netns', 'add', host.namespace]);
  await runIp('ip', [
    'link',
    'add',
    host.hostVeth,
    'type',
    'veth',
    'peer',
    'name',
    host.namespaceVeth,
    'netns',
    host.namespace,
  ]);
  await runIp('ip', ['link', 'set', host.hostVeth, 'master', names.bridge, 'up']);

  await runIp('ip', [...inside, 'addr', 'add', `${host.address}/24`, 'dev', host.namespaceVeth]);
  await runIp('ip', [...inside, 'link', 'set', host.namespaceVeth, 'up']);
  await runIp('ip', [...inside, 'link', 'set', 'lo', 'up']);
}
