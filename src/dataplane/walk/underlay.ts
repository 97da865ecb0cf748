/**
 * Between the nodes (../underlay.ts): a subnet's switch delivers a frame to
 * the NIC or router port with its destination MAC, and the underlay router
 * routes between the node subnets it is connected to, and nothing else (it
 * knows the pod networks only when calico's nodes peer with it), answering
 * what it cannot forward with ICMP errors as a Linux router would.
 */
import { formatIPv4 } from '../../net/ipv4.js';
import type { Frame, Packet } from '../../flow/packet.js';
import type { Disposition } from '../../flow/trace.js';
import { ROUTER_ID, type RouterPort } from '../underlay.js';
import type { Event, Walk } from './walk.js';

/** The segment's switch: to the host or router port that has the destination MAC. */
export function segment(walk: Walk, segmentName: string, frame: Frame): Event | undefined {
  const underlay = walk.session.underlay;
  const subnet = underlay.segmentByName(segmentName)!;
  walk.hop(`underlay/${segmentName}`, `underlay ${segmentName}`, undefined, frame.packet);
  const receiver = underlay.byMac(subnet, frame.dstMac);
  if (!receiver)
    return walk.finish(
      'NEIGHBOR_UNREACHABLE',
      `nothing on segment ${segmentName} has MAC ${frame.dstMac}`,
      { kind: 'none' },
      `underlay/${segmentName}`,
    );
  if (receiver.kind === 'router') {
    walk.record({ kind: 'switch', segment: segmentName, dstMac: frame.dstMac, port: `router ${receiver.port.dev}` });
    return { kind: 'router', port: receiver.port, frame };
  }
  walk.record({ kind: 'switch', segment: segmentName, dstMac: frame.dstMac, port: `${receiver.host.name} eth0` });
  return { kind: 'rx', ns: walk.session.netnsById(receiver.host.netnsId), dev: 'eth0', frame };
}

/** The underlay router: routes between the node subnets it is connected to, and nothing else. */
export function router(walk: Walk, inPort: RouterPort, frame: Frame): Event | undefined {
  const p = frame.packet;
  walk.hop(ROUTER_ID, 'router', inPort.dev, p);
  // As in Linux: the route lookup (ip_route_input) comes before the TTL check (ip_forward).
  const route = walk.session.underlay.routerRoute(p.dst);
  if (!route) {
    return routerError(
      walk,
      inPort,
      p,
      3,
      0,
      'NO_ROUTE',
      `the underlay router has no route to ${formatIPv4(p.dst)} (it knows the node subnets, not the pod networks)`,
    );
  }
  const { port: outPort, nexthop } = route;
  // A pod block the router learned by peering with calico's nodes (routerPeering): via the node that owns it.
  if (route.learnedFrom !== undefined)
    walk.record({
      kind: 'userspace',
      process: 'router (BGP)',
      action: `${formatIPv4(p.dst)} is in a block node ${route.learnedFrom} announced: next hop ${formatIPv4(nexthop)}`,
    });
  if (p.ttl <= 1) return routerError(walk, inPort, p, 11, 0, 'TTL_EXCEEDED', 'TTL expired in transit at the router');
  const out: Packet = { ...p, ttl: p.ttl - 1 };
  walk.record({ kind: 'forward', ttlBefore: p.ttl, ttlAfter: out.ttl });
  walk.current().outDev = outPort.dev;
  walk.current().packet = out;
  const mtu = outPort.subnet.mtu;
  if (out.length > mtu) {
    if (out.df)
      return routerError(
        walk,
        inPort,
        p,
        3,
        4,
        'MTU_EXCEEDED',
        `${out.length}-byte packet with DF set does not fit subnet ${outPort.subnet.name} (mtu ${mtu})`,
        mtu,
      );
    walk.record({ kind: 'mtu', dev: outPort.dev, mtu, length: out.length, result: 'fragment' });
  }
  const target = walk.session.underlay.resolve(outPort.subnet, nexthop);
  if (!target || target.kind !== 'host') {
    return routerError(
      walk,
      inPort,
      p,
      3,
      1,
      'NEIGHBOR_UNREACHABLE',
      `no host answers ARP for ${formatIPv4(nexthop)} on ${outPort.subnet.name}`,
    );
  }
  walk.record({ kind: 'neigh', ip: nexthop, dev: outPort.dev, mac: target.host.mac, state: 'REACHABLE' });
  return {
    kind: 'segment',
    port: { subnet: outPort.subnet.name },
    frame: { srcMac: outPort.mac, dstMac: target.host.mac, packet: out },
    from: ROUTER_ID,
  };
}

/** The router originates a packet (its ICMP errors), by the same routes. */
export function routerOut(walk: Walk, p: Packet): Event | undefined {
  walk.hop(ROUTER_ID, 'router', undefined, p);
  const route = walk.session.underlay.routerRoute(p.dst);
  if (!route) return walk.finish('NO_ROUTE', `the underlay router has no route to ${formatIPv4(p.dst)}`, { kind: 'none' }, ROUTER_ID);
  const { port: outPort, nexthop } = route;
  walk.current().outDev = outPort.dev;
  const target = walk.session.underlay.resolve(outPort.subnet, nexthop);
  if (!target || target.kind !== 'host')
    return walk.finish(
      'NEIGHBOR_UNREACHABLE',
      `no host answers ARP for ${formatIPv4(nexthop)} on ${outPort.subnet.name}`,
      { kind: 'none' },
      ROUTER_ID,
    );
  walk.record({ kind: 'neigh', ip: nexthop, dev: outPort.dev, mac: target.host.mac, state: 'REACHABLE' });
  return {
    kind: 'segment',
    port: { subnet: outPort.subnet.name },
    frame: { srcMac: outPort.mac, dstMac: target.host.mac, packet: p },
    from: ROUTER_ID,
  };
}

function routerError(
  walk: Walk,
  inPort: RouterPort,
  p: Packet,
  type: number,
  code: number,
  disposition: Disposition,
  why: string,
  mtu?: number,
): undefined {
  return walk.finish(disposition, why, { kind: 'icmp', from: inPort.ip, type, code, ...(mtu !== undefined ? { mtu } : {}) }, ROUTER_ID, {
    icmpFrom: { routerPort: inPort },
    offending: p,
  });
}
