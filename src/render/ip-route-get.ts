/**
 * `ip route get ADDR [from SRC iif DEV] [mark M]` output. The lookup itself
 * belongs to the dataplane (src/dataplane/fib.ts); this renders its result,
 * as iproute2 6.1 prints the RTM_F_CLONED answer the kernel sends back.
 */
import type { IPv4 } from '../net/ipv4.js';
import { formatIPv4 } from '../net/ipv4.js';
import type { Lines } from './types.js';

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

export const ROUTE_GET_ERROR_TEXT: Readonly<Record<RouteGetError['errno'], string>> = {
  ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host',
  EACCES: 'Permission denied',
  EINVAL: 'Invalid argument',
};

export function routeGetErrorText(error: RouteGetError): string {
  return `RTNETLINK answers: ${ROUTE_GET_ERROR_TEXT[error.errno]}`;
}

export function* renderRouteGet(result: RouteGetResult): Lines {
  let line = result.type === 'unicast' ? '' : `${result.type} `;
  line += `${formatIPv4(result.dst)} `;
  if (result.from !== undefined) line += `from ${formatIPv4(result.from)} `;
  if (result.gateway !== undefined) line += `via ${formatIPv4(result.gateway)} `;
  line += `dev ${result.dev} `;
  if (result.table !== undefined) line += `table ${result.table} `;
  if (result.iif === undefined && result.src !== undefined) line += `src ${formatIPv4(result.src)} `;
  if (result.mark !== undefined) line += `mark 0x${result.mark.toString(16)} `;
  if (result.iif === undefined) line += 'uid 0 ';
  yield line;
  let cache = '    cache ';
  if (result.cacheFlags && result.cacheFlags.length > 0) cache += `<${result.cacheFlags.join(',')}> `;
  if (result.pmtu) cache += `expires ${result.pmtu.expiresSec}sec mtu ${result.pmtu.mtu} `;
  if (result.iif !== undefined) cache += `iif ${result.iif} `;
  yield cache;
}
