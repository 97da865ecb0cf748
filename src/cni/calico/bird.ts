/**
 * calico's BGP topology as BIRD on each node sees it (confd's templates):
 *
 * - full node-to-node mesh (nodeToNodeMeshEnabled, the default): every node
 *   peers with every other node, protocols `Mesh_<ip with _>`, N(N-1)/2
 *   sessions in the cluster;
 * - route reflectors (cni.routeReflectors): the mesh is off; reflectors
 *   peer with every node, clients only with the reflectors (a BGPPeer with
 *   a node selector: protocols `Node_<ip>`, type "node specific");
 * - router peering (cni.routerPeering): each node also peers with its
 *   subnet's router (a global BGPPeer: `Global_<ip>`, type "global").
 *
 * A session is Established when the two can reach each other: on the same
 * subnet, or both subnets routed by the underlay router. BIRD runs in bgp
 * and ipip modes; with VXLAN Felix programs the routes and BIRD does not run.
 */
import { contains } from '../../net/cidr.js';
import { formatIPv4, type IPv4 } from '../../net/ipv4.js';
import type { Cluster, Node } from '../../model/types.js';
import type { CalicoCni } from '../../topology/types.js';

export type PeerType = 'node-to-node mesh' | 'global' | 'node specific';

export interface BgpPeer {
  readonly address: IPv4;
  /** BIRD's protocol name. */
  readonly protocol: string;
  readonly type: PeerType;
  readonly established: boolean;
  /** Who the peer is, for people: a node name or `router`. */
  readonly peer: string;
}

/** Calico recommends route reflectors beyond this many nodes in a full mesh. */
export const FULL_MESH_LIMIT = 100;

export function birdRuns(cni: CalicoCni): boolean {
  return cni.mode !== 'vxlan';
}

function protocolName(prefix: 'Mesh_' | 'Node_' | 'Global_', ip: IPv4): string {
  return prefix + formatIPv4(ip).replaceAll('.', '_');
}

function reachable(a: Node, b: Node): boolean {
  return contains(a.subnet.cidr, b.ip) || (a.subnet.gateway !== undefined && b.subnet.gateway !== undefined);
}

/** The BGP sessions of one node, in the order confd writes them (node order, then the router). */
export function bgpPeers(cluster: Cluster, cni: CalicoCni, node: Node): BgpPeer[] {
  if (!birdRuns(cni)) return [];
  const reflectors = new Set(cni.routeReflectors);
  const peers: BgpPeer[] = [];
  for (const other of cluster.nodes) {
    if (other === node) continue;
    if (reflectors.size > 0 && !reflectors.has(node.name) && !reflectors.has(other.name)) continue;
    const mesh = reflectors.size === 0;
    peers.push({
      address: other.ip,
      protocol: protocolName(mesh ? 'Mesh_' : 'Node_', other.ip),
      type: mesh ? 'node-to-node mesh' : 'node specific',
      established: reachable(node, other),
      peer: other.name,
    });
  }
  if (cni.routerPeering && node.subnet.gateway !== undefined) {
    peers.push({
      address: node.subnet.gateway,
      protocol: protocolName('Global_', node.subnet.gateway),
      type: 'global',
      established: true,
      peer: 'router',
    });
  }
  return peers;
}
