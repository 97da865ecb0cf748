/**
 * `ip route get`: the kernel's answer to a route query, from the FIB lookup.
 * Locally generated queries pick a source address; `from SRC iif DEV` asks
 * how a received packet would be forwarded.
 */
import type { NetNs } from '../kernel/netns.js';
import type { IPv4 } from '../net/ipv4.js';
import type { RouteGetError, RouteGetResult } from '../render/ip-route-get.js';
import { fibLookup, selectSource } from './fib.js';

export interface RouteGetQuery {
  readonly dst: IPv4;
  readonly from?: IPv4;
  readonly iif?: string;
  readonly mark?: number;
}

export function routeGet(ns: NetNs, query: RouteGetQuery): RouteGetResult | RouteGetError {
  const result = fibLookup(ns, query.dst, { ...(query.from !== undefined ? { src: query.from } : {}), ...(query.mark !== undefined ? { mark: query.mark } : {}) });
  if (!result.ok) return { kind: 'error', errno: 'ENETUNREACH' };
  const route = result.route;
  switch (route.type) {
    case 'blackhole':
      return { kind: 'error', errno: 'EINVAL' };
    case 'unreachable':
      return { kind: 'error', errno: 'EHOSTUNREACH' };
    case 'prohibit':
      return { kind: 'error', errno: 'EACCES' };
    default:
      break;
  }
  const local = route.type === 'local';
  const broadcast = route.type === 'broadcast';
  const forwarded = query.iif !== undefined;
  const base = {
    kind: 'route' as const,
    dst: query.dst,
    type: local ? ('local' as const) : broadcast ? ('broadcast' as const) : ('unicast' as const),
    // Local delivery goes through the loopback device.
    dev: local ? 'lo' : route.dev ?? 'lo',
    ...(query.from !== undefined ? { from: query.from } : {}),
    ...(route.gateway !== undefined ? { gateway: route.gateway } : {}),
    ...(query.mark ? { mark: query.mark } : {}),
    ...(local ? { cacheFlags: ['local' as const] } : broadcast ? { cacheFlags: ['local' as const, 'brd' as const] } : {}),
  };
  if (forwarded) return { ...base, iif: query.iif! };
  const src = query.from ?? (local ? query.dst : selectSource(ns, route));
  return { ...base, ...(src !== undefined && query.from === undefined ? { src } : {}) };
}
