/**
 * The private IPv4 subnet of one run: 10.213.X.0/24 with X picked per run, so parallel runs
 * each get their own. The subnet exists only on the run's bridge and inside its namespaces,
 * and nothing routes it anywhere else.
 */
import { randomInt } from 'node:crypto';
import { type AddressInfo, listAddresses, listRoutes, type RouteInfo } from './ip-command.ts';

/** First two octets of every subnet the netns mode uses. */
export const ADDRESS_BLOCK = '10.213';

/** Address of the bridge in the root namespace, the last octet. */
const BRIDGE_HOST = 1;

export class SubnetUnavailableError extends Error {
  override name = 'SubnetUnavailableError';
}

/** One /24 subnet: `${ADDRESS_BLOCK}.${thirdOctet}.0/24`. */
export class Subnet {
  readonly thirdOctet: number;

  constructor(thirdOctet: number) {
    if (!Number.isInteger(thirdOctet) || thirdOctet < 1 || thirdOctet > 254) {
      throw new RangeError(`the third octet must be 1-254, got ${thirdOctet}`);
    }
    this.thirdOctet = thirdOctet;
  }

  get cidr(): string {
    return `${ADDRESS_BLOCK}.${this.thirdOctet}.0/24`;
  }

  get bridgeAddress(): string {
    return this.address(BRIDGE_HOST);
  }

  /** Returns the address with last octet `host`: 1 is the bridge, 2-254 the hosts. */
  address(host: number): string {
    if (!Number.isInteger(host) || host < 1 || host > 254) {
      throw new RangeError(`the last octet of an address must be 1-254, got ${host}`);
    }
    return `${ADDRESS_BLOCK}.${this.thirdOctet}.${host}`;
  }

  /** Returns whether `address` is inside this subnet. */
  contains(address: string): boolean {
    return address.startsWith(`${ADDRESS_BLOCK}.${this.thirdOctet}.`);
  }
}

/**
 * Picks a subnet that overlaps no route and no address of the root namespace, so that adding
 * it to our bridge shadows nothing the host uses. The default route is ignored: a more
 * specific route on the bridge only takes our own subnet away from it.
 */
export async function pickFreeSubnet(): Promise<Subnet> {
  const [routes, addresses] = await Promise.all([listRoutes(), listAddresses()]);
  const used = usedRanges(routes, addresses);

  const candidates: number[] = [];
  for (let octet = 1; octet <= 254; octet += 1) {
    const start = toNumber(`${ADDRESS_BLOCK}.${octet}.0`);
    if (!used.some((range) => overlaps(range, { start, size: 256 }))) {
      candidates.push(octet);
    }
  }
  if (candidates.length === 0) {
    throw new SubnetUnavailableError(
      `every subnet ${ADDRESS_BLOCK}.X.0/24 overlaps a route or address of this host; ` +
        'remove leftovers of earlier netns runs with cleanupStale(), or free part of ' +
        `${ADDRESS_BLOCK}.0.0/16`,
    );
  }
  // A random pick keeps two runs starting at the same moment from choosing the same subnet.
  return new Subnet(candidates[randomInt(candidates.length)]!);
}

/** Returns the root-namespace interfaces other than `ownDevice` with a route to `subnet`. */
export async function otherRoutesTo(subnet: Subnet, ownDevice: string): Promise<string[]> {
  const routes = await listRoutes();
  return routes
    .filter((route) => route.dst === subnet.cidr && route.dev !== ownDevice)
    .map((route) => route.dev ?? 'unknown device');
}

interface Range {
  start: number;
  size: number;
}

function usedRanges(routes: RouteInfo[], addresses: AddressInfo[]): Range[] {
  const ranges: Range[] = [];
  for (const route of routes) {
    if (route.dst !== 'default') {
      ranges.push(parseCidr(route.dst));
    }
  }
  for (const address of addresses) {
    ranges.push({ start: toNumber(address.local), size: 1 });
  }
  return ranges;
}

function parseCidr(cidr: string): Range {
  const [address = '', prefix = '32'] = cidr.split('/');
  const bits = Number.parseInt(prefix, 10);
  const size = 2 ** (32 - bits);
  const start = Math.floor(toNumber(address) / size) * size;
  return { start, size };
}

function toNumber(address: string): number {
  const octets = address.split('.').map((part) => Number.parseInt(part, 10));
  return octets.reduce((total, octet) => total * 256 + octet, 0);
}

function overlaps(a: Range, b: Range): boolean {
  return a.start < b.start + b.size && b.start < a.start + a.size;
}
