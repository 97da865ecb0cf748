/**
 * Route lookup as fib_lookup does it: policy rules in priority order, in each
 * table the longest matching prefix (then the lowest metric), `throw` moving
 * on to the next rule. Plus source address selection for locally generated
 * packets (inet_select_addr).
 */
import type { Link } from '../kernel/link.js';
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
 * by `route` (inet_select_addr): the route's preferred source, else the egress
 * device's first address in the same subnet as the next hop, else its first
 * address of suitable scope, else a global address of any other device in
 * ifindex order (how a calico node answers from eth0 over an address-less cali veth).
 */
export function selectSource(ns: NetNs, route: Route, dst: IPv4): IPv4 | undefined {
  if (route.prefsrc !== undefined) return route.prefsrc;
  const nexthop = route.gateway ?? dst;
  const dev = route.dev !== undefined ? ns.links.find((l) => l.name === route.dev) : undefined;
  const fromDev = dev && pickAddress(dev, nexthop, route.scope === 'host' ? 'host' : 'link');
  return fromDev ?? otherGlobalAddress(ns, dev);
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
  return dev?.ipv4.find((a) => a.scope === 'global')?.ip ?? otherGlobalAddress(ns, dev);
}

/** inet_select_addr's last resort: the first global address of a device other than `dev`, in ifindex order. */
function otherGlobalAddress(ns: NetNs, dev: Link | undefined): IPv4 | undefined {
  for (const link of ns.links) {
    if (link === dev) continue;
    const global = link.ipv4.find((a) => a.scope === 'global');
    if (global) return global.ip;
  }
  return undefined;
}

function pickAddress(dev: Link, nexthop: IPv4, maxScope: 'link' | 'host'): IPv4 | undefined {
  // An address is usable when its scope is no narrower than the route's.
  const rank = { global: 0, link: 1, host: 2 } as const;
  const usable = dev.ipv4.filter((a) => rank[a.scope] <= rank[maxScope]);
  const sameSubnet = usable.find((a) => contains(cidr(a.ip, a.len), nexthop));
  return (sameSubnet ?? usable[0])?.ip;
}
