/**
 * `netlab show WHAT TARGET`: the state of one netns in tables a person reads
 * at a glance, with the meaning spelled out (which table, which kind of
 * route, who programmed it). The exact tool output is `netlab exec`'s job.
 */
import { stateCounters, type CountersOf, type Link } from '../kernel/link.js';
import type { NetNs } from '../kernel/netns.js';
import { RT_TABLE, RTPROT, tableName, type Route } from '../kernel/route.js';
import { formatCidr } from '../net/cidr.js';
import { formatIPv4 } from '../net/ipv4.js';
import { linkLocalFromMac } from '../net/mac.js';
import { iptablesView } from './iptables-view.js';
import type { ViewTable } from './table.js';
import { resolveView, VIEW_ALIASES, VIEW_NAMES, type ViewName } from './view-names.js';

const PROTO_NAMES = new Map<number, string>([
  [RTPROT.kernel, 'kernel'],
  [RTPROT.boot, 'boot'],
  [RTPROT.static, 'static'],
  [RTPROT.bird, 'bird'],
]);

function destination(route: Route): string {
  return route.dst.len === 0 ? 'default' : formatCidr(route.dst);
}

/** Who put a route there, in words. */
function routeOrigin(ns: NetNs, route: Route): string {
  if (route.protocol === RTPROT.kernel) {
    if (route.type === 'local') return 'kernel: own address';
    if (route.type === 'broadcast') return 'kernel: broadcast address';
    return 'kernel: connected subnet';
  }
  const dev = route.dev ? ns.links.find((l) => l.name === route.dev) : undefined;
  if (dev?.info.kind === 'vxlan') return 'flannel: vxlan peer';
  if (dev?.info.kind === 'tun') return 'flannel: udp (flanneld)';
  if (ns.kind === 'pod') return 'CNI (host-local)';
  if (route.dst.len === 0) return 'node config';
  if (route.gateway !== undefined && route.dev === 'eth0') return 'flannel: direct route to peer';
  return PROTO_NAMES.get(route.protocol) ?? `proto ${route.protocol}`;
}

export function routesView(ns: NetNs, tables: readonly number[] = [RT_TABLE.main, RT_TABLE.local]): ViewTable {
  const rows: string[][] = [];
  for (const id of tables) {
    for (const route of ns.routes.get(id) ?? []) {
      rows.push([
        tableName(id),
        route.type,
        destination(route),
        route.gateway !== undefined ? formatIPv4(route.gateway) + (route.onlink ? ' (onlink)' : '') : '',
        route.dev ?? '',
        route.prefsrc !== undefined ? formatIPv4(route.prefsrc) : '',
        routeOrigin(ns, route),
      ]);
    }
  }
  return { title: `routes in ${ns.displayName}`, columns: ['table', 'type', 'destination', 'via', 'dev', 'src', 'origin'], rows };
}

function kindOf(link: Link): string {
  switch (link.info.kind) {
    case 'veth':
      return `veth (peer ${link.info.peer.name} in ${link.info.peer.netns})`;
    case 'vxlan':
      return `vxlan (VNI ${link.info.id}, port ${link.info.dstport}, via ${link.info.dev})`;
    case 'tun':
      return 'tun (user-space relay)';
    default:
      return link.info.kind;
  }
}

function stateOf(link: Link): string {
  if (!link.state.up) return 'down';
  return link.state.carrier ? 'up' : 'no carrier';
}

export function linksView(ns: NetNs): ViewTable {
  const rows = ns.links.map((l) => [
    String(l.ifindex),
    l.name,
    kindOf(l),
    stateOf(l),
    String(l.mtu),
    l.mac ?? '',
    l.bridgePort ? `port ${l.bridgePort.portNo} of ${l.bridgePort.bridge}${l.bridgePort.hairpin ? ', hairpin' : ''}` : '',
  ]);
  return { title: `links in ${ns.displayName}`, columns: ['ifindex', 'name', 'kind', 'state', 'mtu', 'mac', 'bridge'], rows };
}

export function addressesView(ns: NetNs): ViewTable {
  const rows: string[][] = [];
  for (const link of ns.links) {
    for (const a of link.ipv4) {
      rows.push([link.name, `${formatIPv4(a.ip)}/${a.len}`, a.broadcast !== undefined ? formatIPv4(a.broadcast) : '', a.scope]);
    }
    if (link.ipv6LinkLocal && link.mac) rows.push([link.name, `${linkLocalFromMac(link.mac)}/64`, '', 'link']);
  }
  return { title: `addresses in ${ns.displayName}`, columns: ['dev', 'address', 'broadcast', 'scope'], rows };
}

export function neighboursView(ns: NetNs): ViewTable {
  const rows = ns.neighbours.map((n) => [formatIPv4(n.ip), n.dev, n.lladdr ?? '', n.state]);
  return {
    title: `neighbours (ARP) in ${ns.displayName}`,
    columns: ['address', 'dev', 'lladdr', 'state'],
    rows,
    notes: rows.length === 0 ? ['no entries: a fresh namespace learns neighbours only when traffic flows'] : [],
  };
}

export function fdbView(ns: NetNs): ViewTable {
  const rows: string[][] = [];
  for (const entry of ns.fdb) {
    rows.push([
      entry.mac,
      entry.dev,
      entry.dst !== undefined ? formatIPv4(entry.dst) : '',
      entry.master ?? (entry.self ? 'self' : ''),
      entry.permanent ? 'permanent' : 'learned',
    ]);
  }
  for (const link of ns.links) {
    if (link.bridgePort && link.mac) rows.push([link.mac, link.name, '', `master ${link.bridgePort.bridge}`, 'permanent (port address)']);
    if (link.info.kind === 'bridge' && link.mac) rows.push([link.mac, link.name, '', `master ${link.name}`, 'permanent (bridge address)']);
  }
  return { title: `forwarding database in ${ns.displayName}`, columns: ['mac', 'dev', 'dst (VTEP)', 'table', 'kind'], rows };
}

export function bridgesView(ns: NetNs): ViewTable {
  const rows: string[][] = [];
  for (const bridge of ns.links.filter((l) => l.info.kind === 'bridge')) {
    const ports = ns.links.filter((l) => l.bridgePort?.bridge === bridge.name);
    const address = bridge.ipv4.map((a) => `${formatIPv4(a.ip)}/${a.len}`).join(', ');
    rows.push([
      bridge.name,
      bridge.mac ?? '',
      address,
      ports.map((p) => `${p.name}${p.bridgePort!.hairpin ? ' (hairpin)' : ''}`).join('\n') || '(no ports)',
    ]);
  }
  return { title: `bridges in ${ns.displayName}`, columns: ['bridge', 'mac', 'address', 'ports'], rows };
}

/** The devices' counters: the state's own, or (`counters`) those plus what a traffic run counted. */
export function statsView(ns: NetNs, counters: CountersOf = stateCounters): ViewTable {
  const rows = ns.links.map((l) => {
    const c = counters(l);
    return [l.name, String(c.rxPackets), String(c.rxBytes), String(c.txPackets), String(c.txBytes), String(c.rxDropped + c.txDropped)];
  });
  return {
    title: `interface counters in ${ns.displayName}`,
    columns: ['dev', 'rx packets', 'rx bytes', 'tx packets', 'tx bytes', 'dropped'],
    rows,
  };
}

export function sysctlsView(ns: NetNs): ViewTable {
  const rows = [...ns.sysctls].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, v]);
  return { title: `sysctls in ${ns.displayName}`, columns: ['name', 'value'], rows };
}

/** The view of each name but iptables (iptables-view.ts); the names themselves are in view-names.ts. */
export const VIEWS: Readonly<Record<Exclude<ViewName, 'iptables'>, (ns: NetNs) => ViewTable>> = {
  routes: routesView,
  links: linksView,
  addresses: addressesView,
  neighbours: neighboursView,
  fdb: fdbView,
  bridges: bridgesView,
  stats: statsView,
  sysctls: sysctlsView,
};

export { resolveView, VIEW_ALIASES, VIEW_NAMES, type ViewName };

/**
 * A view of one netns: one table, or for iptables one per netfilter table
 * (only `table` when given). `counters`: what the stats view shows.
 */
export function viewTables(view: ViewName, ns: NetNs, table?: string, counters?: CountersOf): ViewTable[] {
  if (view === 'iptables') return iptablesView(ns, table);
  return [view === 'stats' ? statsView(ns, counters) : VIEWS[view](ns)];
}
