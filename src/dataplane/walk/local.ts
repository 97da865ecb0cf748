/**
 * Local delivery, where a packet ends in its netns: a tunnel's outer packet
 * to the tunnel's endpoint (tunnels.ts), ICMP to the kernel (an echo request
 * answered) or to the socket waiting for it, kube-proxy's userspace sockets
 * (its mode answers: service.ts), a reply to the socket that opened the
 * connection, a listener (src/model/listeners.ts), or a TCP RST / ICMP port
 * unreachable when nothing listens (ip_local_deliver_finish, tcp_v4_rcv,
 * __udp4_lib_rcv). And the loopback: a packet a netns sends to one of its
 * own addresses leaves through POSTROUTING, loops through lo and comes back
 * in through PREROUTING and INPUT.
 */
import type { NetNs } from '../../kernel/netns.js';
import type { Packet } from '../../flow/packet.js';
import { listenersOfNode, listenersOfPod } from '../../model/listeners.js';
import { findListener } from '../sockets.js';
import { filtered, hook } from './hooks.js';
import { icmpError } from './routing.js';
import { serviceAnswer } from './service.js';
import { decapsulate } from './tunnels.js';
import type { Event, Walk } from './walk.js';

/** A packet for this netns, after INPUT: to whichever socket takes it. */
export function localDeliver(walk: Walk, ns: NetNs, devName: string, p: Packet): Event | undefined {
  const tunnel = decapsulate(walk, ns, p);
  if (tunnel) return tunnel.next;
  if (p.protocol === 'icmp') {
    const what =
      p.icmpType === 8 || p.icmpType === undefined ? 'ICMP echo request: the kernel answers' : 'ICMP message for the sending socket';
    return walk.finish('DELIVERED', `${what} (${ns.displayName}, ${devName})`, { kind: 'none' }, ns.id, { delivered: p });
  }
  // A reply to a connection this netns opened goes to the socket that opened it.
  const flow = walk.session.conntrack.find(ns.id, p);
  // kube-proxy's userspace mode: its sockets end this packet's way, and it sends another.
  const service = walk.session.dataplane.kubeProxy.atSocket?.(walk.services, ns, p, flow?.direction === 'reply');
  if (service) return serviceAnswer(walk, ns, devName, p, service, false);
  if (flow?.direction === 'reply') {
    return walk.finish(
      'DELIVERED',
      `${p.protocol} reply to the connected socket (${ns.displayName}, ${devName})`,
      { kind: 'none' },
      ns.id,
      { delivered: p },
    );
  }
  const owner = walk.session.ownerOf(ns);
  const listeners = owner.pod ? listenersOfPod(owner.pod) : owner.node ? listenersOfNode(owner.node) : [];
  const listener = findListener(listeners, p);
  if (listener)
    return walk.finish('DELIVERED', `${p.protocol}/${p.dport} socket of ${listener.owner}`, { kind: 'none' }, ns.id, { delivered: p });
  if (p.protocol === 'tcp') {
    return walk.finish(
      'PORT_UNREACHABLE',
      `nothing listens on tcp/${p.dport} in ${ns.displayName}: the kernel answers with a TCP RST`,
      { kind: 'tcp-rst', from: p.dst },
      ns.id,
    );
  }
  return icmpError(walk, ns, p, 3, 3, 'PORT_UNREACHABLE', `nothing listens on udp/${p.dport} in ${ns.displayName}: ICMP port unreachable`);
}

/**
 * A packet to one of the namespace's own addresses (OUTPUT already ran): it
 * leaves through POSTROUTING, where conntrack confirms the flow, loops
 * through lo and comes back in through PREROUTING (no NAT: the flow is no
 * longer new) and INPUT.
 */
export function loopback(walk: Walk, ns: NetNs, p: Packet): Event | undefined {
  const post = hook(walk, ns, 'POSTROUTING', p, { outIface: 'lo' });
  if (post.verdict !== 'ACCEPT') return filtered(walk, ns, post, true);
  walk.unconfirmed.clear();
  walk.record({ kind: 'xmit', dev: 'lo', to: `${ns.displayName} itself` });
  const lo = ns.links.find((l) => l.info.kind === 'loopback');
  if (lo) {
    walk.count(ns, lo, 'tx', post.packet.length);
    walk.count(ns, lo, 'rx', post.packet.length);
  }
  const pre = hook(walk, ns, 'PREROUTING', post.packet, { inIface: 'lo' });
  if (pre.verdict !== 'ACCEPT') return filtered(walk, ns, pre, true);
  const input = hook(walk, ns, 'INPUT', pre.packet, { inIface: 'lo' });
  if (input.verdict !== 'ACCEPT') return filtered(walk, ns, input, true);
  return localDeliver(walk, ns, 'lo', input.packet);
}
