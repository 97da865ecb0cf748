/**
 * Netfilter evaluation as the kernel does it. At a hook, every registered
 * function runs in priority order: the iptables tables (raw -300, mangle
 * -150, filter 0, security 50) and nftables base chains at their own
 * priorities, and the NAT core (-100 before routing, 100 after) which runs
 * the nat chains of both, iptables' nat table and nftables' `type nat`
 * chains, in their priority order. nat chains are consulted only for the
 * first packet of a connection, and the first one that sets a NAT binding
 * ends the NAT core's turn (nf_nat_inet_fn): later nat chains at that hook
 * do not see the connection. In an iptables table, the built-in chain's
 * rules in order, jumps and gotos pushing and replacing frames, RETURN
 * popping, the policy at the end of a built-in chain; nftables base chains
 * are run by nft-eval.ts.
 */
import { ipsetMatches } from '../kernel/ipset.js';
import type { NftRule } from '../kernel/nftables.js';
import type { NetNs } from '../kernel/netns.js';
import type { BuiltinChain, Chain, IptRule, Match, NetfilterTable, TableName, Target } from '../kernel/netfilter/rule.js';
import { contains } from '../net/cidr.js';
import type { IPv4 } from '../net/ipv4.js';
import { isLocalAddress } from './fib.js';
import { masqueraded, sourceNatted } from './nat-port.js';
import { nftBaseChains, runNftBaseChain, type NftBaseChainRef, type NftDynamicSets } from './nft-eval.js';
import { IP_PROTOCOL_NUMBER, type Packet } from '../flow/packet.js';
import type { RecentLists } from './recent.js';
import type { NftPathEntry } from '../flow/trace.js';

/** The iptables tables registered at each hook, in priority order (raw -300, mangle -150, nat DNAT -100, filter 0, security 50, nat SNAT 100). */
export const HOOK_TABLES: Readonly<Record<BuiltinChain, readonly TableName[]>> = {
  PREROUTING: ['raw', 'mangle', 'nat'],
  INPUT: ['mangle', 'filter', 'security', 'nat'],
  FORWARD: ['mangle', 'filter', 'security'],
  OUTPUT: ['raw', 'mangle', 'nat', 'filter', 'security'],
  POSTROUTING: ['mangle', 'nat'],
};

/** NF_IP_PRI_* of the iptables tables other than nat. */
const IPTABLES_PRIORITY: Readonly<Record<Exclude<TableName, 'nat'>, number>> = { raw: -300, mangle: -150, filter: 0, security: 50 };

/**
 * Where the NAT core hooks in (nf_nat_ipv4_ops): destination NAT before
 * routing (NF_IP_PRI_NAT_DST), source NAT after it (NF_IP_PRI_NAT_SRC).
 * iptables' nat table registers its chains at the same priorities.
 */
export const NAT_PRIORITY: Readonly<Record<BuiltinChain, number | undefined>> = { PREROUTING: -100, OUTPUT: -100, INPUT: 100, POSTROUTING: 100, FORWARD: undefined };

/** 127.0.0.1: where REDIRECT sends the host's own packets. */
const LOOPBACK_ADDRESS = 0x7f000001;

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

/** One function registered at a hook, as the kernel orders them. */
type HookEntry =
  | { readonly kind: 'iptables'; readonly priority: number; readonly table: NetfilterTable; readonly chain: Chain }
  | { readonly kind: 'nft'; readonly priority: number; readonly ref: NftBaseChainRef }
  /** The NAT core: the nat chains of iptables and nftables, in their priority order. */
  | { readonly kind: 'nat'; readonly priority: number; readonly chains: readonly NatEntry[] };

type NatEntry = Exclude<HookEntry, { kind: 'nat' }>;

/**
 * Everything that runs at a hook, by priority. At equal priorities the
 * kernel keeps registration order; iptables' tables (and with them the NAT
 * core) exist from boot, before kube-proxy creates its nftables table, so
 * they come first.
 */
function hookEntries(ns: NetNs, hook: BuiltinChain): HookEntry[] {
  const entries: HookEntry[] = [];
  const nat: NatEntry[] = [];
  const natPriority = NAT_PRIORITY[hook];
  for (const tableName of HOOK_TABLES[hook]) {
    const table = ns.netfilter.tables.find((t) => t.name === tableName);
    const chain = table && chainsByName(table).get(hook);
    if (!table || !chain || !hasRules(chain)) continue;
    if (tableName === 'nat') nat.push({ kind: 'iptables', priority: natPriority!, table, chain });
    else entries.push({ kind: 'iptables', priority: IPTABLES_PRIORITY[tableName], table, chain });
  }
  const nft: HookEntry[] = [];
  for (const ref of nftBaseChains(ns.nftables, hook)) {
    if (ref.chain.rules.length === 0 && ref.base.policy === 'accept') continue;
    if (ref.base.type !== 'nat') nft.push({ kind: 'nft', priority: ref.base.priority, ref });
    // nft refuses nat chains at forward; the NAT core has no place there either.
    else if (natPriority !== undefined) nat.push({ kind: 'nft', priority: ref.base.priority, ref });
  }
  if (nat.length > 0) entries.push({ kind: 'nat', priority: natPriority!, chains: nat.sort((a, b) => a.priority - b.priority) });
  // A stable sort: ties keep iptables (and the NAT core) before nftables.
  return [...entries, ...nft].sort((a, b) => a.priority - b.priority);
}

interface EntryResult {
  readonly packet: Packet;
  readonly terminal: 'ACCEPT' | 'DROP' | 'REJECT';
  readonly rejectWith?: string;
  readonly hit: RuleHit;
  readonly nat?: 'DNAT' | 'SNAT' | 'MASQUERADE';
}

function runEntry(ctx: HookContext, entry: NatEntry, packet: Packet): EntryResult {
  return entry.kind === 'iptables' ? runTable(ctx, entry.table, entry.chain, packet) : runNftBaseChain(ctx, entry.ref, packet);
}

export function runHook(ctx: HookContext, packet: Packet): HookResult {
  let current = packet;
  const hits: RuleHit[] = [];
  let nat: HookResult['nat'];
  const stopped = (result: EntryResult): HookResult => ({
    packet: current,
    verdict: result.terminal,
    hits,
    ...(result.rejectWith ? { rejectWith: result.rejectWith } : {}),
    ...(nat ? { nat } : {}),
  });
  for (const entry of hookEntries(ctx.ns, ctx.hook)) {
    // The NAT core: only a connection's first packet, and only until a chain binds it.
    const chains = entry.kind === 'nat' ? (ctx.ctState === 'NEW' ? entry.chains : []) : [entry];
    for (const chain of chains) {
      const result = runEntry(ctx, chain, current);
      hits.push(result.hit);
      if (result.nat) nat = { kind: result.nat, before: current, after: result.packet };
      current = result.packet;
      if (result.terminal === 'DROP' || result.terminal === 'REJECT') return stopped(result);
      if (result.nat) break;
    }
  }
  return { packet: current, verdict: 'ACCEPT', hits, ...(nat ? { nat } : {}) };
}

/** An empty built-in chain with an ACCEPT policy decides nothing worth reporting. */
function hasRules(chain: Chain): boolean {
  return chain.rules.length > 0 || chain.policy === 'DROP';
}

interface Frame {
  readonly chain: Chain;
  index: number;
}

/** Walks one table from a built-in chain to a terminal verdict. */
function runTable(ctx: HookContext, table: NetfilterTable, builtin: Chain, start: Packet): EntryResult {
  let packet = start;
  let evaluated = 0;
  // The verdict when the base chain runs out, even after a goto replaced it.
  const policy = builtin.policy ?? 'ACCEPT';
  const stack: Frame[] = [{ chain: builtin, index: 0 }];
  const chainByName = chainsByName(table);
  const hit = (frame: Frame, index: number | undefined, verdict: string, nat?: EntryResult['nat']): RuleHit => ({
    table: table.name,
    chain: frame.chain.name,
    ...(index !== undefined ? { index, rule: frame.chain.rules[index] } : {}),
    verdict,
    rulesEvaluated: evaluated,
    ...(nat ? { nat } : {}),
  });
  // Guard against chain loops (iptables refuses them; a hand-made state could still have one).
  for (let guard = 0; guard < 10_000_000; guard++) {
    const frame = stack[stack.length - 1]!;
    // Skip rules that cannot match this destination; the kernel evaluates them all, so they still count.
    const next = nextCandidate(frame.chain, frame.index, packet.dst);
    evaluated += next - frame.index;
    frame.index = next;
    if (frame.index >= frame.chain.rules.length) {
      if (stack.length === 1) return { packet, terminal: policy, hit: hit(frame, undefined, `policy ${policy}`) };
      stack.pop();
      continue;
    }
    const index = frame.index++;
    const rule = frame.chain.rules[index]!;
    evaluated++;
    if (!ruleMatches(ctx, rule, packet)) continue;
    const target: Target | undefined = rule.target;
    if (!target) continue;
    switch (target.kind) {
      case 'ACCEPT':
        return { packet, terminal: 'ACCEPT', hit: hit(frame, index, 'ACCEPT') };
      case 'DROP':
        return { packet, terminal: 'DROP', hit: hit(frame, index, 'DROP') };
      case 'REJECT':
        return { packet, terminal: 'REJECT', rejectWith: target.rejectWith, hit: hit(frame, index, `REJECT --reject-with ${target.rejectWith}`) };
      case 'RETURN':
        if (stack.length === 1) return { packet, terminal: policy, hit: hit(frame, index, `RETURN (policy ${policy})`) };
        stack.pop();
        continue;
      case 'jump':
      case 'goto': {
        const next = chainByName.get(target.chain);
        if (!next) continue;
        // A goto replaces the current frame, so a RETURN from `next` goes back past it.
        if (target.kind === 'goto') stack.pop();
        stack.push({ chain: next, index: 0 });
        continue;
      }
      case 'MARK':
        packet = { ...packet, mark: ((packet.mark & ~target.mask) ^ target.value) >>> 0 };
        continue;
      case 'DNAT':
        packet = { ...packet, dst: target.to.ip, ...(target.to.port !== undefined ? { dport: target.to.port } : {}) };
        return { packet, terminal: 'ACCEPT', nat: 'DNAT', hit: hit(frame, index, 'DNAT', 'DNAT') };
      case 'SNAT':
        packet = sourceNatted(packet, target.to, target.randomFully);
        return { packet, terminal: 'ACCEPT', nat: 'SNAT', hit: hit(frame, index, 'SNAT', 'SNAT') };
      case 'MASQUERADE':
        packet = masqueraded(ctx, packet, target.randomFully);
        return { packet, terminal: 'ACCEPT', nat: 'MASQUERADE', hit: hit(frame, index, 'MASQUERADE', 'MASQUERADE') };
      case 'REDIRECT': {
        // nf_nat_redirect_ipv4: to 127.0.0.1 for the host's own packets, else to the incoming device's first address (none: dropped).
        const dst = ctx.hook === 'OUTPUT' ? LOOPBACK_ADDRESS : ctx.inIface !== undefined ? ctx.redirectAddress?.(ctx.inIface) : undefined;
        if (dst === undefined && ctx.redirectAddress !== undefined) return { packet, terminal: 'DROP', hit: hit(frame, index, 'REDIRECT (no address on the incoming device)') };
        packet = { ...packet, ...(dst !== undefined ? { dst } : {}), dport: target.toPorts };
        return { packet, terminal: 'ACCEPT', nat: 'DNAT', hit: hit(frame, index, 'REDIRECT', 'DNAT') };
      }
      case 'NOTRACK':
        continue;
    }
  }
  throw new Error(`bug: netfilter loop in table ${table.name} of ${ctx.ns.id}`);
}

/** A multiport range `LO:HI`. */
function inRange(range: string, port: number): boolean {
  const [lo, hi] = range.split(':').map(Number);
  return port >= lo! && port <= hi!;
}

/**
 * Chains by name, once per chain list: kube-proxy gives a node 100,000
 * chains, and a walk evaluates several hooks. Keyed by the array and checked
 * against its length, so a table whose chains are replaced or added to later
 * is indexed again.
 */
const chainIndex = new WeakMap<readonly Chain[], { size: number; byName: ReadonlyMap<string, Chain> }>();

function chainsByName(table: NetfilterTable): ReadonlyMap<string, Chain> {
  const chains = table.chains;
  let index = chainIndex.get(chains);
  if (index === undefined || index.size !== chains.length) {
    index = { size: chains.length, byName: new Map(chains.map((c) => [c.name, c])) };
    chainIndex.set(chains, index);
  }
  return index.byName;
}

/**
 * Long chains (KUBE-SERVICES: one rule per service port, 10,000 and more) are
 * mostly rules for one exact /32 destination. Indexing them by that address
 * lets a walk jump to the rules a packet could match, in order, instead of
 * testing every rule: the verdict and the count of rules the kernel
 * evaluates stay the same.
 */
interface DestinationIndex {
  /** Rules without an exact, non-negated /32 destination: candidates for every packet. */
  readonly generic: readonly number[];
  readonly byDestination: ReadonlyMap<IPv4, readonly number[]>;
}

const INDEXED_CHAIN_MIN_RULES = 64;
const destinationIndexes = new WeakMap<Chain, DestinationIndex | null>();

function destinationIndex(chain: Chain): DestinationIndex | undefined {
  let index = destinationIndexes.get(chain);
  if (index === undefined) {
    index = null;
    if (chain.rules.length >= INDEXED_CHAIN_MIN_RULES) {
      const generic: number[] = [];
      const byDestination = new Map<IPv4, number[]>();
      chain.rules.forEach((rule, i) => {
        const dst = rule.dst;
        if (dst && !dst.negate && dst.value.len === 32) {
          let list = byDestination.get(dst.value.addr);
          if (!list) byDestination.set(dst.value.addr, (list = []));
          list.push(i);
        } else {
          generic.push(i);
        }
      });
      index = { generic, byDestination };
    }
    destinationIndexes.set(chain, index);
  }
  return index ?? undefined;
}

/** The first index >= from in a sorted list, or the list's length. */
function lowerBound(list: readonly number[], from: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The next rule at or after `from` that a packet to `dst` could match (the chain's length when none). */
function nextCandidate(chain: Chain, from: number, dst: IPv4): number {
  const index = destinationIndex(chain);
  if (!index) return from;
  const generic = index.generic[lowerBound(index.generic, from)] ?? chain.rules.length;
  const exact = index.byDestination.get(dst);
  const specific = exact ? (exact[lowerBound(exact, from)] ?? chain.rules.length) : chain.rules.length;
  return Math.min(generic, specific);
}

function ifaceMatches(pattern: string, name: string | undefined): boolean {
  if (name === undefined) return false;
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/** `-p NAME|NUMBER` against the packet: iptables-save spells IP-in-IP `ipencap` (protocol 4). */
function protocolMatches(rule: string, protocol: Packet['protocol']): boolean {
  if (rule === 'all' || rule === '0') return true;
  const number = IP_PROTOCOL_NUMBER[protocol];
  return rule === protocol || rule === String(number) || (rule === 'ipencap' && protocol === 'ipip');
}

function ruleMatches(ctx: HookContext, rule: IptRule, p: Packet): boolean {
  if (rule.src && contains(rule.src.value, p.src) === !!rule.src.negate) return false;
  if (rule.dst && contains(rule.dst.value, p.dst) === !!rule.dst.negate) return false;
  if (rule.inIface && ifaceMatches(rule.inIface.value, ctx.inIface) === !!rule.inIface.negate) return false;
  if (rule.outIface && ifaceMatches(rule.outIface.value, ctx.outIface) === !!rule.outIface.negate) return false;
  if (rule.protocol && protocolMatches(rule.protocol.value, p.protocol) === !!rule.protocol.negate) return false;
  return rule.matches.every((m) => matchOne(ctx, m, p));
}

function matchOne(ctx: HookContext, m: Match, p: Packet): boolean {
  switch (m.module) {
    case 'comment':
      return true;
    case 'mark':
      return ((p.mark & m.mask) === m.value) !== !!m.negate;
    case 'tcp':
    case 'udp':
    case 'sctp':
      if (p.protocol !== m.module) return false;
      if (m.dport && (p.dport === m.dport.value) === !!m.dport.negate) return false;
      if (m.sport && (p.sport === m.sport.value) === !!m.sport.negate) return false;
      return true;
    case 'multiport':
      return p.dport !== undefined && m.dports.some((d) => (typeof d === 'number' ? d === p.dport : inRange(d, p.dport!)));
    case 'conntrack':
      return m.ctstate.includes(ctx.ctState) !== !!m.negate;
    case 'state':
      return m.states.includes(ctx.ctState);
    case 'addrtype': {
      const typeOf = (ip: IPv4) => (isLocalAddress(ctx.ns, ip) ? 'LOCAL' : 'UNICAST');
      if (m.srcType && (typeOf(p.src) === m.srcType.value) === !!m.srcType.negate) return false;
      if (m.dstType && (typeOf(p.dst) === m.dstType.value) === !!m.dstType.negate) return false;
      return true;
    }
    case 'statistic':
      return ctx.random(m.probability);
    case 'physdev':
      if (m.isBridged !== undefined && (ctx.physIn !== undefined) !== m.isBridged) return false;
      if (m.isIn !== undefined && (ctx.physIn !== undefined) !== m.isIn) return false;
      if (m.physdevIn !== undefined && !ifaceMatches(m.physdevIn, ctx.physIn)) return false;
      if (m.physdevOut !== undefined && !ifaceMatches(m.physdevOut, ctx.physOut)) return false;
      return true;
    case 'icmp':
      return p.protocol === 'icmp';
    case 'nfacct':
      return true; // it only counts
    case 'set': {
      // A set the netns does not have matches nothing (iptables would refuse the rule; netlab stays lenient).
      const set = ctx.ns.ipsets?.get(m.name);
      return (set !== undefined && ipsetMatches(set, m.flags, p)) !== !!m.negate;
    }
    case 'recent': {
      // --set records the address and matches (kube-proxy's affinity on a KUBE-SEP DNAT rule); --rcheck
      // finds what an earlier connection of the session recorded (a walk keeps no clock: never expired).
      const address = m.side === 'source' ? p.src : p.dst;
      if (m.action === 'set') ctx.recent?.set(ctx.ns.id, m.name, address, m.mask);
      return m.action === 'set' || (ctx.recent?.has(ctx.ns.id, m.name, address, m.mask) ?? false);
    }
  }
}
