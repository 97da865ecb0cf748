/**
 * Route lookup as fib_lookup does it: policy rules in priority order, in each
 * table the longest matching prefix (then the lowest metric), `throw` moving
 * on to the next rule. Plus source address selection for locally generated
 * packets (inet_select_addr).
 */
import type { Ipv4Address, Link } from '../kernel/link.js';
import type { NetNs } from '../kernel/netns.js';
import { RT_TABLE, type Route } from '../kernel/route.js';
import { cidr, contains } from '../net/cidr.js';
import type { IPv4 } from '../net/ipv4.js';

export interface FibHit {
  readonly ok: true;
  readonly route: Route;
  readonly table: number;
  /** Routes the lookup compared on the way (for "rules evaluated"-style reporting). */
  readonly examined: number;
}

export interface FibMiss {
  readonly ok: false;
  /** ENETUNREACH: no table had a route. */
  readonly reason: 'no-route';
  readonly examined: number;
}

export type FibResult = FibHit | FibMiss;

/** The best route for `dst` in one table, or undefined. */
export function lookupTable(routes: readonly Route[], dst: IPv4): Route | undefined {
  let best: Route | undefined;
  for (const route of routes) {
    if (!contains(route.dst, dst)) continue;
    if (!best || route.dst.len > best.dst.len || (route.dst.len === best.dst.len && (route.metric ?? 0) < (best.metric ?? 0))) {
      best = route;
    }
  }
  return best;
}

export function fibLookup(ns: NetNs, dst: IPv4, options: { src?: IPv4; mark?: number } = {}): FibResult {
  let examined = 0;
  for (const rule of ns.rules) {
    if (rule.from && (options.src === undefined || !contains(rule.from, options.src))) continue;
    if (rule.fwmark && ((options.mark ?? 0) & rule.fwmark.mask) !== rule.fwmark.value) continue;
    const table = ns.routes.get(rule.table);
    if (!table) continue;
    examined += table.length;
    const route = lookupTable(table, dst);
    if (!route || route.type === 'throw') continue;
    return { ok: true, route, table: rule.table, examined };
  }
  return { ok: false, reason: 'no-route', examined };
}

/** True when `ip` is one of the namespace's own addresses (a `local` route in table local). */
export function isLocalAddress(ns: NetNs, ip: IPv4): boolean {
  const local = ns.routes.get(RT_TABLE.local);
  const route = local && lookupTable(local, ip);
  return route?.type === 'local';
}

/**
 * The source address the kernel picks for a locally generated packet leaving
 * by `route` (fib_info_update_nhc_saddr → inet_select_addr(dev, gateway,
 * route scope)): the route's preferred source, else the egress device's
 * first address in the gateway's subnet, else its first address; only
 * addresses no narrower in scope than the route count (a gateway route,
 * scope universe, takes global addresses only; a device route, scope
 * link, global or link ones). A device route has no gateway, so the
 * destination plays no part: `10.2.0.0/25 dev v0` on a device holding
 * 10.1.0.1/24 and 10.2.0.1/24 answers from 10.1.0.1. With no address fit
 * on the device, another device's (in ifindex order) will do: how a calico
 * node answers from eth0 over an address-less cali veth.
 */
export function selectSource(ns: NetNs, route: Route): IPv4 | undefined {
  if (route.prefsrc !== undefined) return route.prefsrc;
  const scope = ROUTE_SCOPE_RANK[route.scope];
  const dev = route.dev !== undefined ? ns.links.find((l) => l.name === route.dev) : undefined;
  const fits = (a: Ipv4Address) => ADDRESS_SCOPE_RANK[a.scope] <= scope;
  const gateway = route.gateway;
  const fromDev =
    dev &&
    ((gateway !== undefined ? firstInKernelOrder(dev.ipv4, (a) => fits(a) && contains(cidr(a.ip, a.len), gateway)) : undefined) ??
      firstInKernelOrder(dev.ipv4, fits));
  return fromDev?.ip ?? otherDeviceAddress(ns, dev, scope);
}

/**
 * The source MASQUERADE gives a packet leaving by `outDev`
 * (nf_nat_masquerade_ipv4: inet_select_addr at universe scope): the
 * device's first global address, else, as for any source selection, a
 * global address of another device in ifindex order. So a node reaching a
 * cluster IP whose endpoint is itself (out lo) or a pod behind calico's
 * address-less cali veth is masqueraded to its eth0 address.
 */
export function masqueradeSource(ns: NetNs, outDev: string): IPv4 | undefined {
  const dev = ns.links.find((l) => l.name === outDev);
  return dev?.ipv4.find((a) => a.scope === 'global')?.ip ?? otherDeviceAddress(ns, dev, ROUTE_SCOPE_RANK.universe);
}

/**
 * inet_select_addr's last resort (in_dev_select_addr): the first address of
 * another device, in ifindex order, that is neither link-scoped nor
 * narrower in scope than the route.
 */
function otherDeviceAddress(ns: NetNs, dev: Link | undefined, scope: number): IPv4 | undefined {
  for (const link of ns.links) {
    if (link === dev) continue;
    const fit = firstInKernelOrder(link.ipv4, (a) => a.scope !== 'link' && ADDRESS_SCOPE_RANK[a.scope] <= scope);
    if (fit) return fit.ip;
  }
  return undefined;
}

/** Scopes as the kernel numbers them (RT_SCOPE_*): the wider the scope, the smaller the number. */
const ROUTE_SCOPE_RANK: Readonly<Record<Route['scope'], number>> = { universe: 0, link: 253, host: 254 };
const ADDRESS_SCOPE_RANK: Readonly<Record<Ipv4Address['scope'], number>> = { global: 0, link: 253, host: 254 };

/**
 * The first address that fits, in the order the kernel keeps a device's
 * addresses (__inet_insert_ifa puts a new primary address after the last
 * one of its scope or a narrower one): host-scoped first, then link-scoped,
 * then global, each in the order they were added.
 */
function firstInKernelOrder(addresses: readonly Ipv4Address[], fits: (a: Ipv4Address) => boolean): Ipv4Address | undefined {
  for (const scope of ['host', 'link', 'global'] as const) {
    const found = addresses.find((a) => a.scope === scope && fits(a));
    if (found) return found;
  }
  return undefined;
}
