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
import { macBytes } from '../net/mac.js';
import { autoIpv6 } from './link-common.js';
import type { Lines } from './types.js';

function solicitedNode(link: Link): string {
  const b = macBytes(link.mac!);
  return `ff02::1:ff${b[3]!.toString(16).padStart(2, '0')}:${((b[4]! << 8) | b[5]!).toString(16)}`;
}

export function* renderIpMaddr(ns: NetNs, links = ns.links): Lines {
  for (const link of links) {
    yield `${link.ifindex}:\t${link.name}`;
    for (const mac of link.multicast) yield `\tlink  ${mac}`;
    const bridge = link.info.kind === 'bridge';
    if (link.state.up) {
      yield '\tinet  224.0.0.1';
      if (bridge) yield '\tinet  224.0.0.106';
    }
    const linkLocal = link.info.kind !== 'loopback' && autoIpv6(link).length > 0;
    if (linkLocal) yield `\tinet6 ${solicitedNode(link)}`;
    if (bridge) yield '\tinet6 ff02::6a';
    yield '\tinet6 ff02::1';
    yield '\tinet6 ff01::1';
  }
}
