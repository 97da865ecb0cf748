/**
 * nftables state as structured data: what `nft list ruleset` shows of one
 * netns. kube-proxy's nftables mode writes it (src/proxy/nftables/), the
 * walker evaluates it (src/dataplane/netfilter/nft.ts) and the renderers print it
 * twice: as nft lists it back (src/render/nft.ts) and as kube-proxy wrote it
 * through knftables (the transaction upstream's tests expect).
 *
 * Only what kube-proxy (and labs) use is modelled: the expression set is a
 * closed union, so an evaluator and a printer can be exhaustive over it.
 * Addresses are IPv4 as uint32 (src/net/ipv4.ts); this model is IPv4-only,
 * as the rest of netlab is.
 */
import type { Cidr } from '../net/cidr.js';
import type { IPv4 } from '../net/ipv4.js';

export type NftFamily = 'ip' | 'inet';
export type NftHook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
export type NftChainType = 'filter' | 'nat' | 'route';

/** A base chain: one that a netfilter hook calls. */
export interface NftBaseChain {
  readonly type: NftChainType;
  readonly hook: NftHook;
  /** The number (dstnat = -100, srcnat = 100, filter = 0, ...); nft prints the standard names back. */
  readonly priority: number;
  readonly policy: 'accept' | 'drop';
}

export type NftVerdict =
  { readonly kind: 'accept' | 'drop' | 'return' | 'continue' } | { readonly kind: 'jump' | 'goto'; readonly chain: string };

/** What a selector reads off the packet (or its context). */
export type NftSelector =
  | { readonly kind: 'ip'; readonly field: 'saddr' | 'daddr' }
  /** `meta l4proto` (the transport protocol; `ip protocol` is not used by kube-proxy). */
  | { readonly kind: 'l4proto' }
  /** `th dport` (any transport header) or `tcp dport` / `udp dport` / `sctp dport` (implies the protocol). */
  | { readonly kind: 'port'; readonly header: 'th' | 'tcp' | 'udp' | 'sctp'; readonly field: 'sport' | 'dport' }
  | { readonly kind: 'mark' }
  | { readonly kind: 'ct-state' }
  /** `fib daddr type` / `fib saddr type`: local, unicast, ... as the FIB classifies the address. */
  | { readonly kind: 'fib-type'; readonly field: 'saddr' | 'daddr' }
  | { readonly kind: 'iface'; readonly field: 'iifname' | 'oifname' };

/** A constant a selector is compared with or looked up by. */
export type NftValue =
  | { readonly kind: 'addr'; readonly value: IPv4 }
  | { readonly kind: 'prefix'; readonly value: Cidr }
  | { readonly kind: 'proto'; readonly value: 'tcp' | 'udp' | 'sctp' | 'icmp' }
  | { readonly kind: 'port'; readonly value: number }
  | { readonly kind: 'number'; readonly value: number }
  /** A symbolic constant: ct states (`new`, `established,related`), fib types (`local`), interface names. */
  | { readonly kind: 'symbol'; readonly value: string };

/** An element key: one value, or a concatenation (`10.96.0.10 . udp . 53`). */
export type NftKey = readonly NftValue[];

export interface NftElement {
  readonly key: NftKey;
  /** Maps and vmaps only. */
  readonly value?: NftVerdict;
  readonly comment?: string;
  /**
   * Seconds left before the kernel deletes it: elements a packet path added
   * (`update @set`) to a set with a timeout. nft prints `expires 2h59m59s`
   * (and `-s` hides it).
   */
  readonly expires?: number;
}

/** A named set or map (`@name`) declared in the table. */
export interface NftSet {
  readonly kind: 'set' | 'map';
  readonly name: string;
  /** Key type, one entry per concatenated part: `ipv4_addr`, `inet_proto`, `inet_service`. */
  readonly keyType: readonly string[];
  /** A map's data type; `verdict` for kube-proxy's vmaps. */
  readonly dataType?: 'verdict';
  readonly flags?: readonly ('interval' | 'dynamic' | 'timeout' | 'constant')[];
  /** Default element timeout in seconds (`timeout 3h` as nft prints 10800). */
  readonly timeout?: number;
  readonly comment?: string;
  readonly elements: readonly NftElement[];
}

/** One statement of a rule; a rule is a sequence, evaluated left to right until one fails or decides. */
export type NftStatement =
  /** `SELECTOR [!=] VALUE`, `SELECTOR [!=] { a, b }`, `SELECTOR & MASK == VALUE`. */
  | {
      readonly kind: 'match';
      readonly selector: NftSelector;
      readonly op: '==' | '!=';
      /** A single value or an anonymous set (any of them). */
      readonly values: readonly NftValue[];
      /** `meta mark & 0x4000 == 0`: the selector is masked before comparing. */
      readonly mask?: number;
      /**
       * Written as an anonymous set, `{ ... }`, even with one element
       * (kube-proxy's `ip daddr { 10.96.0.0/12 } drop`). The same match
       * either way; only the spelling differs: nft lists a one-element set
       * back as a plain value (`ip daddr 10.96.0.0/12`).
       */
      readonly anonymousSet?: boolean;
    }
  /** `SELECTOR [. SELECTOR ...] [!=] @set`. */
  | { readonly kind: 'lookup'; readonly selectors: readonly NftSelector[]; readonly set: string; readonly negate?: boolean }
  /** `SELECTOR [. SELECTOR ...] vmap @map` or `vmap { k : verdict, ... }` (anonymous). */
  | {
      readonly kind: 'vmap';
      readonly selectors: readonly NftSelector[];
      readonly map: { readonly name: string } | { readonly elements: readonly NftElement[] };
    }
  /** `numgen random mod N vmap { 0 : goto a, 1 : goto b }`. */
  | {
      readonly kind: 'numgen-vmap';
      readonly mod: number;
      readonly elements: readonly { readonly value: number; readonly verdict: NftVerdict }[];
    }
  /** `meta mark set meta mark | X` (or) and `... ^ X` (xor). */
  | { readonly kind: 'mark-set'; readonly op: 'or' | 'xor'; readonly value: number }
  | { readonly kind: 'counter' }
  /** `update @set { ip saddr }`: adds (or refreshes) the selectors' values in a dynamic set. */
  | { readonly kind: 'set-update'; readonly set: string; readonly selectors: readonly NftSelector[] }
  | { readonly kind: 'dnat'; readonly addr: IPv4; readonly port?: number }
  | { readonly kind: 'masquerade'; readonly fullyRandom?: boolean }
  /** `reject` (icmp port-unreachable) or `reject with icmp TYPE`. */
  | { readonly kind: 'reject'; readonly icmpType?: string }
  | { readonly kind: 'verdict'; readonly verdict: NftVerdict };

export interface NftRule {
  readonly statements: readonly NftStatement[];
  readonly comment?: string;
}

export interface NftChain {
  readonly name: string;
  readonly base?: NftBaseChain;
  readonly comment?: string;
  readonly rules: readonly NftRule[];
}

export interface NftTable {
  readonly family: NftFamily;
  readonly name: string;
  readonly comment?: string;
  /** Sets and maps in creation order (nft lists them before the chains). */
  readonly sets: readonly NftSet[];
  /** Chains in creation order. */
  readonly chains: readonly NftChain[];
}

/** The nftables state of one netns; absent on a NetNs when nothing wrote nftables (iptables-nft aside). */
export interface NftRuleset {
  readonly tables: readonly NftTable[];
}

/** The standard priority names nft prints for base chains (nft 1.0.6: only for exact values). */
export const NFT_PRIORITY = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 } as const;
