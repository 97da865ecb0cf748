/**
 * The routing decisions a walk records, and the kernel's ICMP errors:
 * fib_lookup as ip_route_output_key and ip_route_input_slow call it (a
 * `route` step naming the table, the route and how many routes were
 * examined), the special route types (blackhole, unreachable, prohibit:
 * ip_error and the errnos a socket gets), and icmp_send's choice of source
 * address for an error.
 */
import type { NetNs } from '../../kernel/netns.js';
import type { Route } from '../../kernel/route.js';
import { formatIPv4, type IPv4 } from '../../net/ipv4.js';
import type { Packet } from '../../flow/packet.js';
import type { Disposition, SenderNotice } from '../../flow/trace.js';
import { fibLookup, isLocalAddress, selectSource } from '../fib.js';
import type { Event, Walk } from './walk.js';

/** The route to `dst`, recorded; undefined (a `no-route` step) when there is none. */
export function route(walk: Walk, ns: NetNs, dst: IPv4, src: IPv4 | undefined, decision: 'output' | 'input'): Route | undefined {
  const result = fibLookup(ns, dst, src !== undefined ? { src } : {});
  if (!result.ok) {
    walk.record({ kind: 'no-route', dst });
    return undefined;
  }
  const kind = result.route.type === 'local' || result.route.type === 'broadcast' ? 'local' : decision === 'input' ? 'forward' : 'output';
  walk.record({ kind: 'route', table: result.table, route: result.route, routesExamined: result.examined, decision: kind });
  return result.route;
}

/** A route to one of the netns' own addresses (or a broadcast one): the packet goes up, not out. */
export function isLocalRoute(route: Route): boolean {
  return route.type === 'local' || route.type === 'broadcast';
}

/** blackhole / unreachable / prohibit routes end the walk as the kernel does. */
export function specialRoute(walk: Walk, ns: NetNs, route: Route, local: boolean, p?: Packet): Event | undefined {
  switch (route.type) {
    case 'blackhole':
      return walk.finish(
        'ROUTE_BLACKHOLE',
        `blackhole route ${formatIPv4(route.dst.addr)}/${route.dst.len} in ${ns.displayName}: dropped silently`,
        local ? { kind: 'local-error', errno: 'EINVAL' } : { kind: 'none' },
        ns.id,
      );
    case 'unreachable':
      if (local)
        return walk.finish(
          'ROUTE_UNREACHABLE',
          `unreachable route in ${ns.displayName}`,
          { kind: 'local-error', errno: 'EHOSTUNREACH' },
          ns.id,
        );
      return icmpError(walk, ns, p!, 3, 1, 'ROUTE_UNREACHABLE', `unreachable route in ${ns.displayName}`);
    case 'prohibit':
      if (local)
        return walk.finish('ROUTE_PROHIBIT', `prohibit route in ${ns.displayName}`, { kind: 'local-error', errno: 'EACCES' }, ns.id);
      return icmpError(walk, ns, p!, 3, 13, 'ROUTE_PROHIBIT', `prohibit route in ${ns.displayName}`);
    default:
      return undefined;
  }
}

/**
 * The kernel answers an undeliverable packet with an ICMP error from this
 * netns (icmp_send). About a packet addressed to this netns (port
 * unreachable) it answers from that very address; about one in transit,
 * from the address the route back to the sender picks.
 */
export function icmpError(
  walk: Walk,
  ns: NetNs,
  p: Packet,
  type: number,
  code: number,
  disposition: Disposition,
  why: string,
  mtu?: number,
): undefined {
  const back = fibLookup(ns, p.src);
  const from = back.ok ? (isLocalAddress(ns, p.dst) ? p.dst : selectSource(ns, back.route)) : undefined;
  const notice: SenderNotice =
    from !== undefined ? { kind: 'icmp', from, type, code, ...(mtu !== undefined ? { mtu } : {}) } : { kind: 'none' };
  return walk.finish(disposition, why, notice, ns.id, { icmpFrom: { ns }, offending: p });
}
