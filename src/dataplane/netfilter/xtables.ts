/**
 * An iptables table as the kernel runs it (ipt_do_table): from the built-in
 * chain of the hook, the rules in order, jumps and gotos pushing and
 * replacing frames, RETURN popping, the policy at the end of a built-in
 * chain. Which tables run at a hook, and in which order, is priority.ts's.
 */
import { ipsetMatches } from '../../kernel/ipset.js';
import type { Chain, IptRule, Match, NetfilterTable, Target } from '../../kernel/netfilter/rule.js';
import { contains } from '../../net/cidr.js';
import type { IPv4 } from '../../net/ipv4.js';
import { IP_PROTOCOL_NUMBER, type Packet } from '../../flow/packet.js';
import { isLocalAddress } from '../fib.js';
import { masqueraded, sourceNatted } from './nat.js';
import type { ChainResult, HookContext, RuleHit } from './types.js';

/** 127.0.0.1: where REDIRECT sends the host's own packets. */
const LOOPBACK_ADDRESS = 0x7f000001;

/** An empty built-in chain with an ACCEPT policy decides nothing worth reporting. */
export function hasRules(chain: Chain): boolean {
  return chain.rules.length > 0 || chain.policy === 'DROP';
}

interface Frame {
  readonly chain: Chain;
  index: number;
}

/** Walks one table from a built-in chain to a terminal verdict. */
export function runTable(ctx: HookContext, table: NetfilterTable, builtin: Chain, start: Packet): ChainResult {
  let packet = start;
  let evaluated = 0;
  // The verdict when the base chain runs out, even after a goto replaced it.
  const policy = builtin.policy ?? 'ACCEPT';
  const stack: Frame[] = [{ chain: builtin, index: 0 }];
  const chainByName = chainsByName(table);
  const hit = (frame: Frame, index: number | undefined, verdict: string, nat?: ChainResult['nat']): RuleHit => ({
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
        return {
          packet,
          terminal: 'REJECT',
          rejectWith: target.rejectWith,
          hit: hit(frame, index, `REJECT --reject-with ${target.rejectWith}`),
        };
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
        if (dst === undefined && ctx.redirectAddress !== undefined)
          return { packet, terminal: 'DROP', hit: hit(frame, index, 'REDIRECT (no address on the incoming device)') };
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

export function chainsByName(table: NetfilterTable): ReadonlyMap<string, Chain> {
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
