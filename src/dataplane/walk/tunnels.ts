/**
 * The tunnels, both ends. Sending: a vxlan device wraps the frame in a UDP
 * packet to the VTEP its FDB names (vxlan_xmit_one), calico's tunl0 wraps
 * the packet in IP-in-IP to the route's next hop (ipip_tunnel_xmit), and a
 * flannel TUN device hands it to flanneld, which sends it in a UDP datagram
 * to the node holding the lease (flannel's proxy.c). The outer packet is
 * the node's own, and takes the output path again (output.ts). Receiving:
 * the outer packet is delivered to the tunnel's socket in the receiving
 * node (vxlan_rcv, ipip_rcv, flanneld reading UDP 8285), and the inner one
 * goes back into the IP layer as if it arrived on the tunnel device.
 */
import type { Link } from '../../kernel/link.js';
import type { NetNs } from '../../kernel/netns.js';
import { contains } from '../../net/cidr.js';
import { formatIPv4, type IPv4 } from '../../net/ipv4.js';
import { DEFAULT_TTL, FLANNEL_UDP_OVERHEAD, IPIP_OVERHEAD, VXLAN_OVERHEAD, type Frame, type Packet } from '../../flow/packet.js';
import type { SenderNotice } from '../../flow/trace.js';
import { fibLookup } from '../fib.js';
import { icmpError } from './routing.js';
import type { Event, Walk } from './walk.js';

const FLANNEL_UDP_PORT = 8285;

// ---------------------------------------------------------------- sending

export function vxlanEncap(walk: Walk, ns: NetNs, dev: Link, frame: Frame): Event | undefined {
  if (dev.info.kind !== 'vxlan') throw new Error('bug: not a vxlan device');
  const info = dev.info;
  const entry = ns.fdb.find((e) => e.dev === dev.name && e.mac === frame.dstMac && e.dst !== undefined);
  if (!entry) {
    return walk.finish(
      'NEIGHBOR_UNREACHABLE',
      `${dev.name} has no FDB entry for ${frame.dstMac}: no VTEP to send to (nolearning)`,
      { kind: 'none' },
      ns.id,
    );
  }
  const inner = frame.packet;
  const outer: Packet = {
    src: info.local,
    dst: entry.dst!,
    protocol: 'udp',
    // The kernel picks the source port from a hash of the inner flow.
    sport: flowPort(inner),
    dport: info.dstport,
    ttl: DEFAULT_TTL,
    length: inner.length + VXLAN_OVERHEAD,
    df: false,
    mark: 0,
    tunnel: { kind: 'vxlan', vni: info.id, innerSrcMac: frame.srcMac, innerDstMac: frame.dstMac, inner },
  };
  walk.record({ kind: 'encap', tunnel: 'vxlan', dev: dev.name, outer, vni: info.id });
  walk.outerOf = 'vxlan';
  // vxlan_xmit_one looks up the route to the remote VTEP itself: without one the device counts a tx
  // (carrier) error and drops the frame; nobody is told.
  if (!fibLookup(ns, outer.dst, { src: outer.src }).ok) {
    walk.record({ kind: 'no-route', dst: outer.dst });
    walk.session.kernel.devices.carrierError(ns, dev);
    return walk.finish(
      'NO_ROUTE',
      `${dev.name}: no route to the remote VTEP ${formatIPv4(outer.dst)} in ${ns.displayName}: a tx error on ${dev.name}, the frame is dropped`,
      { kind: 'none' },
      ns.id,
    );
  }
  walk.count(ns, dev, 'tx', inner.length);
  // The outer packet is the node's own UDP packet: it takes the output path again.
  return { kind: 'local-out', ns, packet: outer };
}

/**
 * IP-in-IP on calico's tunl0 (`remote any local any ttl inherit`): the
 * outer destination is the route's next hop (the remote node), the outer
 * header is protocol 4 and 20 bytes, TTL and DF are copied from the inner
 * header; the node's own routing then sends the outer packet.
 */
export function ipipEncap(walk: Walk, ns: NetNs, dev: Link, inner: Packet, nexthop: IPv4): Event | undefined {
  if (dev.info.kind !== 'ipip') throw new Error('bug: not an ipip device');
  walk.count(ns, dev, 'tx', inner.length);
  const outer: Packet = {
    src: dev.info.local ?? 0,
    dst: dev.info.remote ?? nexthop,
    protocol: 'ipip',
    ttl: inner.ttl,
    length: inner.length + IPIP_OVERHEAD,
    df: inner.df,
    mark: 0,
    tunnel: { kind: 'ipip', inner },
  };
  walk.record({ kind: 'encap', tunnel: 'ipip', dev: dev.name, outer });
  return { kind: 'local-out', ns, packet: outer };
}

/** flannel's udp backend: flanneld reads the packet from its TUN device and sends it to the lease's node. */
export function toFlanneld(walk: Walk, ns: NetNs, dev: Link, inner: Packet): Event | undefined {
  const cluster = walk.session.dataplane.cluster;
  const target = cluster.nodes.find((n) => contains(n.podCIDR, inner.dst));
  const self = walk.session.nodeOf(ns)!;
  walk.record({ kind: 'xmit', dev: dev.name, to: 'flanneld (user space, reads the TUN device)' });
  if (!target || target === self) {
    // proxy.c send_net_unreachable(): written back into the TUN from the TUN's address, never about ICMP.
    const notice: SenderNotice = inner.protocol === 'icmp' ? { kind: 'none' } : { kind: 'icmp', from: self.podCIDR.addr, type: 3, code: 0 };
    return walk.finish('NO_ROUTE', `flanneld has no lease for ${formatIPv4(inner.dst)}`, notice, ns.id, { icmpFrom: { ns } });
  }
  // proxy.c decrement_ttl(): flanneld decrements the inner TTL on each side, and drops at 0 without a word.
  if (inner.ttl <= 1) return flanneldTtlDrop(walk, ns, 'sending');
  inner = { ...inner, ttl: inner.ttl - 1 };
  const length = inner.length + FLANNEL_UDP_OVERHEAD;
  const outer: Packet = {
    src: 0,
    dst: target.ip,
    protocol: 'udp',
    sport: FLANNEL_UDP_PORT,
    dport: FLANNEL_UDP_PORT,
    ttl: DEFAULT_TTL,
    length,
    // flanneld's socket keeps the default path MTU discovery (IP_PMTUDISC_WANT): a datagram that fits the
    // route leaves with DF set (a smaller hop further on answers frag needed); a larger one is fragmented here.
    df: fitsRoute(ns, target.ip, length),
    mark: 0,
    tunnel: { kind: 'flannel-udp', inner },
  };
  walk.record({
    kind: 'userspace',
    process: 'flanneld',
    action: `lease ${formatIPv4(target.podCIDR.addr)}/${target.podCIDR.len} belongs to ${target.name}: send to ${formatIPv4(target.ip)}:${FLANNEL_UDP_PORT}`,
  });
  walk.record({ kind: 'encap', tunnel: 'flannel-udp', dev: dev.name, outer: { ...outer, src: self.ip } });
  walk.outerOf = 'flannel-udp';
  return { kind: 'local-out', ns, packet: outer };
}

/** Whether a packet of `length` bytes fits the MTU of the route this netns has to `dst` (no route: it does not). */
function fitsRoute(ns: NetNs, dst: IPv4, length: number): boolean {
  const lookup = fibLookup(ns, dst);
  if (!lookup.ok) return false;
  const dev = lookup.route.dev !== undefined ? ns.links.find((l) => l.name === lookup.route.dev) : undefined;
  const mtu = lookup.route.mtu ?? dev?.mtu;
  return mtu !== undefined && length <= mtu;
}

/** A stable stand-in for the kernel's flow-hash source port (within the default 32768-60999 range). */
function flowPort(p: Packet): number {
  let h = 2166136261;
  for (const v of [p.src, p.dst, p.sport ?? 0, p.dport ?? 0, p.protocol.length]) {
    h = Math.imul(h ^ v, 16777619) >>> 0;
  }
  return 32768 + (h % (60999 - 32768 + 1));
}

function flanneldTtlDrop(walk: Walk, ns: NetNs, side: 'sending' | 'receiving'): undefined {
  return walk.finish(
    'TTL_EXCEEDED',
    `flanneld (${side}) decrements the inner TTL to 0 and drops the packet; it sends no ICMP error`,
    { kind: 'none' },
    ns.id,
  );
}

// ---------------------------------------------------------------- receiving

/**
 * A tunnel's outer packet delivered in `ns`: the tunnel endpoints are sockets
 * of the kernel (vxlan, ipip) or of flanneld (udp). `{ next }` when a tunnel
 * took it (the inner packet back into the IP layer, or the end of the walk);
 * undefined when this netns has no endpoint for it and it goes to the
 * sockets like any other packet.
 */
export function decapsulate(walk: Walk, ns: NetNs, p: Packet): { next: Event | undefined } | undefined {
  if (p.tunnel?.kind === 'vxlan') {
    const vxlan = ns.links.find((l) => l.info.kind === 'vxlan' && l.info.dstport === p.dport && l.info.id === p.tunnel!.vni);
    if (vxlan) {
      walk.record({ kind: 'decap', tunnel: 'vxlan', dev: vxlan.name, vni: p.tunnel.vni });
      walk.outerOf = undefined;
      walk.count(ns, vxlan, 'rx', p.tunnel.inner.length);
      // The inner packet arrived off the wire: no skb mark from the sending node.
      return { next: { kind: 'ip-rcv', ns, dev: vxlan.name, packet: { ...p.tunnel.inner, mark: 0 } } };
    }
  }
  if (p.tunnel?.kind === 'ipip') {
    // The ipip module's receive handler: the fallback tunl0 takes IP-in-IP from any address.
    const tunl = ns.links.find((l) => l.info.kind === 'ipip' && l.state.up);
    if (!tunl)
      return {
        next: icmpError(walk, ns, p, 3, 2, 'PORT_UNREACHABLE', `${ns.displayName} has no ipip tunnel device: protocol 4 unreachable`),
      };
    walk.record({ kind: 'decap', tunnel: 'ipip', dev: tunl.name });
    walk.count(ns, tunl, 'rx', p.tunnel.inner.length);
    return { next: { kind: 'ip-rcv', ns, dev: tunl.name, packet: { ...p.tunnel.inner, mark: 0 } } };
  }
  if (p.tunnel?.kind === 'flannel-udp' && p.dport === FLANNEL_UDP_PORT) {
    const tun = ns.links.find((l) => l.info.kind === 'tun');
    if (tun) {
      walk.record({
        kind: 'userspace',
        process: 'flanneld',
        action: `received on UDP ${FLANNEL_UDP_PORT}, writes the inner packet to ${tun.name}`,
      });
      if (p.tunnel.inner.ttl <= 1) return { next: flanneldTtlDrop(walk, ns, 'receiving') };
      walk.record({ kind: 'decap', tunnel: 'flannel-udp', dev: tun.name });
      walk.outerOf = undefined;
      walk.count(ns, tun, 'rx', p.tunnel.inner.length);
      return { next: { kind: 'ip-rcv', ns, dev: tun.name, packet: { ...p.tunnel.inner, ttl: p.tunnel.inner.ttl - 1 } } };
    }
  }
  return undefined;
}
