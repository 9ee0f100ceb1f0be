/**
 * Which addresses a directory publishes for a name (account, service, member). A directory cannot
 * prove that an address belongs to whoever registers it (anyone may claim any address for a name of
 * their own), so it refuses only what can never be a server of the network: addresses nobody can
 * connect to (unspecified, multicast, broadcast and reserved), link-local addresses (meaningless
 * outside one link, and a record cannot say which), and loopback outside a local network (a peer
 * resolving it would connect to a port on its own host). Private ranges are published: a network on
 * a LAN uses them, and a directory cannot tell a LAN deployment from a mistake.
 */
import { BlockList, isIP, isIPv4 } from 'node:net';

export interface AddressPolicy {
  /** Whether loopback (127.0.0.0/8, ::1) is published: yes in a local network, no otherwise. */
  readonly loopback: boolean;
}

/** The IPv4 and IPv6 ranges that are never published, each with what it is. */
const NEVER: readonly (readonly [string, number, 'ipv4' | 'ipv6', string])[] = [
  ['0.0.0.0', 8, 'ipv4', 'an unspecified address ("this network")'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved or the broadcast address'],
  ['::', 128, 'ipv6', 'the unspecified address'],
  ['::ffff:0:0', 96, 'ipv6', 'an IPv4-mapped address (give the IPv4 address)'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

const RANGES = NEVER.map(([network, prefix, family, what]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { list, family, what };
});

/** Whether `address` is a loopback address (127.0.0.0/8 or ::1). */
export function isLoopbackAddress(address: string): boolean {
  const family = familyOf(address);
  return family !== undefined && LOOPBACK.check(address, family);
}

/**
 * Why `address` may not be published under `policy`, or undefined when it may. `address` must be an
 * IP address (checked first by the caller, whose message names the field).
 */
export function unpublishableReason(address: string, policy: AddressPolicy): string | undefined {
  const family = familyOf(address);
  if (family === undefined) return 'not an IPv4 or IPv6 address';
  for (const range of RANGES) {
    if (range.family === family && range.list.check(address, family)) return `${range.what}`;
  }
  if (!policy.loopback && LOOPBACK.check(address, family)) {
    return 'a loopback address, published only by a directory of a local network';
  }
  return undefined;
}

function familyOf(address: string): 'ipv4' | 'ipv6' | undefined {
  if (isIP(address) === 0) return undefined;
  return isIPv4(address) ? 'ipv4' : 'ipv6';
}
