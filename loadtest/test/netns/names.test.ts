import { describe, expect, test } from 'vitest';
import {
  linkRunSuffix,
  namespaceRunSuffix,
  newRunSuffix,
  RunNames,
} from '../../src/netns/names.ts';
import { ownerAlias, parseOwnerAlias } from '../../src/netns/run-cleanup.ts';
import { Subnet } from '../../src/netns/subnet.ts';

describe('RunNames', () => {
  test('interface names fit the 15-character limit', () => {
    const names = new RunNames(newRunSuffix());

    expect(names.bridge.length).toBeLessThanOrEqual(15);
    expect(names.hostVeth(253).length).toBeLessThanOrEqual(15);
    expect(names.namespaceVeth(253).length).toBeLessThanOrEqual(15);
  });

  test('names map back to their run suffix', () => {
    const names = new RunNames('ab12cd');

    expect(linkRunSuffix(names.bridge)).toBe('ab12cd');
    expect(linkRunSuffix(names.hostVeth(3))).toBe('ab12cd');
    expect(namespaceRunSuffix(names.namespace('replica-1'))).toBe('ab12cd');
  });

  test('foreign names have no run suffix', () => {
    expect(linkRunSuffix('eth0')).toBeNull();
    expect(linkRunSuffix('docker0')).toBeNull();
    expect(linkRunSuffix('csbab12cdx')).toBeNull();
    expect(namespaceRunSuffix('cni-1234')).toBeNull();
  });

  test('rejects a malformed suffix', () => {
    expect(() => new RunNames('AB12CD')).toThrow(/6 lowercase letters or digits/);
    expect(() => new RunNames('../etc')).toThrow(RangeError);
  });
});

describe('owner alias', () => {
  test('round-trips pid and start time', () => {
    const alias = ownerAlias({ pid: 4242, startTicks: 987654 });

    expect(parseOwnerAlias(alias)).toEqual({ pid: 4242, startTicks: 987654 });
    expect(parseOwnerAlias('some other alias')).toBeNull();
  });
});

describe('Subnet', () => {
  test('addresses stay inside 10.213.X.0/24', () => {
    const subnet = new Subnet(17);

    expect(subnet.cidr).toBe('10.213.17.0/24');
    expect(subnet.bridgeAddress).toBe('10.213.17.1');
    expect(subnet.address(2)).toBe('10.213.17.2');
    expect(subnet.contains('10.213.17.200')).toBe(true);
    expect(subnet.contains('10.213.170.2')).toBe(false);
    expect(() => subnet.address(255)).toThrow(/1-254, got 255/);
  });
});
