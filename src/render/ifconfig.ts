/**
 * net-tools 2.10 `ifconfig [-a] [DEV]` (lib/interface.c ife_print_long).
 * Without -a only interfaces that are up are listed; the list is sorted by
 * name with net-tools' number-aware compare. Only the primary IPv4 address
 * shows (ifconfig asks with SIOCGIFADDR).
 */
import { stateCounters, type Counters, type CountersOf, type Link } from '../kernel/link.js';
import type { NetNs } from '../kernel/netns.js';
import { formatIPv4, formatNetmask } from '../net/ipv4.js';
import { autoIpv6, IFF, kernelFlags } from './link-common.js';
import type { Lines } from './types.js';

const FLAG_NAMES: [number, string][] = [
  [IFF.UP, 'UP'],
  [IFF.BROADCAST, 'BROADCAST'],
  [IFF.LOOPBACK, 'LOOPBACK'],
  [IFF.POINTOPOINT, 'POINTOPOINT'],
  [IFF.RUNNING, 'RUNNING'],
  [IFF.NOARP, 'NOARP'],
  [IFF.MULTICAST, 'MULTICAST'],
];

/** `flags=4163<UP,BROADCAST,RUNNING,MULTICAST>`: the 16-bit SIOCGIFFLAGS value (no LOWER_UP). */
export function ifconfigFlags(link: Link): string {
  const flags = kernelFlags(link) & 0xffff;
  const names = FLAG_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name);
  return `flags=${flags}<${names.join(',')}>`;
}

/**
 * net-tools' byte counter suffix: tenths of KiB/MiB/GiB/TiB/PiB, truncated,
 * and only once the count is strictly greater than the unit.
 */
export function humanBytes(bytes: number): string {
  const units: [bigint, string][] = [
    [1125899906842624n, 'PiB'],
    [1099511627776n, 'TiB'],
    [1073741824n, 'GiB'],
    [1048576n, 'MiB'],
    [1024n, 'KiB'],
  ];
  const value = BigInt(bytes);
  let tenths = value * 10n;
  let unit = 'B';
  for (const [size, name] of units) {
    if (value > size) {
      tenths /= size;
      unit = name;
      break;
    }
  }
  return `${tenths / 10n}.${tenths % 10n} ${unit}`;
}

/**
 * net-tools 2.10's nstrcmp (lib/nstrcmp.c), the order ifconfig lists
 * devices in: split each name before its trailing digits; compare the
 * heads over the shorter head's length, then the shorter head comes first
 * (so veth39974854, head `veth`, before veth16eae649), then the trailing
 * numbers (eth2 before eth10), then the whole names. (Its `:N` alias
 * suffixes do not occur: netlab has no alias labels.)
 */
export function nstrcmp(a: string, b: string): number {
  const headA = a.replace(/\d+$/, '').length;
  const headB = b.replace(/\d+$/, '').length;
  const shared = Math.min(headA, headB);
  const head = byteCompare(a.slice(0, shared), b.slice(0, shared));
  if (head !== 0) return head;
  if (headA !== headB) return headA > headB ? 1 : -1;
  // atoi of the trailing digits (0 when there are none).
  const numberA = Number(a.slice(headA) || '0');
  const numberB = Number(b.slice(headB) || '0');
  if (numberA !== numberB) return numberA < numberB ? -1 : 1;
  return byteCompare(a, b);
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The hardware line: type name, address (if the type has one), queue length, title. */
function hardwareLine(link: Link): string {
  switch (link.info.kind) {
    case 'loopback':
      return `        loop  txqueuelen ${link.txqueuelen}  (Local Loopback)`;
    case 'tun':
      if (link.info.type === 'tun') {
        return `        unspec ${Array(16).fill('00').join('-')}  txqueuelen ${link.txqueuelen}  (UNSPEC)`;
      }
      break;
    case 'ipip':
      // UNVERIFIED: no ipip module on the capture machine.
      return `        tunnel   txqueuelen ${link.txqueuelen}  (IPIP Tunnel)`;
    default:
      break;
  }
  return `        ether ${link.mac ?? '00:00:00:00:00:00'}  txqueuelen ${link.txqueuelen}  (Ethernet)`;
}

const SCOPE_ID: Record<'host' | 'link', string> = { host: '0x10<host>', link: '0x20<link>' };

export function* ifconfigBlock(link: Link, c: Counters = link.counters): Lines {
  yield `${link.name}: ${ifconfigFlags(link)}  mtu ${link.mtu}`;
  const primary = link.ipv4[0];
  if (primary) {
    let line = `        inet ${formatIPv4(primary.ip)}  netmask ${formatNetmask(primary.len)}`;
    if (link.flags.pointopoint) line += `  destination ${formatIPv4(primary.peer ?? primary.ip)}`;
    if (link.flags.broadcast) line += `  broadcast ${formatIPv4(primary.broadcast ?? 0)}`;
    yield line;
  }
  for (const v6 of autoIpv6(link)) yield `        inet6 ${v6.address}  prefixlen ${v6.len}  scopeid ${SCOPE_ID[v6.scope]}`;
  yield hardwareLine(link);
  yield `        RX packets ${c.rxPackets}  bytes ${c.rxBytes} (${humanBytes(c.rxBytes)})`;
  yield `        RX errors 0  dropped ${c.rxDropped}  overruns 0  frame 0`;
  yield `        TX packets ${c.txPackets}  bytes ${c.txBytes} (${humanBytes(c.txBytes)})`;
  // net-tools really prints a single space before "overruns" on the TX line.
  yield `        TX errors ${c.txErrors}  dropped ${c.txDropped} overruns 0  carrier ${c.txCarrierErrors}  collisions 0`;
  yield '';
}

export interface IfconfigOptions {
  /** `-a`: include interfaces that are down. */
  readonly all?: boolean;
  /** Where the RX/TX lines read the counters: the state's own unless a traffic run counted more. */
  readonly counters?: CountersOf;
}

export function* renderIfconfig(ns: NetNs, options: IfconfigOptions = {}): Lines {
  const links = ns.links.filter((l) => options.all || l.state.up).sort((a, b) => nstrcmp(a.name, b.name));
  for (const link of links) yield* ifconfigBlock(link, (options.counters ?? stateCounters)(link));
}
