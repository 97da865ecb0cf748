/**
 * The output path, as a packet leaves a netns: ip_local_out for a socket's
 * packet (route lookup, source selection, the OUTPUT hook, IPVS at
 * LOCAL_OUT, a re-route after DNAT, loopback for the netns' own addresses),
 * dst_output for any packet leaving by a route (POSTROUTING, then
 * ip_finish_output: the MTU check and fragmentation, the neighbour), and
 * dev_queue_xmit, where the device decides where the frame goes: a veth to
 * its peer's netns, a bridge to one of its ports (bridge.ts), a vxlan, ipip
 * or TUN device into a tunnel (tunnels.ts), a NIC onto the underlay
 * segment (underlay.ts), lo back into the IP layer.
 */
import type { Link } from '../../kernel/link.js';
import type { NetNs } from '../../kernel/netns.js';
import type { Route } from '../../kernel/route.js';
import { formatIPv4 } from '../../net/ipv4.js';
import type { Frame, Packet } from '../../flow/packet.js';
import { selectSource } from '../fib.js';
import { resolveNeighbour } from '../neighbour.js';
import { bridgeForward } from './bridge.js';
import { filtered, hook } from './hooks.js';
import { loopback } from './local.js';
import { icmpError, isLocalRoute, route, specialRoute } from './routing.js';
import { serviceAnswer } from './service.js';
import { ipipEncap, toFlanneld, vxlanEncap } from './tunnels.js';
import { deviceOf, type Event, type Walk } from './walk.js';

/** A process sends a packet (ip_local_out): from route lookup to the device, or back in through lo. */
export function localOut(walk: Walk, ns: NetNs, packet: Packet): Event | undefined {
  walk.hop(ns.id, ns.displayName, undefined, packet);
  const lookup = route(walk, ns, packet.dst, packet.src || undefined, 'output');
  if (!lookup) {
    return walk.finish(
      'NO_ROUTE',
      `no route to ${formatIPv4(packet.dst)} in ${ns.displayName}`,
      { kind: 'local-error', errno: 'ENETUNREACH' },
      ns.id,
    );
  }
  // finish() returns undefined: the walk's end, not "go on", says whether a special route stopped it.
  const special = specialRoute(walk, ns, lookup, true);
  if (special !== undefined || walk.ended) return special;
  let p = packet;
  if (!p.src) {
    const src = selectSource(ns, lookup);
    if (src === undefined)
      return walk.finish(
        'NO_ROUTE',
        `no source address for ${formatIPv4(p.dst)} in ${ns.displayName}`,
        { kind: 'local-error', errno: 'EINVAL' },
        ns.id,
      );
    p = { ...p, src };
    walk.record({
      kind: 'source',
      src,
      why: lookup.prefsrc !== undefined ? "the route's src" : `the primary address of ${lookup.dev ?? 'the egress device'}`,
    });
  }
  const out = hook(walk, ns, 'OUTPUT', p, { outIface: isLocalRoute(lookup) ? 'lo' : lookup.dev });
  if (out.verdict !== 'ACCEPT') return filtered(walk, ns, out, true);
  p = out.packet;
  // IPVS takes the node's own connections to a service address at LOCAL_OUT, after nat OUTPUT.
  const service = isLocalRoute(lookup) ? walk.session.dataplane.kubeProxy.atLocalIn?.(walk.services, ns, p, true) : undefined;
  if (service) return serviceAnswer(walk, ns, 'lo', p, service, true);
  let via = lookup;
  // DNAT in OUTPUT (a node reaching its own NodePort, a pod its service) re-routes the packet.
  if (p.dst !== packet.dst) {
    const rerouted = route(walk, ns, p.dst, p.src, 'output');
    if (!rerouted)
      return walk.finish('NO_ROUTE', `no route to ${formatIPv4(p.dst)} after DNAT`, { kind: 'local-error', errno: 'ENETUNREACH' }, ns.id);
    const special2 = specialRoute(walk, ns, rerouted, true);
    if (special2 !== undefined || walk.ended) return special2;
    via = rerouted;
  }
  if (isLocalRoute(via)) return loopback(walk, ns, p);
  return dstOutput(walk, ns, via, p, true);
}

/** A packet leaving by a route (dst_output): POSTROUTING, then out of the route's device. `local`: the netns' own packet. */
export function dstOutput(walk: Walk, ns: NetNs, via: Route, packet: Packet, local: boolean): Event | undefined {
  const post = hook(walk, ns, 'POSTROUTING', packet, { outIface: via.dev });
  if (post.verdict !== 'ACCEPT') return filtered(walk, ns, post, local);
  return finishOutput(walk, ns, via, post.packet, local);
}

/** Leaving by a route (ip_finish_output): MTU, next hop, neighbour, device. */
function finishOutput(walk: Walk, ns: NetNs, via: Route, p: Packet, local: boolean): Event | undefined {
  const dev = deviceOf(ns, via.dev!);
  // A tunnel's outer packet leaves by a second device: show both (flannel.1 → eth0).
  const hop = walk.current();
  hop.outDev =
    hop.outDev !== undefined && hop.outDev !== dev.name && hop.steps.some((s) => s.kind === 'encap')
      ? `${hop.outDev} → ${dev.name}`
      : dev.name;
  walk.current().packet = p;
  const mtu = via.mtu ?? dev.mtu;
  if (p.length > mtu) {
    if (p.df) {
      walk.record({ kind: 'mtu', dev: dev.name, mtu, length: p.length, result: 'too-big' });
      if (local) {
        return walk.finish(
          'MTU_EXCEEDED',
          `${p.length}-byte packet with DF set does not fit ${dev.name} (mtu ${mtu}): message too long`,
          { kind: 'local-error', errno: 'EMSGSIZE', mtu },
          ns.id,
        );
      }
      return icmpError(
        walk,
        ns,
        p,
        3,
        4,
        'MTU_EXCEEDED',
        `${p.length}-byte packet with DF set does not fit ${dev.name} (mtu ${mtu}): fragmentation needed`,
        mtu,
      );
    }
    walk.record({ kind: 'mtu', dev: dev.name, mtu, length: p.length, result: 'fragment' });
  }
  const nexthop = via.gateway ?? p.dst;
  if (!dev.state.up || !dev.state.carrier) {
    // A `linkdown` route is still used (ignore_routes_with_linkdown=0): the packet goes nowhere and ARP is never answered.
    const why = `${dev.name} in ${ns.displayName} has no carrier (link down): nothing answers ARP for ${formatIPv4(nexthop)}`;
    walk.record({ kind: 'neigh', ip: nexthop, dev: dev.name, state: 'FAILED' });
    if (local) return ownNeighbourFailed(walk, ns, p, why);
    return icmpError(walk, ns, p, 3, 1, 'NEIGHBOR_UNREACHABLE', why);
  }
  if (dev.info.kind === 'tun') return toFlanneld(walk, ns, dev, p);
  if (dev.info.kind === 'ipip') return ipipEncap(walk, ns, dev, p, nexthop);
  const neigh = resolveNeighbour(walk.session, ns, dev, nexthop);
  walk.record({
    kind: 'neigh',
    ip: nexthop,
    dev: dev.name,
    ...(neigh.mac ? { mac: neigh.mac } : {}),
    state: neigh.state,
    ...(neigh.answeredBy ? { answeredBy: neigh.answeredBy } : {}),
  });
  if (!neigh.mac) {
    const why = `no answer to ARP for ${formatIPv4(nexthop)} on ${dev.name} in ${ns.displayName}${neigh.why ? ` (${neigh.why})` : ''}`;
    if (local) return ownNeighbourFailed(walk, ns, p, why);
    return icmpError(walk, ns, p, 3, 1, 'NEIGHBOR_UNREACHABLE', why);
  }
  return transmit(walk, ns, dev, { srcMac: dev.mac ?? '00:00:00:00:00:00', dstMac: neigh.mac, packet: p });
}

/**
 * The sender's own neighbour resolution failed: its kernel answers the sending socket with host
 * unreachable from the packet's own source address (ipv4_link_failure), once the resolution gives up.
 */
function ownNeighbourFailed(walk: Walk, ns: NetNs, p: Packet, why: string): undefined {
  return walk.finish('NEIGHBOR_UNREACHABLE', why, { kind: 'icmp', from: p.src, type: 3, code: 1 }, ns.id, {
    icmpFrom: { ns },
    offending: p,
    afterOwnNeighbourResolution: true,
  });
}

/** A frame handed to a device for transmission (dev_queue_xmit): the device's kind decides where it goes. */
export function transmit(walk: Walk, ns: NetNs, dev: Link, frame: Frame): Event | undefined {
  // A vxlan device counts what it managed to encapsulate (vxlanEncap).
  if (dev.info.kind !== 'vxlan') walk.count(ns, dev, 'tx', frame.packet.length);
  switch (dev.info.kind) {
    case 'veth': {
      const peerNs = walk.session.netnsById(dev.info.peer.netns);
      walk.record({ kind: 'xmit', dev: dev.name, to: `${dev.info.peer.name} in ${peerNs.displayName}` });
      // Crossing into another netns scrubs the skb: its mark stays behind (veth_xmit, skb_scrub_packet).
      return { kind: 'rx', ns: peerNs, dev: dev.info.peer.name, frame: { ...frame, packet: { ...frame.packet, mark: 0 } } };
    }
    case 'bridge':
      return bridgeForward(walk, ns, dev, undefined, frame);
    case 'vxlan':
      return vxlanEncap(walk, ns, dev, frame);
    case 'ether': {
      const segment = walk.session.underlay.segmentOf(ns.id);
      if (!segment) throw new Error(`bug: ${ns.id} has a NIC but no underlay segment`);
      walk.record({ kind: 'xmit', dev: dev.name, to: `underlay segment ${segment.name}` });
      // The mark is skb metadata: it does not go on the wire.
      return { kind: 'segment', port: { subnet: segment.name }, frame: { ...frame, packet: { ...frame.packet, mark: 0 } }, from: ns.id };
    }
    case 'loopback':
      return { kind: 'ip-rcv', ns, dev: 'lo', packet: frame.packet };
    default:
      return walk.finish(
        'NO_ROUTE',
        `netlab does not model transmission on ${dev.info.kind} device ${dev.name} yet`,
        { kind: 'none' },
        ns.id,
      );
  }
}
