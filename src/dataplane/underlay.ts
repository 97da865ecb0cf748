/**
 * The network between the nodes: one L2 segment per subnet (a switch the
 * node NICs plug into) and one router holding every subnet's gateway
 * address. The router knows the node subnets only, never the pod networks:
 * that is why host-gw cannot cross it and why overlays exist.
 */
import { contains } from '../net/cidr.js';
import type { IPv4 } from '../net/ipv4.js';
import { stableMac, type Mac } from '../net/mac.js';
import type { Cluster, Node, Subnet } from '../model/types.js';

export const ROUTER_ID = 'router';

export interface RouterPort {
  readonly subnet: Subnet;
  readonly ip: IPv4;
  readonly mac: Mac;
  /** The router's interface name on this subnet, for traces. */
  readonly dev: string;
}

export interface Underlay {
  readonly routerPorts: readonly RouterPort[];
  /** Nodes per subnet name. */
  readonly nodesBySubnet: ReadonlyMap<string, readonly Node[]>;
  /** Who on a segment has this IP: a node NIC or the router. */
  resolve(subnet: Subnet, ip: IPv4): { kind: 'node'; node: Node } | { kind: 'router'; port: RouterPort } | undefined;
  /** Who on a segment has this MAC. */
  byMac(subnet: Subnet, mac: Mac): { kind: 'node'; node: Node } | { kind: 'router'; port: RouterPort } | undefined;
  /** The router's port on the subnet containing `ip`, if any (a connected route). */
  routerPortFor(ip: IPv4): RouterPort | undefined;
}

export function buildUnderlay(cluster: Cluster): Underlay {
  const routerPorts: RouterPort[] = cluster.subnets
    .filter((s) => s.gateway !== undefined)
    .map((s, i) => ({ subnet: s, ip: s.gateway!, mac: stableMac(`router/${s.name}`), dev: `eth${i}` }));
  const nodesBySubnet = new Map<string, Node[]>();
  const nodeByIp = new Map<IPv4, Node>();
  const nodeByMac = new Map<Mac, Node>();
  for (const node of cluster.nodes) {
    let list = nodesBySubnet.get(node.subnet.name);
    if (!list) nodesBySubnet.set(node.subnet.name, (list = []));
    list.push(node);
    nodeByIp.set(node.ip, node);
    nodeByMac.set(node.mac, node);
  }
  return {
    routerPorts,
    nodesBySubnet,
    resolve(subnet, ip) {
      const node = nodeByIp.get(ip);
      if (node && node.subnet === subnet) return { kind: 'node', node };
      const port = routerPorts.find((p) => p.subnet === subnet && p.ip === ip);
      return port && { kind: 'router', port };
    },
    byMac(subnet, mac) {
      const node = nodeByMac.get(mac);
      if (node && node.subnet === subnet) return { kind: 'node', node };
      const port = routerPorts.find((p) => p.subnet === subnet && p.mac === mac);
      return port && { kind: 'router', port };
    },
    routerPortFor(ip) {
      return routerPorts.find((p) => contains(p.subnet.cidr, ip));
    },
  };
}
