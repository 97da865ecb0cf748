/**
 * What the underlay router learns when it peers with calico's nodes over
 * BGP (cni.routerPeering): every node's IPAM blocks, each via that node's
 * address. Without peering it knows only the node subnets, so unencapsulated
 * pod traffic between subnets (calico bgp mode) dies there.
 */
import { prefixMask, type IPv4 } from '../net/ipv4.js';
import type { Cluster, Node } from '../model/types.js';

/** The node whose block holds `ip`, for a router that peers; undefined when it does not peer. */
export function routerBgpLookup(cluster: Cluster): ((ip: IPv4) => Node | undefined) | undefined {
  const cni = cluster.topology.network.cni;
  if (cni.plugin !== 'calico' || !cni.routerPeering) return undefined;
  const mask = prefixMask(cni.blockSize);
  const byBlock = new Map<number, Node>();
  for (const node of cluster.nodes) for (const block of node.calico?.blocks ?? []) byBlock.set(block.addr, node);
  return (ip) => byBlock.get((ip & mask) >>> 0);
}
