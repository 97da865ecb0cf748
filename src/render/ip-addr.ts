/**
 * `ip addr [show [dev] X]` with `-4`/`-6`, `-d` and `-s`, as iproute2 6.1
 * prints it (ip/ipaddress.c print_addrinfo).
 */
import { stateCounters, type CountersOf, type Ipv4Address, type Link } from '../kernel/link.js';
import type { NetNs } from '../kernel/netns.js';
import { formatIPv4 } from '../net/ipv4.js';
import { detailLines, linkHeader, linkLayerLine, statsLines } from './ip-link-block.js';
import { autoIpv6, iprouteFlagNames, linkNetnsSuffix, localPeerLabel } from './link-common.js';
import type { Lines } from './types.js';

export type AddressFamily = 'inet' | 'inet6';

export interface IpAddrOptions {
  /** `-4` / `-6`: only that family, and only links that have such an address. */
  readonly family?: AddressFamily;
  readonly details?: boolean;
  readonly stats?: boolean;
  /** Where `-s` reads the counters: the state's own unless a traffic run counted more. */
  readonly counters?: CountersOf;
}

const LIFETIME = '       valid_lft forever preferred_lft forever';

/** `    inet 10.244.1.1/24 brd 10.244.1.255 scope global cni0` (no trailing space: the label ends it). */
export function inetLine(link: Link, address: Ipv4Address): string {
  let line = `    inet ${formatIPv4(address.ip)}`;
  line += address.peer !== undefined ? ` peer ${formatIPv4(address.peer)}/${address.len} ` : `/${address.len} `;
  if (address.broadcast !== undefined) line += `brd ${formatIPv4(address.broadcast)} `;
  return `${line}scope ${address.scope} ${link.name}`;
}

/** Each address of one link as its pair of lines: the inet/inet6 line and its lifetime line. */
export function* addressPairs(link: Link, family?: AddressFamily): Iterable<[string, string]> {
  if (family !== 'inet6') {
    for (const address of link.ipv4) yield [inetLine(link, address), LIFETIME];
  }
  if (family !== 'inet') {
    // IPv6 addresses carry no label, so the line ends with the space after the scope.
    for (const v6 of autoIpv6(link))
      yield [`    inet6 ${v6.address}/${v6.len} scope ${v6.scope} ${v6.flags ? `${v6.flags} ` : ''}`, LIFETIME];
  }
}

export function* addressLines(link: Link, family?: AddressFamily): Lines {
  for (const pair of addressPairs(link, family)) yield* pair;
}

/**
 * `ip -o addr`: one line per address, `IDX: NAME` (no @peer) then the
 * address line, with the lifetime line joined by a backslash.
 */
export function* renderIpAddrOneline(ns: NetNs, options: { family?: AddressFamily } = {}, links = ns.links): Lines {
  for (const link of links) {
    for (const [line, lifetime] of addressPairs(link, options.family)) yield `${link.ifindex}: ${link.name}${line}\\${lifetime}`;
  }
}

export function hasFamily(link: Link, family: AddressFamily): boolean {
  return family === 'inet' ? link.ipv4.length > 0 : autoIpv6(link).length > 0;
}

/**
 * With `-6` the kernel's IPv6 link dump answers (inet6_fill_ifinfo): no
 * qdisc, master or group, and IFLA_LINK without a netns id, so the veth
 * peer's index is resolved in this netns (`eth0@flannel.1` on a node).
 */
function inet6Header(ns: NetNs, link: Link): string {
  let line = `${link.ifindex}: ${localPeerLabel(ns, link)}: <${iprouteFlagNames(ns, link).join(',')}> mtu ${link.mtu} state ${link.state.operstate} `;
  if (link.txqueuelen !== 0) line += `qlen ${link.txqueuelen}`;
  return line;
}

export function* renderIpAddr(ns: NetNs, options: IpAddrOptions = {}, links = ns.links): Lines {
  for (const link of links) {
    if (options.family === 'inet6') {
      if (!hasFamily(link, 'inet6')) continue;
      yield inet6Header(ns, link);
    } else if (options.family !== undefined) {
      if (!hasFamily(link, options.family)) continue;
      // With a family filter iproute2 skips the link/ether line, but the
      // link-netns note still prints, so it lands on the header line.
      yield linkHeader(ns, link, { showMode: false }) + linkNetnsSuffix(ns, link);
    } else {
      yield linkHeader(ns, link, { showMode: false });
      if (options.details) yield* detailLines(ns, link, { addrgenmode: false });
      else yield linkLayerLine(ns, link);
    }
    yield* addressLines(link, options.family);
    if (options.stats) yield* statsLines((options.counters ?? stateCounters)(link));
  }
}
