/**
 * Neighbour resolution: a permanent entry when the CNI programmed one, else
 * ARP on the link's L2 domain, answered by whoever owns the address there
 * (Linux answers for any of its local addresses, arp_ignore=0). Devices
 * without ARP (TUN) need no neighbour; a vxlan device with nolearning and no
 * entry gets no answer, as flannel relies on its permanent entries.
 */
import type { Link, VethInfo } from '../kernel/link.js';
import type { NetNs } from '../kernel/netns.js';
import { formatIPv4 as fmt, type IPv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';
import { fibLookup, isLocalAddress } from './fib.js';
import type { Underlay } from './underlay.js';

/**
 * How long a new neighbour entry waits for an ARP answer before it fails and
 * the packets queued on it get host unreachable: mcast_solicit (3) probes,
 * retrans_time (1 s) apart. Measured in a namespace: 3.07 s.
 */
export const NEIGHBOUR_RESOLUTION_MS = 3000;

/** What an ARP request reaches beyond its own netns: the other end of a veth, and the underlay segment a NIC is plugged into. */
export interface ArpReach {
  vethPeer(veth: VethInfo): { ns: NetNs; link: Link | undefined };
  readonly underlay: Pick<Underlay, 'segmentOf' | 'resolve'>;
}

export interface NeighbourResult {
  readonly mac?: Mac;
  /** As `ip neigh` would show it afterwards. */
  readonly state: 'PERMANENT' | 'REACHABLE' | 'NOARP' | 'FAILED';
  readonly why?: string;
  /** Who answered when it was not the address's owner (proxy ARP). */
  readonly answeredBy?: string;
}

export function resolveNeighbour(reach: ArpReach, ns: NetNs, dev: Link, ip: IPv4): NeighbourResult {
  const entry = ns.neighbours.find((n) => n.dev === dev.name && n.ip === ip);
  if (entry?.lladdr) return { mac: entry.lladdr, state: entry.state === 'PERMANENT' ? 'PERMANENT' : 'REACHABLE' };
  if (dev.flags.noarp) return { mac: '00:00:00:00:00:00', state: 'NOARP' };
  switch (dev.info.kind) {
    case 'vxlan':
      return { state: 'FAILED', why: `${dev.name} has nolearning and no permanent entry for it` };
    case 'veth': {
      const { ns: peerNs, link } = reach.vethPeer(dev.info);
      const peer = link!;
      if (!peer.state.up) return { state: 'FAILED', why: `the other end of ${dev.name} is down` };
      if (peer.bridgePort)
        return onBridge(
          reach,
          peerNs,
          peerNs.links.find((l) => l.name === peer.bridgePort!.bridge)!,
          ip,
          peer,
        );
      if (isLocalAddress(peerNs, ip)) return { mac: peer.mac!, state: 'REACHABLE' };
      if (proxyArp(peerNs, peer, ip))
        return { mac: peer.mac!, state: 'REACHABLE', answeredBy: `proxy ARP by ${peer.name} in ${peerNs.displayName}` };
      return { state: 'FAILED', why: `${peerNs.displayName} does not have ${fmt(ip)}${proxyArpWhy(peerNs, peer)}` };
    }
    case 'bridge':
      return onBridge(reach, ns, dev, ip, undefined);
    case 'ether': {
      const segment = reach.underlay.segmentOf(ns.id);
      const owner = segment && reach.underlay.resolve(segment, ip);
      if (!owner) return { state: 'FAILED', why: `nothing on segment ${segment?.name ?? '?'} has ${fmt(ip)}` };
      return { mac: owner.kind === 'host' ? owner.host.mac : owner.port.mac, state: 'REACHABLE' };
    }
    default:
      return { state: 'FAILED', why: `ARP on ${dev.info.kind} devices is not modelled` };
  }
}

/**
 * arp_process's proxy ARP (net/ipv4/arp.c arp_fwd_proxy): a device with
 * proxy_arp and forwarding on answers with its own MAC for an address it
 * would route out of another device. This is how a calico node answers its
 * pods' ARP for 169.254.1.1, which nothing owns (the node's default route
 * leads out of eth0). Without such a route nobody answers.
 */
function proxyArp(ns: NetNs, dev: Link, ip: IPv4): boolean {
  const conf = (key: string) =>
    ns.sysctls.get(`net.ipv4.conf.${dev.name}.${key}`) === '1' || ns.sysctls.get(`net.ipv4.conf.all.${key}`) === '1';
  if (!conf('proxy_arp') || !(conf('forwarding') || ns.sysctls.get('net.ipv4.ip_forward') === '1')) return false;
  const route = fibLookup(ns, ip);
  return route.ok && route.route.type === 'unicast' && route.route.dev !== dev.name;
}

function proxyArpWhy(ns: NetNs, dev: Link): string {
  if (ns.sysctls.get(`net.ipv4.conf.${dev.name}.proxy_arp`) !== '1') return '';
  return ` (${dev.name} has proxy_arp=1, but ${ns.displayName} has no route for it out of another device)`;
}

/** ARP on a bridge's segment: the bridge itself (the node) or a pod behind one of its ports. */
function onBridge(reach: ArpReach, ns: NetNs, bridge: Link, ip: IPv4, except: Link | undefined): NeighbourResult {
  if (isLocalAddress(ns, ip)) return { mac: bridge.mac!, state: 'REACHABLE' };
  for (const port of ns.links) {
    if (port.bridgePort?.bridge !== bridge.name || port === except || port.info.kind !== 'veth' || port.bridgePort.state === 'disabled')
      continue;
    const peer = reach.vethPeer(port.info);
    if (isLocalAddress(peer.ns, ip)) return { mac: peer.link!.mac!, state: 'REACHABLE' };
  }
  return { state: 'FAILED', why: `nothing behind ${bridge.name} has ${fmt(ip)}` };
}
