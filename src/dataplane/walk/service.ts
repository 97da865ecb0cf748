/**
 * kube-proxy's service step, the walk's side: the cluster's mode
 * (src/proxy/types.ts KubeProxyMode) is asked where the kernel hands it the
 * packet (IPVS at LOCAL_IN and LOCAL_OUT: input.ts and output.ts; the
 * userspace proxier's sockets: local.ts), and this carries out its answer:
 *
 * - end: the packet's way ends (a service without endpoints);
 * - translated: IPVS masquerading (ip_vs_nat_xmit): conntrack learns the new
 *   destination (ip_vs_update_conntrack), and the packet leaves by the route
 *   to the real server through LOCAL_OUT and POSTROUTING, its TTL
 *   decremented when the node forwards it (__ip_vs_get_out_rt), or is
 *   delivered here when the real server is one of the node's addresses;
 * - relay: a process took the packet from its socket and sends another, on
 *   a connection of its own, in a hop of its own.
 */
import type { NetNs } from '../../kernel/netns.js';
import { formatIPv4 } from '../../net/ipv4.js';
import type { Packet } from '../../flow/packet.js';
import type { Disposition } from '../../flow/trace.js';
import type { Route } from '../../kernel/route.js';
import type { ServiceAnswer } from '../../proxy/types.js';
import { filtered, hook } from './hooks.js';
import { icmpError, route } from './routing.js';
import type { Event, Walk } from './walk.js';

/** Carries out the mode's answer about `p`, which arrived on `devName` (`local`: the netns' own packet). */
export function serviceAnswer(walk: Walk, ns: NetNs, devName: string, p: Packet, answer: ServiceAnswer, local: boolean): Event | undefined {
  switch (answer.kind) {
    case 'end':
      walk.record(answer.step);
      return walk.finish(
        answer.disposition,
        answer.summary,
        answer.notice,
        ns.id,
        answer.notice.kind === 'icmp' ? { icmpFrom: { ns }, offending: p } : {},
      );
    case 'relay':
      walk.record(answer.here);
      // The delivered packet's connection is confirmed; the new packet starts one of its own, in a hop of its own.
      walk.unconfirmed.clear();
      walk.newHop({ where: ns.id, name: answer.hopName, steps: answer.first ? [answer.first] : [], packet: answer.packet });
      return { kind: 'local-out', ns, packet: answer.packet };
    case 'translated':
      return translatedXmit(walk, ns, devName, p, answer, local);
  }
}

function translatedXmit(
  walk: Walk,
  ns: NetNs,
  devName: string,
  p: Packet,
  answer: Extract<ServiceAnswer, { kind: 'translated' }>,
  local: boolean,
): Event | undefined {
  walk.record(answer.step);
  const after = answer.packet;
  // ip_vs_update_conntrack: the connection's replies come back to the new destination; later packets are IPVS's again.
  const entry = walk.session.conntrack.find(ns.id, p);
  if (entry?.direction === 'original') walk.session.conntrack.natted(entry.entry, after, 'ipvs');
  const via = route(walk, ns, after.dst, undefined, 'output');
  if (!via) return walk.finish('NO_ROUTE', `${answer.by}: no route to real server ${formatIPv4(after.dst)}`, { kind: 'none' }, ns.id);
  // A blackhole, unreachable or prohibit route fails the route lookup as a missing one does (IPVS's
  // __ip_vs_get_out_rt): the packet goes no further (a failed calico node's own block is a blackhole).
  const refused = ROUTE_REFUSALS[via.type];
  if (refused !== undefined)
    return walk.finish(
      refused,
      `${answer.by}: ${via.type} route ${formatIPv4(via.dst.addr)}/${via.dst.len} to real server ${formatIPv4(after.dst)} in ${ns.displayName}`,
      { kind: 'none' },
      ns.id,
    );
  // A real server on one of this node's own addresses (a hostNetwork endpoint): delivered here.
  if (via.type === 'local') return { kind: 'deliver', ns, dev: devName, packet: after };
  let q = after;
  if (!local) {
    if (q.ttl <= 1) return icmpError(walk, ns, p, 11, 0, 'TTL_EXCEEDED', `TTL expired at ${ns.displayName} (${answer.by} forwarding)`);
    q = { ...q, ttl: q.ttl - 1 };
    walk.record({ kind: 'forward', ttlBefore: after.ttl, ttlAfter: q.ttl });
  }
  const out = hook(walk, ns, 'OUTPUT', q, { outIface: via.dev });
  if (out.verdict !== 'ACCEPT') return filtered(walk, ns, out, local);
  return { kind: 'output', ns, route: via, packet: out.packet, local };
}

/** Route types whose lookup fails (fib_props' errors), as dispositions. */
const ROUTE_REFUSALS: Partial<Record<Route['type'], Disposition>> = {
  blackhole: 'ROUTE_BLACKHOLE',
  unreachable: 'ROUTE_UNREACHABLE',
  prohibit: 'ROUTE_PROHIBIT',
};
