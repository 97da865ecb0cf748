/**
 * `ip route get`: the kernel's answer to a route query, from the FIB lookup.
 * Locally generated queries pick a source address; `from SRC iif DEV` asks
 * how a received packet would be forwarded.
 */
import type { NetNs } from '../kernel/netns.js';
import type { IPv4 } from '../net/ipv4.js';
import { fibLookup, selectSource } from './fib.js';

/** What `ip route get` asks the FIB. */
export interface RouteGetQuery {
  readonly dst: IPv4;
  readonly from?: IPv4;
  readonly iif?: string;
  readonly mark?: number;
}

/** A resolved `ip route get`: what the kernel's answer carries. */
export interface RouteGetResult {
  readonly kind: 'route';
  readonly dst: IPv4;
  /** unicast prints nothing; `local` and `broadcast` lead the line. */
  readonly type: 'unicast' | 'local' | 'broadcast' | 'multicast';
  /** Echoed when the query gave `from` (then `src` is not printed). */
  readonly from?: IPv4;
  readonly gateway?: IPv4;
  /** Output device (`lo` for local delivery). */
  readonly dev: string;
  /** Preferred source; printed only for locally generated lookups (no `iif`). */
  readonly src?: IPv4;
  /** Non-main tables print `table N` (e.g. policy routing); unset for main and local. */
  readonly table?: string;
  readonly mark?: number;
  /** Input device of a forwarded lookup (`iif cni0`); when absent the lookup is from this host, printed `uid 0`. */
  readonly iif?: string;
  /** Cached path MTU (`cache expires 595sec mtu 1450`). */
  readonly pmtu?: { readonly mtu: number; readonly expiresSec: number };
  /**
   * Route cache flags shown in `<...>`: `local`, `brd`, `redirect` (the
   * kernel would send an ICMP redirect: forwarded back out of its input device).
   */
  readonly cacheFlags?: readonly ('local' | 'brd' | 'redirect')[];
}

/** The errors `ip route get` reports as `RTNETLINK answers: ...` (exit 2). */
export interface RouteGetError {
  readonly kind: 'error';
  /** ENETUNREACH: no route; EHOSTUNREACH: `unreachable` route; EACCES: `prohibit`; EINVAL: `blackhole`. */
  readonly errno: 'ENETUNREACH' | 'EHOSTUNREACH' | 'EACCES' | 'EINVAL';
}

export function routeGet(ns: NetNs, query: RouteGetQuery): RouteGetResult | RouteGetError {
  const result = fibLookup(ns, query.dst, {
    ...(query.from !== undefined ? { src: query.from } : {}),
    ...(query.mark !== undefined ? { mark: query.mark } : {}),
  });
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
    dev: local ? 'lo' : (route.dev ?? 'lo'),
    ...(query.from !== undefined ? { from: query.from } : {}),
    ...(route.gateway !== undefined ? { gateway: route.gateway } : {}),
    ...(query.mark ? { mark: query.mark } : {}),
    ...(local ? { cacheFlags: ['local' as const] } : broadcast ? { cacheFlags: ['local' as const, 'brd' as const] } : {}),
  };
  if (forwarded) return { ...base, iif: query.iif! };
  const src = query.from ?? (local ? query.dst : selectSource(ns, route));
  return { ...base, ...(src !== undefined && query.from === undefined ? { src } : {}) };
}
