/**
 * `ip route get ADDR [from SRC iif DEV] [mark M]` output. The lookup itself
 * belongs to the dataplane (src/dataplane/route-get.ts); this renders its result,
 * as iproute2 6.1 prints the RTM_F_CLONED answer the kernel sends back.
 */
import type { RouteGetError, RouteGetResult } from '../dataplane/route-get.js';
import { formatIPv4 } from '../net/ipv4.js';
import type { Lines } from './types.js';

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
