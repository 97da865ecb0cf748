/**
 * The network between the nodes: one L2 segment per subnet (a switch the
 * node NICs plug into) and one router holding every subnet's gateway
 * address, plus the external client's segment. The router knows the node
 * subnets only, never the pod networks: that is why host-gw cannot cross it
 * and why overlays exist.
 */
import { contains } from '../net/cidr.js';
import type { IPv4 } from '../net/ipv4.js';
import { stableMac, type Mac } from '../net/mac.js';
import type { Cluster, Subnet } from '../model/types.js';
import { routerBgpLookup } from './router-bgp.js';
import { EXTERNAL_CLIENT, EXTERNAL_NETNS_ID, EXTERNAL_SEGMENT } from './external.js';

export const ROUTER_ID = 'router';

export interface RouterPort {
  readonly subnet: Subnet;
  readonly ip: IPv4;
  readonly mac: Mac;
  /** The router's interface name on this subnet, for traces. */
  readonly dev: string;
}

/** A host NIC plugged into a segment: a node's eth0 or the external client's. */
export interface SegmentHost {
  readonly name: string;
  readonly ip: IPv4;
  readonly mac: Mac;
  readonly segment: Subnet;
  /** The netns the NIC is in (its device is eth0). */
  readonly netnsId: string;
}

export type SegmentMember = { readonly kind: 'host'; readonly host: SegmentHost } | { readonly kind: 'router'; readonly port: RouterPort };

export interface RouterRoute {
  readonly port: RouterPort;
  readonly nexthop: IPv4;
  /** The node that announced the block, when the route was learned over BGP. */
  readonly learnedFrom?: string;
}

export interface Underlay {
  readonly routerPorts: readonly RouterPort[];
  /** Who on a segment has this IP. */
  resolve(segment: Subnet, ip: IPv4): SegmentMember | undefined;
  /** Who on a segment has this MAC. */
  byMac(segment: Subnet, mac: Mac): SegmentMember | undefined;
  /**
   * The router's route to `ip`: its port on the subnet holding it (a connected route, next hop `ip`
   * itself), else a block it learned over BGP (calico routerPeering), via the node that announced it.
   */
  routerRoute(ip: IPv4): RouterRoute | undefined;
  /** The segment a netns's eth0 is plugged into. */
  segmentOf(netnsId: string): Subnet | undefined;
  segmentByName(name: string): Subnet | undefined;
}

/** `detachedNodes`: nodes whose NIC is off the underlay (a failed node): nothing answers for them there. */
export function buildUnderlay(cluster: Cluster, detachedNodes: ReadonlySet<string> = new Set()): Underlay {
  const segments = [...cluster.subnets, EXTERNAL_SEGMENT];
  const routerPorts: RouterPort[] = segments
    .filter((s) => s.gateway !== undefined)
    .map((s, i) => ({ subnet: s, ip: s.gateway!, mac: stableMac(`router/${s.name}`), dev: `eth${i}` }));
  const external: SegmentHost = {
    name: 'external',
    ip: EXTERNAL_CLIENT.ip,
    mac: EXTERNAL_CLIENT.mac,
    segment: EXTERNAL_SEGMENT,
    netnsId: EXTERNAL_NETNS_ID,
  };
  // Node NICs are looked up through the cluster's maps on demand: nothing per node is built here.
  const nodeHost = (name: string): SegmentHost | undefined => {
    if (detachedNodes.has(name)) return undefined;
    const node = cluster.nodeByName.get(name);
    return node && { name: node.name, ip: node.ip, mac: node.mac, segment: node.subnet, netnsId: `node/${node.name}` };
  };
  const nodeByIp = new Map(cluster.nodes.map((n) => [n.ip, n.name]));
  const nodeByMac = new Map(cluster.nodes.map((n) => [n.mac, n.name]));
  const onSegment = (host: SegmentHost | undefined, segment: Subnet): SegmentMember | undefined =>
    host && host.segment.name === segment.name ? { kind: 'host', host } : undefined;
  const learned = routerBgpLookup(cluster);
  return {
    routerPorts,
    resolve(segment, ip) {
      if (ip === external.ip) return onSegment(external, segment);
      const name = nodeByIp.get(ip);
      const member = name !== undefined ? onSegment(nodeHost(name), segment) : undefined;
      if (member) return member;
      const port = routerPorts.find((p) => p.subnet.name === segment.name && p.ip === ip);
      return port && { kind: 'router', port };
    },
    byMac(segment, mac) {
      if (mac === external.mac) return onSegment(external, segment);
      const name = nodeByMac.get(mac);
      const member = name !== undefined ? onSegment(nodeHost(name), segment) : undefined;
      if (member) return member;
      const port = routerPorts.find((p) => p.subnet.name === segment.name && p.mac === mac);
      return port && { kind: 'router', port };
    },
    routerRoute(ip) {
      const connected = routerPorts.find((p) => contains(p.subnet.cidr, ip));
      if (connected) return { port: connected, nexthop: ip };
      const node = learned?.(ip);
      const port = node && routerPorts.find((p) => p.subnet.name === node.subnet.name);
      return node && port ? { port, nexthop: node.ip, learnedFrom: node.name } : undefined;
    },
    segmentOf(netnsId) {
      if (netnsId === EXTERNAL_NETNS_ID) return EXTERNAL_SEGMENT;
      return netnsId.startsWith('node/') ? cluster.nodeByName.get(netnsId.slice(5))?.subnet : undefined;
    },
    segmentByName(name) {
      return name === EXTERNAL_SEGMENT.name ? EXTERNAL_SEGMENT : cluster.subnetByName.get(name);
    },
  };
}
