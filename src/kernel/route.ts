/** The FIB: routing tables, routes and policy rules, as `ip route` / `ip rule` see them. */
import type { Cidr } from '../net/cidr.js';
import type { IPv4 } from '../net/ipv4.js';

export const RT_TABLE = { local: 255, main: 254, default: 253 } as const;

/** A table as /etc/iproute2/rt_tables names it (`local`, `main`, `default`), else its number. */
export function tableName(table: number): string {
  return table === RT_TABLE.local ? 'local' : table === RT_TABLE.main ? 'main' : table === RT_TABLE.default ? 'default' : String(table);
}

/** rtm_protocol values (/etc/iproute2/rt_protos); 3 (boot) is hidden by `ip route`. */
export const RTPROT = { unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, bird: 12, calicoFelix: 80 } as const;

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';
export type RouteScope = 'universe' | 'link' | 'host';

export interface Route {
  readonly table: number;
  readonly type: RouteType;
  readonly dst: Cidr;
  readonly gateway?: IPv4;
  readonly dev?: string;
  readonly protocol: number;
  readonly scope: RouteScope;
  /** Preferred source (`src`). */
  readonly prefsrc?: IPv4;
  readonly metric?: number;
  readonly onlink?: boolean;
  /** Route MTU metric (`mtu N`). */
  readonly mtu?: number;
}

export interface PolicyRule {
  readonly priority: number;
  readonly table: number;
  readonly from?: Cidr;
  readonly fwmark?: { readonly value: number; readonly mask: number };
}

export const DEFAULT_POLICY_RULES: readonly PolicyRule[] = [
  { priority: 0, table: RT_TABLE.local },
  { priority: 32766, table: RT_TABLE.main },
  { priority: 32767, table: RT_TABLE.default },
];

/**
 * The order `ip route show` prints a table in: the fib_trie's key order,
 * ascending destination, and for one destination the longer prefix first.
 * Equal prefixes keep their insertion order (the kernel's fib_alias list
 * orders by tos and priority; netlab inserts in that order already).
 */
export function fibOrder(a: Route, b: Route): number {
  return a.dst.addr - b.dst.addr || b.dst.len - a.dst.len || (a.metric ?? 0) - (b.metric ?? 0);
}
