/**
 * The input path, as a frame arrives in a netns: netif_receive_skb on a
 * device (counted; a bridge port's frame goes to its bridge, bridge.ts),
 * then ip_rcv: PREROUTING, the route lookup (ip_route_input), and either
 * ip_local_deliver (INPUT, IPVS at LOCAL_IN, then the sockets: local.ts) or
 * ip_forward (ip_forward=1, the TTL, FORWARD, then out by dst_output:
 * output.ts).
 */
import type { NetNs } from '../../kernel/netns.js';
import { formatIPv4 } from '../../net/ipv4.js';
import type { Frame, Packet } from '../../flow/packet.js';
import { bridgeInput } from './bridge.js';
import { filtered, hook } from './hooks.js';
import { localDeliver } from './local.js';
import { dstOutput } from './output.js';
import { icmpError, isLocalRoute, route, specialRoute } from './routing.js';
import { serviceAnswer } from './service.js';
import { deviceOf, type Event, type Walk } from './walk.js';

/** A frame arrives on a device. */
export function receive(walk: Walk, ns: NetNs, devName: string, frame: Frame): Event | undefined {
  const dev = deviceOf(ns, devName);
  walk.hop(ns.id, ns.displayName, devName, frame.packet);
  walk.count(ns, dev, 'rx', frame.packet.length);
  if (dev.bridgePort) return bridgeInput(walk, ns, deviceOf(ns, dev.bridgePort.bridge), dev, frame);
  return { kind: 'ip-rcv', ns, dev: devName, packet: frame.packet };
}

/** The IP layer takes a packet received on `devName`; `prerouted`: br_netfilter already ran PREROUTING. */
export function ipReceive(walk: Walk, ns: NetNs, devName: string, packet: Packet, prerouted: boolean): Event | undefined {
  let p = packet;
  if (!prerouted) {
    const pre = hook(walk, ns, 'PREROUTING', p, { inIface: devName });
    if (pre.verdict !== 'ACCEPT') return filtered(walk, ns, pre, false);
    p = pre.packet;
  }
  const via = route(walk, ns, p.dst, p.src, 'input');
  if (!via) return icmpError(walk, ns, p, 3, 0, 'NO_ROUTE', `no route to ${formatIPv4(p.dst)} in ${ns.displayName}`);
  const special = specialRoute(walk, ns, via, false, p);
  if (special !== undefined || walk.ended) return special;
  if (isLocalRoute(via)) {
    const input = hook(walk, ns, 'INPUT', p, { inIface: devName });
    if (input.verdict !== 'ACCEPT') return filtered(walk, ns, input, false);
    // IPVS takes a packet for a virtual server at LOCAL_IN.
    const service = walk.session.dataplane.kubeProxy.atLocalIn?.(walk.services, ns, input.packet, false);
    if (service) return serviceAnswer(walk, ns, devName, input.packet, service, false);
    return localDeliver(walk, ns, devName, input.packet);
  }
  if (ns.sysctls.get('net.ipv4.ip_forward') !== '1') {
    return walk.finish(
      'FORWARDING_DISABLED',
      `${ns.displayName} does not forward (net.ipv4.ip_forward=0): dropped silently`,
      { kind: 'none' },
      ns.id,
    );
  }
  if (p.ttl <= 1) return icmpError(walk, ns, p, 11, 0, 'TTL_EXCEEDED', `TTL expired in transit at ${ns.displayName}`);
  const fwd = hook(walk, ns, 'FORWARD', p, { inIface: devName, outIface: via.dev });
  if (fwd.verdict !== 'ACCEPT') return filtered(walk, ns, fwd, false);
  p = { ...fwd.packet, ttl: fwd.packet.ttl - 1 };
  walk.record({ kind: 'forward', ttlBefore: fwd.packet.ttl, ttlAfter: p.ttl });
  return dstOutput(walk, ns, via, p, false);
}
