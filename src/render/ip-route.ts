/**
 * `ip route show [table local|main|all|N] [dev X] [PREFIX]` and `ip -d route`,
 * as iproute2 6.1 prints them (ip/iproute.c print_route): one token per
 * field, each followed by a space, so every IPv4 line ends with one.
 */
import type { Link } from '../kernel/link.js';
import type { NetNs } from '../kernel/netns.js';
import { RT_TABLE, tableName, type Route } from '../kernel/route.js';
import { contains, type Cidr } from '../net/cidr.js';
import { formatIPv4 } from '../net/ipv4.js';
import { ipv6LocalRoutes, ipv6MainRoutes } from './ipv6-auto.js';
import type { Lines } from './types.js';

export type RouteTableSelector = 'main' | 'local' | 'default' | 'all' | number;

/** How a destination given on the command line selects routes (iproute2's exact/root/match). */
export interface PrefixSelector {
  readonly cidr: Cidr;
  /** `exact` (a bare prefix): that very route; `root`: it and more specific ones; `match`: the ones containing it. */
  readonly mode: 'exact' | 'root' | 'match';
}

export interface IpRouteOptions {
  readonly table?: RouteTableSelector;
  /** `dev X`: only routes out of X, printed without `dev X`. */
  readonly dev?: string;
  /** `-d`: always print type, proto and scope. */
  readonly details?: boolean;
  /** `-4` / `-6`. Unset means IPv4, except under `table all` where iproute2 dumps both families. */
  readonly family?: 'inet' | 'inet6';
  readonly prefix?: PrefixSelector;
  /** `proto P`: only routes of that protocol, printed without `proto` (iproute2 masks the field it filtered on). */
  readonly protocol?: number;
}

/** /etc/iproute2/rt_protos on the profile machine; other numbers print as digits. */
const RT_PROTOS: Readonly<Record<number, string>> = {
  0: 'unspec',
  1: 'redirect',
  2: 'kernel',
  3: 'boot',
  4: 'static',
  8: 'gated',
  9: 'ra',
  10: 'mrt',
  11: 'zebra',
  12: 'bird',
  13: 'dnrouted',
  14: 'xorp',
  15: 'ntk',
  16: 'dhcp',
  18: 'keepalived',
  42: 'babel',
  99: 'openr',
  186: 'bgp',
  187: 'isis',
  188: 'ospf',
  189: 'rip',
  192: 'eigrp',
};

export function protocolName(protocol: number): string {
  return RT_PROTOS[protocol] ?? String(protocol);
}

export function tableId(selector: Exclude<RouteTableSelector, 'all'>): number {
  return typeof selector === 'number' ? selector : RT_TABLE[selector];
}

function selects(route: Route, prefix: PrefixSelector | undefined): boolean {
  if (!prefix) return true;
  const { cidr, mode } = prefix;
  if (mode === 'exact') return route.dst.len === cidr.len && route.dst.addr === cidr.addr;
  if (mode === 'root') return route.dst.len >= cidr.len && contains(cidr, route.dst.addr);
  return route.dst.len <= cidr.len && contains(route.dst, cidr.addr);
}

/**
 * The kernel marks a nexthop `linkdown` when its device has no carrier
 * (fib_sync_down_dev on NETDEV_CHANGE); host-scope `local` routes are exempt.
 */
function isLinkdown(route: Route, dev: Link | undefined): boolean {
  return dev !== undefined && route.type !== 'local' && (!dev.state.carrier || !dev.state.up);
}

export interface RouteLineOptions {
  readonly showDev: boolean;
  readonly showProto?: boolean;
  readonly showTable: boolean;
  readonly details: boolean;
}

/** One route as `print_route` formats it. */
export function routeLine(route: Route, dev: Link | undefined, options: RouteLineOptions): string {
  let line = '';
  if (route.type !== 'unicast' || options.details) line += `${route.type} `;
  line +=
    route.dst.len === 0
      ? 'default '
      : route.dst.len === 32
        ? `${formatIPv4(route.dst.addr)} `
        : `${formatIPv4(route.dst.addr)}/${route.dst.len} `;
  if (route.gateway !== undefined) line += `via ${formatIPv4(route.gateway)} `;
  if (route.dev !== undefined && options.showDev) line += `dev ${route.dev} `;
  if (route.table !== RT_TABLE.main && options.showTable) line += `table ${tableName(route.table)} `;
  if ((route.protocol !== 3 || options.details) && options.showProto !== false) line += `proto ${protocolName(route.protocol)} `;
  if (route.scope !== 'universe' || options.details) line += `scope ${route.scope === 'universe' ? 'global' : route.scope} `;
  if (route.prefsrc !== undefined) line += `src ${formatIPv4(route.prefsrc)} `;
  // The kernel sends RTA_PRIORITY only when it is non-zero.
  if (route.metric) line += `metric ${route.metric} `;
  if (route.onlink) line += 'onlink ';
  if (isLinkdown(route, dev)) line += 'linkdown ';
  if (route.mtu !== undefined) line += `mtu ${route.mtu} `;
  return line;
}

/**
 * Tables in the order the kernel dumps them: by bucket of its 256-entry
 * table hash (id & 255), so main (254) comes before local (255).
 */
function dumpOrder(ns: NetNs): number[] {
  return [...ns.routes.keys()].sort((a, b) => (a & 255) - (b & 255) || a - b);
}

export function* renderIpRoute(ns: NetNs, options: IpRouteOptions = {}): Lines {
  const selector = options.table ?? 'main';
  const all = selector === 'all';
  const family = options.family ?? (all ? undefined : 'inet');
  const lineOptions: RouteLineOptions = {
    showDev: options.dev === undefined,
    showProto: options.protocol === undefined,
    showTable: all,
    details: options.details ?? false,
  };
  const linkByName = new Map(ns.links.map((l) => [l.name, l]));
  const tables = all ? dumpOrder(ns) : [tableId(selector)];
  if (family !== 'inet6') {
    for (const table of tables) {
      for (const route of ns.routes.get(table) ?? []) {
        if (options.dev !== undefined && route.dev !== options.dev) continue;
        if (!selects(route, options.prefix)) continue;
        if (options.protocol !== undefined && route.protocol !== options.protocol) continue;
        yield routeLine(route, route.dev !== undefined ? linkByName.get(route.dev) : undefined, lineOptions);
      }
    }
  }
  // Prefix selectors are IPv4 here; IPv6 routes are only the kernel's automatic ones.
  if (family !== 'inet' && options.prefix === undefined && options.protocol === undefined) {
    const v6 = { showTable: all, ...(options.dev !== undefined ? { dev: options.dev } : {}) };
    if (all || selector === 'main') yield* ipv6MainRoutes(ns, v6);
    if (all || selector === 'local') yield* ipv6LocalRoutes(ns, v6);
  }
}
