/**
 * What several tools print about a link the same way: its flags as the
 * kernel reports them (dev_get_flags), the `name@peer` label, and the
 * addresses the kernel gives a device by itself (IPv6 link-local, ::1).
 */
import type { Link } from '../kernel/link.js';
import { linkByIndex, linkByName, type NetNs } from '../kernel/netns.js';
import { linkLocalFromMac } from '../net/mac.js';

/** IFF_* bits, as ifconfig prints them in `flags=N<...>`. */
export const IFF = {
  UP: 0x1,
  BROADCAST: 0x2,
  LOOPBACK: 0x8,
  POINTOPOINT: 0x10,
  RUNNING: 0x40,
  NOARP: 0x80,
  MULTICAST: 0x1000,
  LOWER_UP: 0x10000,
} as const;

/**
 * The flags the kernel reports for a device (dev_get_flags): RUNNING when
 * it is up and its operstate is UP or UNKNOWN, LOWER_UP when it is up and
 * has carrier. A bridge port's internal promiscuity is not IFF_PROMISC here.
 */
export function kernelFlags(link: Link): number {
  let flags = 0;
  if (link.state.up) flags |= IFF.UP;
  if (link.flags.broadcast) flags |= IFF.BROADCAST;
  if (link.flags.loopback) flags |= IFF.LOOPBACK;
  if (link.flags.pointopoint) flags |= IFF.POINTOPOINT;
  if (link.flags.noarp) flags |= IFF.NOARP;
  if (link.flags.multicast) flags |= IFF.MULTICAST;
  if (link.state.up) {
    if (link.state.operstate === 'UP' || link.state.operstate === 'UNKNOWN') flags |= IFF.RUNNING;
    if (link.state.carrier) flags |= IFF.LOWER_UP;
  }
  return flags;
}

/**
 * `<BROADCAST,MULTICAST,UP,LOWER_UP>` contents, in iproute2's print_link_flags
 * order; NO-CARRIER leads when the device is up but not running, M-DOWN trails.
 */
export function iprouteFlagNames(ns: NetNs, link: Link): string[] {
  const flags = kernelFlags(link);
  const names: string[] = [];
  if (flags & IFF.UP && !(flags & IFF.RUNNING)) names.push('NO-CARRIER');
  const order: [number, string][] = [
    [IFF.LOOPBACK, 'LOOPBACK'],
    [IFF.BROADCAST, 'BROADCAST'],
    [IFF.POINTOPOINT, 'POINTOPOINT'],
    [IFF.MULTICAST, 'MULTICAST'],
    [IFF.NOARP, 'NOARP'],
    [IFF.UP, 'UP'],
    [IFF.LOWER_UP, 'LOWER_UP'],
  ];
  for (const [bit, name] of order) if (flags & bit) names.push(name);
  // M-DOWN: the device's IFLA_LINK (a veth's peer) is in this netns and administratively down.
  if (link.info.kind === 'veth' && link.info.peer.netns === ns.id) {
    const peer = linkByName(ns, link.info.peer.name);
    if (peer && !peer.state.up) names.push('M-DOWN');
  }
  return names;
}

/**
 * The interface label iproute2 prints: `eth0@if5` when the veth peer is in
 * another netns (its ifindex there), `vethA@vethB` when both ends are here,
 * the bare name otherwise (vxlan's `dev` is not IFLA_LINK, so no `@`).
 */
export function ipLabel(ns: NetNs, link: Link): string {
  // The kernel's fallback tunnel has IFLA_LINK 0, printed as @NONE.
  if (link.info.kind === 'ipip') return `${link.name}@NONE`;
  if (link.info.kind !== 'veth') return link.name;
  const peer = link.info.peer;
  return peer.netns === ns.id ? `${link.name}@${peer.name}` : `${link.name}@if${peer.ifindex}`;
}

/**
 * The label when iproute2 resolves the peer's ifindex in *this* netns
 * (answers that carry IFLA_LINK but no IFLA_LINK_NETNSID: `bridge link`,
 * the IPv6 link dump): the local device with that index, else `ifN`.
 */
export function localPeerLabel(ns: NetNs, link: Link): string {
  if (link.info.kind !== 'veth') return link.name;
  const index = link.info.peer.ifindex;
  const local = linkByIndex(ns, index);
  return `${link.name}@${local ? local.name : `if${index}`}`;
}

/** ` link-netns NAME` / ` link-netnsid N` for a veth whose peer lives elsewhere. */
export function linkNetnsSuffix(ns: NetNs, link: Link): string {
  if (link.info.kind !== 'veth' || link.info.peer.netns === ns.id) return '';
  const where = link.info.peer.linkNetns;
  return 'name' in where ? ` link-netns ${where.name}` : ` link-netnsid ${where.nsid}`;
}

/** The IPv6 addresses the kernel configures by itself, as `addr/len` with their scope. */
export interface AutoIpv6 {
  readonly address: string;
  readonly len: number;
  readonly scope: 'host' | 'link';
  /** Address flags iproute2 prints after the scope (`stable-privacy` for addrgenmode random). */
  readonly flags?: string;
}

/**
 * The kernel's addrgenmode for the device: eui64 unless a device without a
 * hardware address (ARPHRD_NONE) went through addrconf, which switches it
 * to random.
 */
export function addrGenMode(link: Link): 'eui64' | 'random' {
  return link.mac === undefined && link.info.kind !== 'loopback' && link.ipv6LinkLocal ? 'random' : 'eui64';
}

/**
 * The IPv6 addresses a device has without anyone asking: `::1/128` on
 * loopback, the link-local on the others when the builder says the device
 * got one (it needs the device up with carrier): EUI-64 from the MAC, or
 * the state's stand-in for the kernel's random choice (addrgenmode random).
 */
export function autoIpv6(link: Link): AutoIpv6[] {
  if (link.info.kind === 'loopback') return link.state.up ? [{ address: '::1', len: 128, scope: 'host' }] : [];
  if (!link.ipv6LinkLocal) return [];
  if (link.ipv6LinkLocalAddress !== undefined) {
    const random = addrGenMode(link) === 'random';
    return [{ address: link.ipv6LinkLocalAddress, len: 64, scope: 'link', ...(random ? { flags: 'stable-privacy' } : {}) }];
  }
  if (link.mac !== undefined) return [{ address: linkLocalFromMac(link.mac), len: 64, scope: 'link' }];
  return [];
}

/** The 64-bit interface identifier of an fe80::/64 address, for ordering and the solicited-node group. */
export function interfaceId(address: string): bigint {
  const [head, tail = ''] = address.split('::') as [string, string?];
  const words = (part: string) => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const left = words(head);
  const right = words(tail);
  const all = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  return all.slice(4).reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
}
