/**
 * The five IPv4 netfilter hooks, one function each, with connection
 * tracking inside them, as the kernel registers it around the tables
 * (nf_conntrack_in at PREROUTING and LOCAL_OUT, nf_nat_ipv4_fn at the four
 * NAT hooks, __nf_conntrack_confirm when the packet leaves by POSTROUTING
 * or LOCAL_IN):
 *
 * - before routing (PREROUTING, OUTPUT): an ICMP error about a tracked flow
 *   is RELATED and translated back like a reply; a packet of a known
 *   connection is ESTABLISHED and gets the destination its connection's
 *   binding gives it (a reply: the original sender's, undoing SNAT; a later
 *   packet: the endpoint its first packet was DNATed to); a new one creates
 *   an entry, unconfirmed while the packet is still in the netns;
 * - FORWARD: conntrack only tells the tables the state;
 * - after routing (POSTROUTING, INPUT): the source is translated last, after
 *   the filter tables (NF_IP_PRI_NAT_SRC): a reply's back to the address
 *   the client asked for, a later packet's to its masquerade.
 *
 * NAT a new connection's first packet got at any hook is recorded in its
 * entry, so replies find their way back. The tables themselves run in
 * priority order (priority.ts).
 */
import type { NetNs } from '../../kernel/netns.js';
import type { BuiltinChain } from '../../kernel/netfilter/rule.js';
import type { Packet } from '../../flow/packet.js';
import { masqueradeSource } from '../fib.js';
import { Conntrack, type ConntrackEntry } from './conntrack.js';
import type { NftDynamicSets } from './nft-sets.js';
import { runHook } from './priority.js';
import type { RecentLists } from './recent.js';
import type { CtState, HookContext, HookResult } from './types.js';

/** What the hooks need of the walk: its conntrack and the state the tables keep across packets. */
export interface HookSession {
  readonly conntrack: Conntrack;
  /** Entries this very packet created: unconfirmed until it leaves the netns, so it is still NEW in them. */
  readonly unconfirmed: Set<ConntrackEntry>;
  /** Picks for `-m statistic` and `numgen random`. */
  readonly random: (probability: number) => boolean;
  readonly nftSets?: NftDynamicSets;
  readonly recent?: RecentLists;
  /** A reply of a tracked connection passed a hook before routing (IPVS counts it there: ip_vs_out). */
  readonly onReply?: (ns: NetNs, entry: ConntrackEntry, p: Packet) => void;
}

/** The devices a hook sees the packet on: in and out, and the bridge ports when it is being bridged. */
export type HookIfaces = Pick<HookContext, 'inIface' | 'outIface' | 'physIn' | 'physOut'>;

/** A hook's verdict, with what conntrack told the tables. */
export interface HookVerdict extends HookResult {
  /** The connection state the tables saw. */
  readonly ctState: CtState;
  /** The packet as the tables saw it: after conntrack translated a known connection's destination. */
  readonly seen: Packet;
}

export function prerouting(session: HookSession, ns: NetNs, p: Packet, ifaces: HookIfaces): HookVerdict {
  return beforeRouting(session, ns, 'PREROUTING', p, ifaces);
}

export function output(session: HookSession, ns: NetNs, p: Packet, ifaces: HookIfaces): HookVerdict {
  return beforeRouting(session, ns, 'OUTPUT', p, ifaces);
}

export function forward(session: HookSession, ns: NetNs, p: Packet, ifaces: HookIfaces): HookVerdict {
  const related = relatedError(session, ns, 'FORWARD', p, ifaces);
  if (related) return related;
  const ct = established(session, ns, p);
  return tables(session, ns, 'FORWARD', p, ifaces, ct ? 'ESTABLISHED' : 'NEW');
}

export function input(session: HookSession, ns: NetNs, p: Packet, ifaces: HookIfaces): HookVerdict {
  return afterRouting(session, ns, 'INPUT', p, ifaces);
}

export function postrouting(session: HookSession, ns: NetNs, p: Packet, ifaces: HookIfaces): HookVerdict {
  return afterRouting(session, ns, 'POSTROUTING', p, ifaces);
}

/** The hooks by the name of their built-in chain. */
export const NETFILTER_HOOKS: Readonly<
  Record<BuiltinChain, (session: HookSession, ns: NetNs, p: Packet, ifaces: HookIfaces) => HookVerdict>
> = {
  PREROUTING: prerouting,
  INPUT: input,
  FORWARD: forward,
  OUTPUT: output,
  POSTROUTING: postrouting,
};

/** PREROUTING and OUTPUT: conntrack looks the packet up (or starts a connection) and applies its destination binding. */
function beforeRouting(session: HookSession, ns: NetNs, hook: 'PREROUTING' | 'OUTPUT', p: Packet, ifaces: HookIfaces): HookVerdict {
  const related = relatedError(session, ns, hook, p, ifaces);
  if (related) return related;
  const ct = session.conntrack.find(ns.id, p);
  const known = established(session, ns, p, ct);
  let packet = p;
  if (known?.direction === 'reply') {
    // A reply's destination is translated back before routing (de-SNAT); its source after the filter tables.
    packet = Conntrack.unNatDestination(known.entry, p);
    session.onReply?.(ns, known.entry, p);
  }
  // A later packet of the connection: the binding its first packet made, applied without the nat chains.
  if (known?.direction === 'original' && !known.entry.byIpvs) packet = Conntrack.natDestination(known.entry, p);
  const result = tables(session, ns, hook, packet, ifaces, known ? 'ESTABLISHED' : 'NEW');
  if (!ct) session.unconfirmed.add(session.conntrack.create(ns.id, packet));
  recordNat(session, ns, result);
  return result;
}

/** POSTROUTING and INPUT: the source translated last, after the filter tables (NF_IP_PRI_NAT_SRC). */
function afterRouting(session: HookSession, ns: NetNs, hook: 'POSTROUTING' | 'INPUT', p: Packet, ifaces: HookIfaces): HookVerdict {
  const related = relatedError(session, ns, hook, p, ifaces);
  if (related) return related;
  const known = established(session, ns, p);
  const result = tables(session, ns, hook, p, ifaces, known ? 'ESTABLISHED' : 'NEW');
  recordNat(session, ns, result);
  if (known?.direction === 'reply') return { ...result, packet: Conntrack.unNatSource(known.entry, result.packet) };
  if (known?.direction === 'original') return { ...result, packet: Conntrack.natSource(known.entry, result.packet) };
  return result;
}

/** An ICMP error about a flow this netns tracks is RELATED: before routing, conntrack translates it back like a reply. */
function relatedError(session: HookSession, ns: NetNs, hook: BuiltinChain, p: Packet, ifaces: HookIfaces): HookVerdict | undefined {
  const related = p.quoted !== undefined ? session.conntrack.related(ns.id, p.quoted) : undefined;
  if (!related) return undefined;
  const packet = hook === 'PREROUTING' || hook === 'OUTPUT' ? Conntrack.unNatRelated(related, p) : p;
  return tables(session, ns, hook, packet, ifaces, 'RELATED');
}

/**
 * The confirmed connection a packet belongs to (one this packet created is
 * not: it is still NEW in it). A reply marks its connection as answered.
 */
function established(session: HookSession, ns: NetNs, p: Packet, ct = session.conntrack.find(ns.id, p)): ReturnType<Conntrack['find']> {
  if (!ct || session.unconfirmed.has(ct.entry)) return undefined;
  if (ct.direction === 'reply') ct.entry.replied = true;
  return ct;
}

/** NAT the tables gave a connection's first packet: replies will come back to the translated addresses. */
function recordNat(session: HookSession, ns: NetNs, result: HookResult): void {
  if (!result.nat) return;
  const entry = session.conntrack.find(ns.id, result.nat.before);
  if (entry?.direction === 'original') session.conntrack.natted(entry.entry, result.packet);
}

function tables(session: HookSession, ns: NetNs, hook: BuiltinChain, packet: Packet, ifaces: HookIfaces, ctState: CtState): HookVerdict {
  const ctx: HookContext = {
    ns,
    hook,
    ...ifaces,
    ctState,
    random: session.random,
    ...(session.nftSets ? { nftSets: session.nftSets } : {}),
    ...(session.recent ? { recent: session.recent } : {}),
    redirectAddress: (inIface) => ns.links.find((l) => l.name === inIface)?.ipv4[0]?.ip,
    masqueradeSource: (out) => masqueradeSource(ns, out),
  };
  return { ...runHook(ctx, packet), ctState, seen: packet };
}
