/**
 * What runs at a netfilter hook, as the kernel runs it (nf_hook_slow): every
 * registered function in priority order, the iptables tables (raw -300,
 * mangle -150, filter 0, security 50) and nftables base chains at their own
 * priorities, and the NAT core (-100 before routing, 100 after) which runs
 * the nat chains of both, iptables' nat table and nftables' `type nat`
 * chains, in their priority order. nat chains are consulted only for the
 * first packet of a connection, and the first one that sets a NAT binding
 * ends the NAT core's turn (nf_nat_inet_fn): later nat chains at that hook
 * do not see the connection. An iptables table is run by xtables.ts, an
 * nftables base chain by nft.ts.
 */
import type { NetNs } from '../../kernel/netns.js';
import type { BuiltinChain, Chain, NetfilterTable, TableName } from '../../kernel/netfilter/rule.js';
import type { Packet } from '../../flow/packet.js';
import { nftBaseChains, runNftBaseChain, type NftBaseChainRef } from './nft.js';
import type { ChainResult, HookContext, HookResult, RuleHit } from './types.js';
import { chainsByName, hasRules, runTable } from './xtables.js';

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
export const NAT_PRIORITY: Readonly<Record<BuiltinChain, number | undefined>> = {
  PREROUTING: -100,
  OUTPUT: -100,
  INPUT: 100,
  POSTROUTING: 100,
  FORWARD: undefined,
};

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

function runEntry(ctx: HookContext, entry: NatEntry, packet: Packet): ChainResult {
  return entry.kind === 'iptables' ? runTable(ctx, entry.table, entry.chain, packet) : runNftBaseChain(ctx, entry.ref, packet);
}

export function runHook(ctx: HookContext, packet: Packet): HookResult {
  let current = packet;
  const hits: RuleHit[] = [];
  let nat: HookResult['nat'];
  const stopped = (result: ChainResult): HookResult => ({
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
