/**
 * net-tools 2.10 `arp -n` and `arp -an` over the IPv4 neighbour table
 * (/proc/net/arp): complete entries (any NUD_VALID state) have flag C,
 * permanent ones CM; entries still resolving or failed print as incomplete.
 */
import type { Neighbour } from '../kernel/neigh.js';
import type { NetNs } from '../kernel/netns.js';
import { formatIPv4 } from '../net/ipv4.js';
import { padRight } from './format.js';
import type { Lines } from './types.js';

function complete(n: Neighbour): boolean {
  return n.lladdr !== undefined && n.state !== 'FAILED' && n.state !== 'INCOMPLETE';
}

/** `arp -n`: "%-23.23s  " address, "%-8.8s%-20.20s" type and MAC, "%-6.6s%-15.15s %s" flags, mask, device. */
export function* renderArpN(ns: NetNs): Lines {
  // No entries, no header: arp -n prints nothing for an empty table.
  if (ns.neighbours.length > 0) yield 'Address                  HWtype  HWaddress           Flags Mask            Iface';
  for (const n of ns.neighbours) {
    const ok = complete(n);
    const hw = ok ? `${padRight('ether', 8)}${padRight(n.lladdr!, 20)}` : `${padRight('', 8)}${padRight('(incomplete)', 20)}`;
    const flags = ok ? (n.state === 'PERMANENT' ? 'CM' : 'C') : '';
    yield `${padRight(formatIPv4(n.ip), 23)}  ${hw}${padRight(flags, 6)}${padRight('', 15)} ${n.dev}`;
  }
}

/** `arp -an`: the BSD style, `? (IP) at MAC [ether] [PERM ]on DEV`. */
export function* renderArpAn(ns: NetNs): Lines {
  for (const n of ns.neighbours) {
    if (!complete(n)) {
      yield `? (${formatIPv4(n.ip)}) at <incomplete> on ${n.dev}`;
      continue;
    }
    yield `? (${formatIPv4(n.ip)}) at ${n.lladdr} [ether] ${n.state === 'PERMANENT' ? 'PERM ' : ''}on ${n.dev}`;
  }
}
