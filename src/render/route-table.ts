/**
 * net-tools 2.10 `route -n` and `netstat -rn`: the main table as
 * /proc/net/route lists it (FIB order), formatted by lib/inet_gr.c.
 */
import type { NetNs } from '../kernel/netns.js';
import { RT_TABLE, type Route } from '../kernel/route.js';
import { formatIPv4, formatNetmask } from '../net/ipv4.js';
import { padLeft, padRight } from './format.js';
import type { Lines } from './types.js';

/** RTF_* as the kernel reports them in /proc/net/route, spelled by net-tools. */
export function routeFlags(route: Route): string {
  // unreachable/prohibit carry RTF_REJECT, which net-tools prints alone as "!".
  if (route.type === 'unreachable' || route.type === 'prohibit') return '!';
  let flags = 'U';
  if (route.gateway !== undefined) flags += 'G';
  if (route.dst.len === 32) flags += 'H';
  return flags;
}

interface Row {
  readonly destination: string;
  readonly gateway: string;
  readonly genmask: string;
  readonly flags: string;
  readonly metric: number;
  readonly ref: string;
  readonly iface: string;
  readonly reject: boolean;
}

function* rows(ns: NetNs): Iterable<Row> {
  for (const route of ns.routes.get(RT_TABLE.main) ?? []) {
    const reject = route.type === 'unreachable' || route.type === 'prohibit';
    yield {
      destination: formatIPv4(route.dst.addr),
      gateway: reject ? '-' : formatIPv4(route.gateway ?? 0),
      genmask: formatNetmask(route.dst.len),
      flags: routeFlags(route),
      metric: route.metric ?? 0,
      ref: reject ? '-' : '0',
      // A route with no device (blackhole) has no interface name: "*".
      iface: reject ? '-' : (route.dev ?? '*'),
      reject,
    };
  }
}

/** `route -n`: "%-15s %-15s %-15s %-5s %-6d %-2s %7d %s". */
export function* renderRouteN(ns: NetNs): Lines {
  yield 'Kernel IP routing table';
  yield 'Destination     Gateway         Genmask         Flags Metric Ref    Use Iface';
  for (const r of rows(ns)) {
    yield `${padRight(r.destination, 15)} ${padRight(r.gateway, 15)} ${padRight(r.genmask, 15)} ${padRight(r.flags, 5)} ${padRight(String(r.metric), 6)} ${padRight(r.ref, 2)} ${padLeft('0', 7)} ${r.iface}`;
  }
}

/** `netstat -rn`: the same rows with MSS, Window and irtt instead of Metric, Ref and Use. */
export function* renderNetstatRn(ns: NetNs): Lines {
  yield 'Kernel IP routing table';
  yield 'Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface';
  for (const r of rows(ns)) {
    // Reject routes have no MSS, window or irtt: net-tools prints "-".
    const zero = r.reject ? '-' : '0';
    yield `${padRight(r.destination, 15)} ${padRight(r.gateway, 15)} ${padRight(r.genmask, 15)} ${padRight(r.flags, 5)} ${padLeft(zero, 5)} ${padRight(zero, 6)} ${padLeft(zero, 5)} ${r.iface}`;
  }
}
