/**
 * The words netfilter evaluation is spoken in, below the code that speaks
 * them: what a hook passes to the tables (HookContext: the devices, the
 * conntrack state, the session's random source and dynamic sets), what one
 * table or base chain answers (ChainResult, with its RuleHit), and what the
 * whole hook answers (HookResult). xtables.ts, nft.ts, nat.ts, priority.ts
 * and hooks.ts all import them from here.
 */
import type { NetNs } from '../../kernel/netns.js';
import type { BuiltinChain, IptRule } from '../../kernel/netfilter/rule.js';
import type { NftRule } from '../../kernel/nftables.js';
import type { IPv4 } from '../../net/ipv4.js';
import type { Packet } from '../../flow/packet.js';
import type { NftPathEntry } from '../../flow/trace.js';
import type { NftDynamicSets } from './nft-sets.js';
import type { RecentLists } from './recent.js';

export type CtState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED';

export interface HookContext {
  readonly ns: NetNs;
  readonly hook: BuiltinChain;
  readonly inIface?: string;
  readonly outIface?: string;
  /** Bridge ports, when the packet is being bridged (br_netfilter). */
  readonly physIn?: string;
  readonly physOut?: string;
  readonly ctState: CtState;
  /** Picks for `-m statistic --mode random` and nft's `numgen random` (the walker makes them reproducible). */
  readonly random: (probability: number) => boolean;
  /** Source address MASQUERADE would pick on the egress device. */
  readonly masqueradeSource?: (outIface: string) => IPv4 | undefined;
  /** The address REDIRECT sends a received packet to: the incoming device's first IPv4 address. */
  readonly redirectAddress?: (inIface: string) => IPv4 | undefined;
  /** nftables sets that `update @set` statements add to (kube-proxy's affinity), kept by the walk session. */
  readonly nftSets?: NftDynamicSets;
  /** xt_recent lists (`-m recent`), kept for the session; without them every --rcheck misses. */
  readonly recent?: RecentLists;
}

export interface RuleHit {
  /** The iptables table (`nat`, `filter`, ...), or the nftables table as nft names it (`ip kube-proxy`). */
  readonly table: string;
  readonly chain: string;
  /** 0-based position in the chain; undefined when the chain's policy decided. */
  readonly index?: number;
  readonly rule?: IptRule;
  readonly verdict: string;
  /** Rules whose matches were tested in this table (nftables: this base chain) on the way to the verdict; a map lookup is one rule. */
  readonly rulesEvaluated: number;
  /** The translation this hit made, if any. */
  readonly nat?: 'DNAT' | 'SNAT' | 'MASQUERADE';
  /** nftables only: the base chain the hook called, its priority, the deciding rule and the rules that passed control on the way. */
  readonly nft?: { readonly baseChain: string; readonly priority: number; readonly rule?: NftRule; readonly path: readonly NftPathEntry[] };
}

export interface HookResult {
  readonly packet: Packet;
  readonly verdict: 'ACCEPT' | 'DROP' | 'REJECT';
  readonly rejectWith?: string;
  /** One entry per table (nftables: per base chain) that had rules to evaluate. */
  readonly hits: readonly RuleHit[];
  readonly nat?: { readonly kind: 'DNAT' | 'SNAT' | 'MASQUERADE'; readonly before: Packet; readonly after: Packet };
}

/** What one iptables table or one nftables base chain decides. */
export interface ChainResult {
  readonly packet: Packet;
  readonly terminal: 'ACCEPT' | 'DROP' | 'REJECT';
  readonly rejectWith?: string;
  readonly hit: RuleHit;
  readonly nat?: 'DNAT' | 'SNAT' | 'MASQUERADE';
}
