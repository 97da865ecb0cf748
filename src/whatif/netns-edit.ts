/**
 * Changes to a running node's namespaces, with the kernel's own reactions,
 * as measured on this machine (kernel 6.x, iproute2 6.1) in throw-away
 * network namespaces:
 *
 * - `ip link set DEV down` (NETDEV_DOWN): the device loses UP and LOWER_UP
 *   (`<BROADCAST,MULTICAST> ... state DOWN`); every route through it goes,
 *   in every table (connected, gateway and onlink routes, the broadcast
 *   entries of table local) except its `local` address entries; its
 *   neighbour entries are flushed, permanent ones too; its IPv6 link-local
 *   address goes (keep_addr_on_down=0); a vxlan device keeps its permanent
 *   FDB entries. Routes do not come back when the device comes up again.
 * - the other end of a veth loses carrier (NETDEV_CHANGE): `NO-CARRIER ...
 *   state LOWERLAYERDOWN`; its routes stay, marked `linkdown` (the renderers
 *   derive that from the device state); non-permanent neighbours are
 *   flushed, permanent ones kept.
 * - a bridge port without carrier or administratively down is `disabled`
 *   and the bridge forgets the MACs it learned there; a bridge whose ports
 *   are all disabled loses carrier itself (`NO-CARRIER ... state DOWN`).
 * - `ip route del PREFIX [table T]` removes the first route to exactly that
 *   prefix; `iptables -t T -D CHAIN N` removes the Nth rule.
 *
 * Pure: namespaces in, new namespaces out (the shared cluster-wide route and
 * neighbour lists are never mutated).
 */
import type { Link } from '../kernel/link.js';
import type { NetNs } from '../kernel/netns.js';
import type { Chain, TableName } from '../kernel/netfilter/rule.js';
import { RT_TABLE, type Route } from '../kernel/route.js';
import type { Cidr } from '../net/cidr.js';

/** `ip link set DEV down` in `ns` (the caller takes care of a veth's peer, see loseCarrier). */
export function setLinkDown(ns: NetNs, dev: string): NetNs {
  // A device that goes down also leaves its multicast groups (its `self permanent` FDB lines go).
  const links = ns.links.map((l) =>
    l.name === dev ? { ...l, state: { up: false, carrier: false, operstate: 'DOWN' as const }, ipv6LinkLocal: false, multicast: [] } : l,
  );
  const routes = new Map<number, readonly Route[]>();
  for (const [table, list] of ns.routes) {
    routes.set(
      table,
      list.filter((r) => r.dev !== dev || (table === RT_TABLE.local && r.type === 'local')),
    );
  }
  return settleBridges({
    ...ns,
    links,
    routes,
    neighbours: ns.neighbours.filter((n) => n.dev !== dev),
  });
}

/** The device stays up but loses its carrier: its peer went down. */
export function loseCarrier(ns: NetNs, dev: string): NetNs {
  const links = ns.links.map((l) =>
    l.name === dev && l.state.carrier
      ? { ...l, state: { up: l.state.up, carrier: false, operstate: l.state.up ? operstateWithoutCarrier(ns, l) : l.state.operstate } }
      : l,
  );
  return settleBridges({
    ...ns,
    links,
    neighbours: ns.neighbours.filter((n) => n.dev !== dev || n.state === 'PERMANENT'),
  });
}

/**
 * The kernel's default_operstate() for an up device without carrier: it
 * looks up the device's iflink (a veth's peer ifindex) in the device's *own*
 * namespace. Only when that finds a device without carrier is the state
 * LOWERLAYERDOWN; a veth whose peer lives in another namespace (a pod's)
 * usually finds nothing there, or an unrelated device, and shows DOWN.
 */
function operstateWithoutCarrier(ns: NetNs, link: Link): 'DOWN' | 'LOWERLAYERDOWN' {
  if (link.info.kind !== 'veth') return 'DOWN';
  const lower = ns.links.find((l) => l.ifindex === (link.info as { peer: { ifindex: number } }).peer.ifindex);
  return lower && lower !== link && !lower.state.carrier ? 'LOWERLAYERDOWN' : 'DOWN';
}

function usable(link: Link): boolean {
  return link.state.up && link.state.carrier;
}

/**
 * Bridge ports follow their device (forwarding or disabled), the bridge
 * forgets MACs learned on disabled ports, and a bridge with ports but none
 * usable has no carrier.
 */
function settleBridges(ns: NetNs): NetNs {
  if (!ns.links.some((l) => l.bridgePort)) return ns;
  let links = ns.links.map((l) => {
    if (!l.bridgePort) return l;
    const state = usable(l) ? l.bridgePort.state : 'disabled';
    return state === l.bridgePort.state ? l : { ...l, bridgePort: { ...l.bridgePort, state } };
  });
  links = links.map((l) => {
    if (l.info.kind !== 'bridge' || !l.state.up) return l;
    const ports = links.filter((p) => p.bridgePort?.bridge === l.name);
    if (ports.length === 0 || ports.some((p) => p.bridgePort!.state !== 'disabled')) return l;
    return { ...l, state: { up: true, carrier: false, operstate: 'DOWN' as const } };
  });
  const disabled = new Set(links.filter((l) => l.bridgePort?.state === 'disabled').map((l) => l.name));
  const fdb = disabled.size === 0 ? ns.fdb : ns.fdb.filter((e) => !(e.master !== undefined && !e.permanent && disabled.has(e.dev)));
  return { ...ns, links, fdb };
}

/** `ip route del PREFIX table T`: the first route to exactly that prefix, or undefined when there is none. */
export function deleteRoute(ns: NetNs, table: number, dst: Cidr): NetNs | undefined {
  const list = ns.routes.get(table);
  const index = list?.findIndex((r) => r.dst.addr === dst.addr && r.dst.len === dst.len) ?? -1;
  if (!list || index < 0) return undefined;
  const routes = new Map(ns.routes);
  routes.set(table, [...list.slice(0, index), ...list.slice(index + 1)]);
  return { ...ns, routes };
}

/** `iptables -t TABLE -D CHAIN N` (N counts from 1), or undefined when there is no such rule. */
export function deleteRule(ns: NetNs, table: TableName, chain: string, n: number): NetNs | undefined {
  const t = ns.netfilter.tables.find((x) => x.name === table);
  const c = t?.chains.find((x) => x.name === chain);
  if (!t || !c || n < 1 || n > c.rules.length) return undefined;
  const changed: Chain = { ...c, rules: [...c.rules.slice(0, n - 1), ...c.rules.slice(n)] };
  return {
    ...ns,
    netfilter: { tables: ns.netfilter.tables.map((x) => (x === t ? { ...t, chains: t.chains.map((y) => (y === c ? changed : y)) } : x)) },
  };
}
