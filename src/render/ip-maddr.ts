/**
 * `ip maddr [show [dev X]]`: each device's link-layer multicast list (as the
 * state holds it) followed by the IPv4 and IPv6 groups the kernel joins by
 * itself: all-hosts 224.0.0.1 once the device is up, ff02::1 and ff01::1 at
 * registration, the solicited-node group of the link-local address, and
 * the multicast-router-discovery groups on bridges. Within a family the
 * kernel lists the newest group first.
 */
import type { Link } from '../kernel/link.js';
import type { NetNs } from '../kernel/netns.js';
import { autoIpv6, interfaceId } from './link-common.js';
import type { Lines } from './types.js';

/** ff02::1:ffXX:XXXX from the low 24 bits of the link-local address. */
function solicitedNode(link: Link): string {
  const low = Number(interfaceId(autoIpv6(link)[0]!.address) & 0xffffffn);
  return `ff02::1:ff${(low >>> 16).toString(16).padStart(2, '0')}:${(low & 0xffff).toString(16)}`;
}

/**
 * `-4` keeps the inet lines, `-6` the inet6 lines; a device with nothing
 * left to show is left out (header included), as iproute2 does.
 */
export function* renderIpMaddr(ns: NetNs, links = ns.links, family?: 'inet' | 'inet6'): Lines {
  for (const link of links) {
    const lines: string[] = [];
    if (family === undefined) for (const mac of link.multicast) lines.push(`\tlink  ${mac}`);
    const bridge = link.info.kind === 'bridge';
    if (family !== 'inet6' && link.state.up) {
      lines.push('\tinet  224.0.0.1');
      if (bridge) lines.push('\tinet  224.0.0.106');
    }
    if (family !== 'inet') {
      // NOARP devices (a TUN) do not join the solicited-node group (addrconf_join_solict).
      const linkLocal = link.info.kind !== 'loopback' && !link.flags.noarp && autoIpv6(link).length > 0;
      if (linkLocal) lines.push(`\tinet6 ${solicitedNode(link)}`);
      if (bridge) lines.push('\tinet6 ff02::6a');
      lines.push('\tinet6 ff02::1', '\tinet6 ff01::1');
    }
    if (lines.length === 0) continue;
    yield `${link.ifindex}:\t${link.name}`;
    yield* lines;
  }
}
