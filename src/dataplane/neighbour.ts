/**
 * Neighbour resolution: a permanent entry when the CNI programmed one, else
 * ARP on the link's L2 domain, answered by whoever owns the address there
 * (Linux answers for any of its local addresses, arp_ignore=0). Devices
 * without ARP (TUN) need no neighbour; a vxlan device with nolearning and no
 * entry gets no answer, as flannel relies on its permanent entries.
 */
import type { Link } from '../kernel/link.js';
import type { NetNs } from '../kernel/netns.js';
import { formatIPv4 as fmt, type IPv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';
import { isLocalAddress } from './fib.js';
import type { WalkSession } from './walker.js';

export interface NeighbourResult {
  readonly mac?: Mac;
  /** As `ip neigh` would show it afterwards. */
  readonly state: 'PERMANENT' | 'REACHABLE' | 'NOARP' | 'FAILED';
  readonly why?: string;
}

export function resolveNeighbour(session: WalkSession, ns: NetNs, dev: Link, ip: IPv4): NeighbourResult {
  const entry = ns.neighbours.find((n) => n.dev === dev.name && n.ip === ip);
  if (entry?.lladdr) return { mac: entry.lladdr, state: entry.state === 'PERMANENT' ? 'PERMANENT' : 'REACHABLE' };
  if (dev.flags.noarp) return { mac: '00:00:00:00:00:00', state: 'NOARP' };
  switch (dev.info.kind) {
    case 'vxlan':
      return { state: 'FAILED', why: `${dev.name} has nolearning and no permanent entry for it` };
    case 'veth': {
      const peerNs = session.netnsById(dev.info.peer.netns);
      const peer = peerNs.links.find((l) => l.ifindex === (dev.info as { peer: { ifindex: number } }).peer.ifindex)!;
      if (!peer.state.up) return { state: 'FAILED', why: `the other end of ${dev.name} is down` };
      if (peer.bridgePort) return onBridge(session, peerNs, peerNs.links.find((l) => l.name === peer.bridgePort!.bridge)!, ip, peer);
      return isLocalAddress(peerNs, ip) ? { mac: peer.mac!, state: 'REACHABLE' } : { state: 'FAILED', why: `${peerNs.displayName} does not have ${fmt(ip)}` };
    }
    case 'bridge':
      return onBridge(session, ns, dev, ip, undefined);
    case 'ether': {
      const segment = session.underlay.segmentOf(ns.id);
      const owner = segment && session.underlay.resolve(segment, ip);
      if (!owner) return { state: 'FAILED', why: `nothing on segment ${segment?.name ?? '?'} has ${fmt(ip)}` };
      return { mac: owner.kind === 'host' ? owner.host.mac : owner.port.mac, state: 'REACHABLE' };
    }
    default:
      return { state: 'FAILED', why: `ARP on ${dev.info.kind} devices is not modelled` };
  }
}

/** ARP on a bridge's segment: the bridge itself (the node) or a pod behind one of its ports. */
function onBridge(session: WalkSession, ns: NetNs, bridge: Link, ip: IPv4, except: Link | undefined): NeighbourResult {
  if (isLocalAddress(ns, ip)) return { mac: bridge.mac!, state: 'REACHABLE' };
  for (const port of ns.links) {
    if (port.bridgePort?.bridge !== bridge.name || port === except || port.info.kind !== 'veth' || port.bridgePort.state === 'disabled') continue;
    const peerNs = session.netnsById(port.info.peer.netns);
    if (isLocalAddress(peerNs, ip)) {
      const peer = peerNs.links.find((l) => l.ifindex === (port.info as { peer: { ifindex: number } }).peer.ifindex)!;
      return { mac: peer.mac!, state: 'REACHABLE' };
    }
  }
  return { state: 'FAILED', why: `nothing behind ${bridge.name} has ${fmt(ip)}` };
}
