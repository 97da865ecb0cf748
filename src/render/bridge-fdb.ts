/**
 * `bridge fdb show [dev X]`, in the order the kernel's rtnl_fdb_dump walks
 * it: devices by ifindex; for a bridge port, first the bridge's entries for
 * that port (its fdb list, newest first, so learned MACs precede the port's
 * own address added when it joined), then the device's own table: vxlan
 * remote VTEPs (newest first), or for other devices their link-layer
 * multicast addresses (ndo_dflt_fdb_dump). A bridge lists its own multicast
 * addresses, then the entries that point at no port (its own MAC).
 */
import type { Link } from '../kernel/link.js';
import type { FdbEntry } from '../kernel/neigh.js';
import type { NetNs } from '../kernel/netns.js';
import { formatIPv4 } from '../net/ipv4.js';
import type { Lines } from './types.js';

/**
 * One entry: tokens carry their trailing space, the state word does not,
 * so a learned entry (no state) ends in a space and a permanent one does not.
 */
export function fdbLine(entry: FdbEntry, showDev: boolean): string {
  let line = `${entry.mac} `;
  if (showDev) line += `dev ${entry.dev} `;
  if (entry.dst !== undefined) line += `dst ${formatIPv4(entry.dst)} `;
  if (entry.vlan !== undefined) line += `vlan ${entry.vlan} `;
  if (entry.master !== undefined) line += `master ${entry.master} `;
  if (entry.self) line += 'self ';
  if (entry.permanent) line += 'permanent';
  return line;
}

function sameEntry(a: FdbEntry, b: FdbEntry): boolean {
  return a.mac === b.mac && a.dev === b.dev && a.master === b.master && a.self === b.self && a.vlan === b.vlan;
}

/** State entries for one device in one table, newest first (both tables insert at the head). */
function programmed(ns: NetNs, dev: string, master: string | undefined): FdbEntry[] {
  const out: FdbEntry[] = [];
  for (let i = ns.fdb.length - 1; i >= 0; i--) {
    const e = ns.fdb[i]!;
    if (e.dev === dev && e.master === master && (master !== undefined || e.self)) out.push(e);
  }
  return out;
}

/** Everything one device contributes to the dump, in kernel order. */
export function* deviceFdb(ns: NetNs, link: Link): Iterable<FdbEntry> {
  if (link.bridgePort) {
    const bridge = link.bridgePort.bridge;
    const learned = programmed(ns, link.name, bridge);
    yield* learned;
    if (link.mac !== undefined) {
      const own: FdbEntry = { mac: link.mac, dev: link.name, master: bridge, self: false, permanent: true };
      if (!learned.some((e) => sameEntry(e, own))) yield own;
    }
  }
  if (link.info.kind === 'vxlan') {
    yield* programmed(ns, link.name, undefined);
    return;
  }
  for (const mac of link.multicast) yield { mac, dev: link.name, self: true, permanent: true };
  yield* programmed(ns, link.name, undefined).filter((e) => !link.multicast.includes(e.mac));
  if (link.info.kind === 'bridge') {
    const local = programmed(ns, link.name, link.name);
    yield* local;
    if (link.mac !== undefined) {
      const own: FdbEntry = { mac: link.mac, dev: link.name, master: link.name, self: false, permanent: true };
      if (!local.some((e) => sameEntry(e, own))) yield own;
    }
  }
}

export function* renderBridgeFdb(ns: NetNs, options: { dev?: string } = {}): Lines {
  for (const link of ns.links) {
    if (options.dev !== undefined && link.name !== options.dev) continue;
    for (const entry of deviceFdb(ns, link)) yield fdbLine(entry, options.dev === undefined);
  }
}
