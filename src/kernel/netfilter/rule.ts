/**
 * iptables rules as structured data: the walker evaluates them and the
 * iptables-save renderer prints them in iptables 1.8.9's normalised order
 * (addresses, interfaces, protocol, then -m matches as given, then -j).
 */
import type { Cidr } from '../../net/cidr.js';
import type { IPv4 } from '../../net/ipv4.js';

export type TableName = 'raw' | 'mangle' | 'nat' | 'filter' | 'security';
export type BuiltinChain = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

export interface Negatable<T> {
  readonly value: T;
  readonly negate?: boolean;
}

export type Match =
  | { readonly module: 'comment'; readonly comment: string }
  | { readonly module: 'mark'; readonly value: number; readonly mask: number; readonly negate?: boolean }
  | { readonly module: 'tcp' | 'udp' | 'sctp'; readonly dport?: Negatable<number>; readonly sport?: Negatable<number> }
  /** Ports, or ranges written `LO:HI` (Felix's policy port ranges). */
  | { readonly module: 'multiport'; readonly dports: readonly (number | string)[] }
  | { readonly module: 'conntrack'; readonly ctstate: readonly string[]; readonly negate?: boolean }
  /** xt_state, the older spelling of conntrack --ctstate (kube-proxy's userspace mode writes `-m state --state NEW`); iptables 1.8.9 saves it as given. */
  | { readonly module: 'state'; readonly states: readonly string[] }
  | {
      readonly module: 'addrtype';
      readonly srcType?: Negatable<string>;
      readonly dstType?: Negatable<string>;
      readonly limitIfaceIn?: boolean;
      readonly limitIfaceOut?: boolean;
    }
  /** `probability` as the kernel keeps it: a multiple of 2^-31 (iptables stores lround(p * 2^31)). */
  | { readonly module: 'statistic'; readonly mode: 'random'; readonly probability: number }
  | {
      readonly module: 'recent';
      readonly action: 'set' | 'rcheck';
      readonly name: string;
      readonly side: 'source' | 'dest';
      readonly seconds?: number;
      readonly reap?: boolean;
      readonly mask: string;
    }
  | { readonly module: 'set'; readonly name: string; readonly flags: readonly ('src' | 'dst')[]; readonly negate?: boolean }
  /** `isIn: false` is `! --physdev-is-in` (not arrived through a bridge port: kube-proxy's "traffic from off-machine"). */
  | {
      readonly module: 'physdev';
      readonly isBridged?: boolean;
      readonly isIn?: boolean;
      readonly physdevIn?: string;
      readonly physdevOut?: string;
    }
  | { readonly module: 'icmp'; readonly icmpType: string }
  /** xt_nfacct: counts into a named nfacct object (kube-proxy's metrics counters); always matches. */
  | { readonly module: 'nfacct'; readonly name: string };

export type Target =
  | { readonly kind: 'ACCEPT' | 'DROP' | 'RETURN' }
  | { readonly kind: 'jump'; readonly chain: string }
  | { readonly kind: 'goto'; readonly chain: string }
  | { readonly kind: 'MASQUERADE'; readonly randomFully?: boolean; readonly toPorts?: string }
  | { readonly kind: 'DNAT'; readonly to: { readonly ip: IPv4; readonly port?: number } }
  | { readonly kind: 'SNAT'; readonly to: IPv4; readonly randomFully?: boolean }
  | { readonly kind: 'MARK'; readonly value: number; readonly mask: number }
  | { readonly kind: 'REJECT'; readonly rejectWith: string }
  | { readonly kind: 'REDIRECT'; readonly toPorts: number }
  | { readonly kind: 'NOTRACK' };

export interface IptRule {
  readonly src?: Negatable<Cidr>;
  readonly dst?: Negatable<Cidr>;
  readonly inIface?: Negatable<string>;
  readonly outIface?: Negatable<string>;
  /** Protocol name as iptables-save prints it (tcp, udp, icmp, ...). */
  readonly protocol?: Negatable<string>;
  readonly matches: readonly Match[];
  /** Absent for a rule with no target (it only counts). */
  readonly target?: Target;
}

export interface Chain {
  readonly name: string;
  /** Built-in chains have a policy; user chains print `-`. */
  readonly policy?: 'ACCEPT' | 'DROP';
  readonly rules: readonly IptRule[];
}

export interface NetfilterTable {
  readonly name: TableName;
  /** Built-in chains first, in hook order, then user chains in creation order. */
  readonly chains: readonly Chain[];
}

/** The iptables state of one netns; tables that were never touched are absent. */
export interface Netfilter {
  readonly tables: readonly NetfilterTable[];
}

/** The built-in chains each table has, in hook order (as iptables-save lists them). */
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly BuiltinChain[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};
