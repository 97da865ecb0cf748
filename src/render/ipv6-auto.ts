/**
 * The IPv6 state the kernel builds by itself on every device with a
 * link-local address: `fe80::/64` in main, the address as `local` in table
 * local, `multicast ff00::/8` per device, `local ::1` on lo. netlab keeps no
 * IPv6 routes; `ip route show table all` and `ip -6 route` derive them here.
 */
import type { Link } from '../kernel/link.js';
import type { NetNs } from '../kernel/netns.js';
import { autoIpv6, interfaceId } from './link-common.js';

/**
 * Devices in the order addrconf configured them, which is the order their
 * per-device IPv6 routes were appended. A device is configured when it gets
 * carrier; a bridge gets carrier only after its first port does, so it
 * follows that port; otherwise creation (ifindex) order holds.
 */
export function ipv6ConfigOrder(ns: NetNs): Link[] {
  const withLinkLocal = ns.links.filter((l) => l.info.kind !== 'loopback' && autoIpv6(l).length > 0);
  const key = (link: Link): number => {
    if (link.info.kind === 'bridge') {
      const first = ns.links.find((p) => p.bridgePort?.bridge === link.name && p.bridgePort.portNo === 1);
      if (first) return first.ifindex + 0.5;
    }
    return link.ifindex;
  };
  return withLinkLocal.sort((a, b) => key(a) - key(b));
}

/** The link-local's interface identifier as a sortable value (the /64 prefix is fe80:: for all). */
function eui64Key(link: Link): bigint {
  return interfaceId(autoIpv6(link)[0]!.address);
}

export interface Ipv6RouteOptions {
  /** Print `table local` on local-table lines (under `table all`). */
  readonly showTable: boolean;
  readonly dev?: string;
}

/** `fe80::/64 dev eth0 proto kernel metric 256 pref medium` (IPv6 lines have no trailing space). */
export function* ipv6MainRoutes(ns: NetNs, options: Ipv6RouteOptions): Iterable<string> {
  for (const link of ipv6ConfigOrder(ns)) {
    if (options.dev !== undefined && link.name !== options.dev) continue;
    yield `fe80::/64 ${devPart(link, options)}proto kernel metric 256 ${linkdown(link)}pref medium`;
  }
}

export function* ipv6LocalRoutes(ns: NetNs, options: Ipv6RouteOptions): Iterable<string> {
  const table = options.showTable ? 'table local ' : '';
  const lo = ns.links.find((l) => l.info.kind === 'loopback');
  if (lo && autoIpv6(lo).length > 0 && (options.dev === undefined || options.dev === lo.name)) {
    yield `local ::1 ${devPart(lo, options)}${table}proto kernel metric 0 pref medium`;
  }
  const ordered = ipv6ConfigOrder(ns);
  const byAddress = [...ordered].sort((a, b) => (eui64Key(a) < eui64Key(b) ? -1 : eui64Key(a) > eui64Key(b) ? 1 : 0));
  for (const link of byAddress) {
    if (options.dev !== undefined && link.name !== options.dev) continue;
    yield `local ${autoIpv6(link)[0]!.address} ${devPart(link, options)}${table}proto kernel metric 0 pref medium`;
  }
  for (const link of ordered) {
    if (options.dev !== undefined && link.name !== options.dev) continue;
    if (!link.flags.multicast) continue;
    yield `multicast ff00::/8 ${devPart(link, options)}${table}proto kernel metric 256 ${linkdown(link)}pref medium`;
  }
}

/** Like IPv4's, the device routes of an up device without carrier are marked `linkdown` (a what-if fault makes them). */
function linkdown(link: Link): string {
  return link.state.up && !link.state.carrier ? 'linkdown ' : '';
}

function devPart(link: Link, options: Ipv6RouteOptions): string {
  return options.dev !== undefined ? '' : `dev ${link.name} `;
}
