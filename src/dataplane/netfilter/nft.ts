/**
 * nftables evaluation as the kernel does it (nft_do_chain): a base chain's
 * rules in order, each rule's statements left to right until one does not
 * match (the next rule) or decides; `jump` pushes a frame, `goto` replaces
 * the current one, `return` (or the end of a regular chain) pops, and the
 * end of the base chain applies its policy. Which base chains run at a
 * hook, and in which order among the iptables tables, is decided by
 * runHook (priority.ts); this module runs one base chain.
 *
 * What makes nftables different from iptables at scale is the map: kube-
 * proxy's `ip daddr . meta l4proto . th dport vmap @service-ips` is one rule
 * whatever the number of services. Named sets and maps are indexed once
 * (a hash of their elements' concatenated keys), so a lookup here is a hash
 * lookup too, and it counts as the one rule it is.
 */
import type { NetNs } from '../../kernel/netns.js';
import { RT_TABLE } from '../../kernel/route.js';
import type { BuiltinChain } from '../../kernel/netfilter/rule.js';
import type {
  NftBaseChain,
  NftChain,
  NftElement,
  NftHook,
  NftRule,
  NftRuleset,
  NftSelector,
  NftSet,
  NftStatement,
  NftTable,
  NftValue,
  NftVerdict,
} from '../../kernel/nftables.js';
import { contains } from '../../net/cidr.js';
import type { IPv4 } from '../../net/ipv4.js';
import { IP_PROTOCOL_NUMBERS, type IpProtocolName } from '../../net/ip-protocols.js';
import type { NftPathEntry } from '../../flow/trace.js';
import { IP_PROTOCOL_NUMBER, type Packet } from '../../flow/packet.js';
import { lookupTable } from '../fib.js';
import { chainedChoice } from '../../flow/random.js';
import { masqueraded } from './nat.js';
import { keyString, nftTableLabel } from './nft-sets.js';
import type { ChainResult, HookContext, RuleHit } from './types.js';

/** A base chain with the table it belongs to. */
export interface NftBaseChainRef {
  readonly table: NftTable;
  readonly chain: NftChain;
  readonly base: NftBaseChain;
}

export const NFT_HOOK: Readonly<Record<BuiltinChain, NftHook>> = {
  PREROUTING: 'prerouting',
  INPUT: 'input',
  FORWARD: 'forward',
  OUTPUT: 'output',
  POSTROUTING: 'postrouting',
};

const baseChainIndexes = new WeakMap<NftRuleset, ReadonlyMap<NftHook, readonly NftBaseChainRef[]>>();

/** The base chains a hook calls, in table then chain order (runHook sorts them by priority). */
export function nftBaseChains(ruleset: NftRuleset | undefined, hook: BuiltinChain): readonly NftBaseChainRef[] {
  if (!ruleset) return [];
  let index = baseChainIndexes.get(ruleset);
  if (!index) {
    const byHook = new Map<NftHook, NftBaseChainRef[]>();
    for (const table of ruleset.tables) {
      for (const chain of table.chains) {
        if (!chain.base) continue;
        let list = byHook.get(chain.base.hook);
        if (!list) byHook.set(chain.base.hook, (list = []));
        list.push({ table, chain, base: chain.base });
      }
    }
    baseChainIndexes.set(ruleset, (index = byHook));
  }
  return index.get(NFT_HOOK[hook]) ?? [];
}

// ---------------------------------------------------------------- indexes

/** Chains by name, once per table (kube-proxy writes two or three chains per service). */
const chainIndexes = new WeakMap<readonly NftChain[], ReadonlyMap<string, NftChain>>();

function chainsByName(table: NftTable): ReadonlyMap<string, NftChain> {
  let index = chainIndexes.get(table.chains);
  if (!index) chainIndexes.set(table.chains, (index = new Map(table.chains.map((c) => [c.name, c]))));
  return index;
}

const setIndexes = new WeakMap<readonly NftSet[], ReadonlyMap<string, NftSet>>();

function setsByName(table: NftTable): ReadonlyMap<string, NftSet> {
  let index = setIndexes.get(table.sets);
  if (!index) setIndexes.set(table.sets, (index = new Map(table.sets.map((s) => [s.name, s]))));
  return index;
}

/**
 * A set's elements by key: exact keys in a hash, elements with a prefix in
 * any part (interval sets: `10.0.0.0/8`) in a list tested one by one. Built
 * when the set is first looked up, so a ruleset nobody walks costs nothing.
 */
interface ElementIndex {
  readonly exact: ReadonlyMap<string, NftElement>;
  readonly ranged: readonly NftElement[];
}

const elementIndexes = new WeakMap<readonly NftElement[], ElementIndex>();

function elementIndex(elements: readonly NftElement[]): ElementIndex {
  let index = elementIndexes.get(elements);
  if (!index) {
    const exact = new Map<string, NftElement>();
    const ranged: NftElement[] = [];
    for (const element of elements) {
      const parts = element.key.map(exactPart);
      if (parts.some((p) => p === undefined)) ranged.push(element);
      // The first element with a key wins, as nft refuses duplicates anyway.
      else if (!exact.has(keyString(parts as (number | string)[]))) exact.set(keyString(parts as (number | string)[]), element);
    }
    index = { exact, ranged };
    elementIndexes.set(elements, index);
  }
  return index;
}

/** A constant as the packet-side value it equals, or undefined for a prefix that is not a single address. */
function exactPart(value: NftValue): number | string | undefined {
  switch (value.kind) {
    case 'addr':
    case 'port':
    case 'number':
      return value.value;
    case 'prefix':
      return value.value.len === 32 ? value.value.addr : undefined;
    case 'proto':
      return IP_PROTOCOL_NUMBERS[value.value];
    case 'symbol':
      return IP_PROTOCOL_NUMBERS[value.value as IpProtocolName] ?? value.value;
  }
}

/** The element of a set or map whose key the packet's values match, if any. */
function findElement(elements: readonly NftElement[], key: readonly (number | string)[]): NftElement | undefined {
  const index = elementIndex(elements);
  const hit = index.exact.get(keyString(key));
  if (hit) return hit;
  return index.ranged.find((element) => element.key.length === key.length && element.key.every((v, i) => valueEquals(v, key[i]!)));
}

// ---------------------------------------------------------------- selectors and values

/** What a selector reads off the packet; undefined when the packet has no such field (a port of an ICMP packet). */
function selectorValue(ctx: HookContext, selector: NftSelector, p: Packet): number | string | undefined {
  switch (selector.kind) {
    case 'ip':
      return selector.field === 'saddr' ? p.src : p.dst;
    case 'l4proto':
      return IP_PROTOCOL_NUMBER[p.protocol];
    case 'port': {
      // `tcp dport` implies the protocol; `th dport` reads any transport header with ports.
      if (selector.header !== 'th' && p.protocol !== selector.header) return undefined;
      if (p.protocol !== 'tcp' && p.protocol !== 'udp') return undefined;
      return selector.field === 'sport' ? p.sport : p.dport;
    }
    case 'mark':
      return p.mark;
    case 'ct-state':
      return ctx.ctState.toLowerCase();
    case 'fib-type':
      return fibAddressType(ctx.ns, selector.field === 'saddr' ? p.src : p.dst);
    case 'iface':
      return selector.field === 'iifname' ? ctx.inIface : ctx.outIface;
  }
}

/**
 * `fib daddr type` (nft_fib4_eval_type, inet_dev_addr_type): what the
 * netns's local table says the address is; anything it does not hold is
 * unicast.
 */
export function fibAddressType(ns: NetNs, ip: IPv4): string {
  if (ip === 0 || ip === 0xffffffff) return 'broadcast';
  if (ip >>> 28 === 0xe) return 'multicast';
  const local = ns.routes.get(RT_TABLE.local);
  const route = local && lookupTable(local, ip);
  return route?.type === 'local' || route?.type === 'broadcast' ? route.type : 'unicast';
}

/** Whether a packet-side value equals a constant (a prefix: contains it). */
function valueEquals(value: NftValue, actual: number | string): boolean {
  if (value.kind === 'prefix') return typeof actual === 'number' && contains(value.value, actual);
  return exactPart(value) === actual;
}

function selectorMatches(selector: NftSelector, value: NftValue, actual: number | string): boolean {
  if (value.kind === 'symbol' && typeof actual === 'string') {
    // `ct state established,related` is a set of state bits: any of them.
    if (selector.kind === 'ct-state') return value.value.split(',').includes(actual);
    // `iifname "cali*"`: a trailing `*` is a prefix match.
    if (selector.kind === 'iface' && value.value.endsWith('*')) return actual.startsWith(value.value.slice(0, -1));
  }
  return valueEquals(value, actual);
}

function matchStatement(ctx: HookContext, st: Extract<NftStatement, { kind: 'match' }>, p: Packet): boolean {
  const actual = selectorValue(ctx, st.selector, p);
  if (actual === undefined) return false;
  let found: boolean;
  if (st.mask !== undefined && typeof actual === 'number') {
    const masked = (actual & st.mask) >>> 0;
    found = st.values.some((v) => exactPart(v) === masked);
  } else {
    found = st.values.some((v) => selectorMatches(st.selector, v, actual));
  }
  return found !== (st.op === '!=');
}

/** The concatenated key the selectors read off the packet, or undefined when a part is missing. */
function packetKey(ctx: HookContext, selectors: readonly NftSelector[], p: Packet): (number | string)[] | undefined {
  const key: (number | string)[] = [];
  for (const selector of selectors) {
    const value = selectorValue(ctx, selector, p);
    if (value === undefined) return undefined;
    key.push(value);
  }
  return key;
}

// ---------------------------------------------------------------- rules

type RuleOutcome =
  | { readonly kind: 'next' }
  | { readonly kind: 'verdict'; readonly verdict: NftVerdict; readonly via?: string }
  | { readonly kind: 'nat'; readonly nat: 'DNAT' | 'MASQUERADE' }
  | { readonly kind: 'reject'; readonly rejectWith: string };

const NEXT: RuleOutcome = { kind: 'next' };

interface RuleRun {
  readonly packet: Packet;
  readonly outcome: RuleOutcome;
}

function runRule(ctx: HookContext, table: NftTable, rule: NftRule, start: Packet): RuleRun {
  let p = start;
  for (const st of rule.statements) {
    switch (st.kind) {
      case 'match':
        if (!matchStatement(ctx, st, p)) return { packet: p, outcome: NEXT };
        continue;
      case 'lookup': {
        const key = packetKey(ctx, st.selectors, p);
        const found = key !== undefined && inNamedSet(ctx, table, st.set, key);
        if (found === !!st.negate) return { packet: p, outcome: NEXT };
        continue;
      }
      case 'vmap': {
        const key = packetKey(ctx, st.selectors, p);
        const elements = 'name' in st.map ? setsByName(table).get(st.map.name)?.elements : st.map.elements;
        const element = key && elements ? findElement(elements, key) : undefined;
        // No element: the lookup fails and the rule does not match (evaluation goes on with the next rule).
        if (!element?.value) return { packet: p, outcome: NEXT };
        return { packet: p, outcome: { kind: 'verdict', verdict: element.value, via: 'name' in st.map ? `vmap @${st.map.name}` : 'vmap' } };
      }
      case 'numgen-vmap': {
        // `numgen random mod N`: a uniform value in [0, N), drawn as iptables' statistic chains draw an endpoint.
        const value = chainedChoice(st.mod, ctx.random);
        const element = st.elements.find((e) => e.value === value);
        if (!element) return { packet: p, outcome: NEXT };
        return { packet: p, outcome: { kind: 'verdict', verdict: element.verdict, via: `numgen ${value}` } };
      }
      case 'mark-set':
        p = { ...p, mark: (st.op === 'or' ? p.mark | st.value : p.mark ^ st.value) >>> 0 };
        continue;
      case 'counter':
        continue;
      case 'set-update': {
        const set = setsByName(table).get(st.set);
        const key = packetKey(ctx, st.selectors, p);
        if (set && key && ctx.nftSets) ctx.nftSets.add(ctx.ns.id, table, set, key);
        continue;
      }
      case 'dnat':
        p = { ...p, dst: st.addr, ...(st.port !== undefined ? { dport: st.port } : {}) };
        return { packet: p, outcome: { kind: 'nat', nat: 'DNAT' } };
      case 'masquerade':
        // fully-random: a random source port instead of the original one (nat.ts).
        p = masqueraded(ctx, p, st.fullyRandom);
        return { packet: p, outcome: { kind: 'nat', nat: 'MASQUERADE' } };
      case 'reject':
        // nft's `reject` in the ip family: ICMP port unreachable.
        return { packet: p, outcome: { kind: 'reject', rejectWith: `icmp-${st.icmpType ?? 'port-unreachable'}` } };
      case 'verdict':
        return { packet: p, outcome: { kind: 'verdict', verdict: st.verdict } };
    }
  }
  return { packet: p, outcome: NEXT };
}

/** A named set's static elements, or what this session's `update` statements added to it. */
function inNamedSet(ctx: HookContext, table: NftTable, name: string, key: readonly (number | string)[]): boolean {
  const set = setsByName(table).get(name);
  if (!set) return false;
  if (findElement(set.elements, key)) return true;
  return ctx.nftSets?.has(ctx.ns.id, table, name, keyString(key)) ?? false;
}

function verdictText(verdict: NftVerdict): string {
  return verdict.kind === 'jump' || verdict.kind === 'goto' ? `${verdict.kind} ${verdict.chain}` : verdict.kind;
}

// ---------------------------------------------------------------- chains

interface Frame {
  readonly chain: NftChain;
  index: number;
}

/** Walks one base chain to its verdict: the kernel's jump stack, with the rules passed on the way. */
export function runNftBaseChain(ctx: HookContext, ref: NftBaseChainRef, start: Packet): ChainResult {
  const { table, chain: baseChain, base } = ref;
  const chains = chainsByName(table);
  const policy = base.policy === 'drop' ? 'DROP' : 'ACCEPT';
  const stack: Frame[] = [{ chain: baseChain, index: 0 }];
  const path: NftPathEntry[] = [];
  let packet = start;
  let evaluated = 0;
  const hit = (frame: Frame, index: number | undefined, verdict: string, extra: Partial<RuleHit> = {}): RuleHit => ({
    table: nftTableLabel(table),
    chain: frame.chain.name,
    ...(index !== undefined ? { index } : {}),
    verdict,
    rulesEvaluated: evaluated,
    nft: { baseChain: baseChain.name, priority: base.priority, ...(index !== undefined ? { rule: frame.chain.rules[index]! } : {}), path },
    ...extra,
  });
  // Guard against chain loops (nft refuses them; a hand-made state could still have one).
  for (let guard = 0; guard < 1_000_000; guard++) {
    const frame = stack[stack.length - 1]!;
    if (frame.index >= frame.chain.rules.length) {
      if (stack.length === 1) return { packet, terminal: policy, hit: hit(frame, undefined, `policy ${policy}`) };
      stack.pop();
      continue;
    }
    const index = frame.index++;
    evaluated++;
    const run = runRule(ctx, table, frame.chain.rules[index]!, packet);
    packet = run.packet;
    const outcome = run.outcome;
    switch (outcome.kind) {
      case 'next':
        continue;
      case 'nat':
        return { packet, terminal: 'ACCEPT', nat: outcome.nat, hit: hit(frame, index, outcome.nat, { nat: outcome.nat }) };
      case 'reject':
        return { packet, terminal: 'REJECT', rejectWith: outcome.rejectWith, hit: hit(frame, index, 'REJECT') };
      case 'verdict': {
        const verdict = outcome.verdict;
        switch (verdict.kind) {
          case 'accept':
            return { packet, terminal: 'ACCEPT', hit: hit(frame, index, 'ACCEPT') };
          case 'drop':
            return { packet, terminal: 'DROP', hit: hit(frame, index, 'DROP') };
          case 'continue':
            continue;
          case 'return':
            if (stack.length === 1) return { packet, terminal: policy, hit: hit(frame, index, `RETURN (policy ${policy})`) };
            stack.pop();
            continue;
          case 'jump':
          case 'goto': {
            const next = chains.get(verdict.chain);
            // nft refuses a rule naming a chain that does not exist; a hand-made state is read leniently.
            if (!next) continue;
            path.push({
              chain: frame.chain.name,
              index,
              action: verdictText(verdict),
              ...(outcome.via !== undefined ? { via: outcome.via } : {}),
            });
            // A goto replaces the current frame: the end of `next` returns past it.
            if (verdict.kind === 'goto') stack.pop();
            stack.push({ chain: next, index: 0 });
            continue;
          }
        }
      }
    }
  }
  throw new Error(`bug: nftables loop in table ${nftTableLabel(table)} of ${ctx.ns.id}`);
}
