/**
 * The three ways calico carries pod traffic between nodes, as what each
 * programs on a node (modelled version: Calico v3.30):
 *
 * - bgp (ipipMode and vxlanMode Never): BIRD programs every remote block
 *   `via <node IP> dev eth0 proto bird`. Its BGP next hop is resolved
 *   recursively (`gateway recursive`): for a node on another subnet the
 *   kernel route goes via this node's own gateway, the underlay router,
 *   which drops the packets unless it peers with the nodes
 *   (cni.routerPeering) and so knows the blocks.
 * - ipip: tunl0 (MTU host - 20 = 1480; Felix's auto-detection since v3.13,
 *   where older manifests fixed 1440), the node's tunnel address /32, and
 *   BIRD's `via <node IP> dev tunl0 proto bird onlink` (krt_tunnel); with
 *   CrossSubnet, nodes on the same subnet get the plain eth0 route instead.
 *   Up to v3.32 BIRD programs these routes (`proto bird`).
 * - vxlan: vxlan.calico (VNI 4096, UDP 4789, nolearning, MTU host - 50 =
 *   1450, VTEP MAC 66:<sha1(nodename)>), Felix's per remote VTEP permanent
 *   ARP and FDB entries and `via <remote tunnel IP> dev vxlan.calico onlink`
 *   (proto boot: hidden; v3.31 added `mtu 1450` to these routes, v3.30 has
 *   none). With CrossSubnet, same-subnet nodes get `via <node IP> dev eth0
 *   proto 80 onlink`. BIRD does not run; Felix writes blackholes with proto 80.
 *
 * Every route object is built once per cluster and shared by the nodes
 * that see it, like flannel's overlay.
 */
import type { NetnsBuilder } from '../../kernel/builder.js';
import { ethernetMulticast } from '../../kernel/devices.js';
import type { LinkOrigin } from '../../kernel/link.js';
import { RT_TABLE, RTPROT, type Route } from '../../kernel/route.js';
import { contains } from '../../net/cidr.js';
import type { Cluster, Node } from '../../model/types.js';
import type { CalicoCni } from '../../topology/types.js';
import type { PeerEntries } from '../types.js';

export const TUNL0 = 'tunl0';
export const VXLAN_DEVICE = 'vxlan.calico';
export const VXLAN_VNI = 4096;
export const VXLAN_PORT = 4789;
export const UNDERLAY = 'eth0';
/** Bytes each mode's encapsulation adds (IPIP: outer IPv4; VXLAN: 14 + 8 + 8 + 20). */
export const CALICO_OVERHEAD = { bgp: 0, ipip: 20, vxlan: 50 } as const;

/** tunl0: nobody asks for it by netlink; the ipip module makes it in every netns, and Felix configures it. */
export const TUNL0_ORIGIN: LinkOrigin = {
  creator:
    "the ipip module's fallback device, made in every netns when the module loads (Felix runs `ip tunnel add tunl0 mode ipip` to load it); configured by Felix: felix/dataplane/linux/ipip_mgr.go configureIPIPDevice (v3.30)",
  attributes: [
    ['no local, no remote', 'the fallback device of ipip_init_net'],
    ['txqueuelen 1000, qdisc noqueue', 'ipip_tunnel_setup sets no queue length: alloc_netdev_mqs gives 1000 and IFF_NO_QUEUE'],
    ['mtu', 'LinkSetMTU: the host MTU less 20'],
    ['up, the tunnel address /32', 'LinkSetUp, setLinkAddressV4'],
  ],
};

/** vxlan.calico, as Felix's VXLAN manager asks netlink for it. */
export const VXLAN_CALICO_ORIGIN: LinkOrigin = {
  creator: 'Felix: felix/dataplane/linux/vxlan_mgr.go configureVXLANDevice (v3.30)',
  attributes: [
    ['txqueuelen: not sent', 'netlink.NewLinkAttrs() leaves TxQLen -1: vxlan_setup gives 1000'],
    ['address', "the VTEP MAC: 0x66 and sha1(node name), or the node resource's"],
    [`id ${VXLAN_VNI}, dstport ${VXLAN_PORT}`, 'VxlanId and Port: FelixConfiguration vxlanVNI and vxlanPort'],
    ['local, dev', 'SrcAddr and VtepDevIndex: the parent interface (eth0) and its address'],
    ['nolearning', 'Learning false, sent as IFLA_VXLAN_LEARNING 0'],
    ['mtu', "not in the request (the kernel takes the parent's less 50), then LinkSetMTU: the host MTU less 50"],
  ],
};

export interface CalicoMode {
  /** The device the mode creates on every node, before any pod. */
  setupDevice(node: NetnsBuilder, model: Node): void;
  /** The node's own blocks as blackhole routes (a packet to an unused address is dropped silently). */
  ownRoutes(model: Node): Route[];
  /** Routes, ARP and FDB entries the node gets for every other node's blocks. */
  peerEntries(viewer: Node): PeerEntries;
}

const sameSubnet = (a: Node, b: Node): boolean => contains(a.subnet.cidr, b.ip);

function blackholes(model: Node, protocol: number): Route[] {
  return (model.calico?.blocks ?? []).map((dst) => ({
    table: RT_TABLE.main,
    type: 'blackhole' as const,
    dst,
    protocol,
    scope: 'universe' as const,
  }));
}

/** One route per remote block, built lazily once per (remote node, variant) and shared. */
function routeCache(make: (remote: Node, variant: string) => Route[]): (remote: Node, variant: string) => Route[] {
  const cache = new Map<string, Route[]>();
  return (remote, variant) => {
    const key = `${remote.index}/${variant}`;
    let routes = cache.get(key);
    if (!routes) cache.set(key, (routes = make(remote, variant)));
    return routes;
  };
}

function blockRoutes(remote: Node, route: Omit<Route, 'dst'>): Route[] {
  return (remote.calico?.blocks ?? []).map((dst) => ({ ...route, dst }));
}

/** BIRD's kernel route to a remote block, direct or (another subnet) via this node's gateway. */
function birdRoute(remote: Node, gateway: number): Route[] {
  return blockRoutes(remote, { table: RT_TABLE.main, type: 'unicast', gateway, dev: UNDERLAY, protocol: RTPROT.bird, scope: 'universe' });
}

export function bgpMode(cluster: Cluster): CalicoMode {
  const routes = routeCache((remote, variant) => birdRoute(remote, variant === 'direct' ? remote.ip : Number(variant)));
  return {
    setupDevice() {
      // No device: pod traffic leaves by eth0 unencapsulated.
    },
    ownRoutes: (model) => blackholes(model, RTPROT.bird),
    peerEntries(viewer) {
      const out: PeerEntries = { routes: [], neighbours: [], fdb: [] };
      for (const remote of cluster.nodes) {
        if (remote === viewer) continue;
        if (sameSubnet(viewer, remote)) out.routes.push(...routes(remote, 'direct'));
        // Off-subnet next hops resolve through the default route; without a gateway the session never comes up.
        else if (viewer.subnet.gateway !== undefined) out.routes.push(...routes(remote, String(viewer.subnet.gateway)));
      }
      return out;
    },
  };
}

export function ipipMode(cluster: Cluster, cni: CalicoCni): CalicoMode {
  const routes = routeCache((remote, variant) =>
    variant === 'direct'
      ? birdRoute(remote, remote.ip)
      : blockRoutes(remote, {
          table: RT_TABLE.main,
          type: 'unicast',
          gateway: remote.ip,
          dev: TUNL0,
          protocol: RTPROT.bird,
          scope: 'universe',
          onlink: true,
        }),
  );
  return {
    setupDevice(node, model) {
      // The ipip module's fallback device, configured by Felix: no local/remote, MTU, up, the tunnel address.
      node.addLink({
        name: TUNL0,
        info: { kind: 'ipip' },
        // LinkSetMTU (configureIPIPDevice); its queue length is the kernel's 1000 (not set by ipip_tunnel_setup).
        mtu: model.subnet.mtu - CALICO_OVERHEAD.ipip,
        operstate: 'UNKNOWN',
        ipv6LinkLocal: false,
        origin: TUNL0_ORIGIN,
      });
      if (model.calico?.tunnelAddress !== undefined) node.addAddress(TUNL0, model.calico.tunnelAddress, 32, { broadcast: false });
    },
    ownRoutes: (model) => blackholes(model, RTPROT.bird),
    peerEntries(viewer) {
      const out: PeerEntries = { routes: [], neighbours: [], fdb: [] };
      for (const remote of cluster.nodes) {
        if (remote === viewer) continue;
        out.routes.push(...routes(remote, cni.crossSubnet && sameSubnet(viewer, remote) ? 'direct' : 'tunnel'));
      }
      return out;
    },
  };
}

export function vxlanMode(cluster: Cluster, cni: CalicoCni): CalicoMode {
  const routes = routeCache((remote, variant) =>
    variant === 'direct'
      ? blockRoutes(remote, {
          table: RT_TABLE.main,
          type: 'unicast',
          gateway: remote.ip,
          dev: UNDERLAY,
          protocol: RTPROT.calicoFelix,
          scope: 'universe',
          onlink: true,
        })
      : remote.calico?.tunnelAddress === undefined
        ? []
        : blockRoutes(remote, {
            table: RT_TABLE.main,
            type: 'unicast',
            gateway: remote.calico.tunnelAddress,
            dev: VXLAN_DEVICE,
            protocol: RTPROT.boot,
            scope: 'universe',
            onlink: true,
          }),
  );
  const vteps = cluster.nodes.map((remote) =>
    remote.calico?.tunnelAddress === undefined
      ? undefined
      : {
          neighbour: { ip: remote.calico.tunnelAddress, dev: VXLAN_DEVICE, lladdr: remote.vtepMAC, state: 'PERMANENT' as const },
          fdb: { mac: remote.vtepMAC, dev: VXLAN_DEVICE, self: true, dst: remote.ip, permanent: true },
        },
  );
  return {
    setupDevice(node, model) {
      node.addLink({
        name: VXLAN_DEVICE,
        // configureVXLANDevice: VxlanId, Port, VtepDevIndex, SrcAddr; Learning false; no ageing sent.
        info: { kind: 'vxlan', id: VXLAN_VNI, local: model.ip, dev: UNDERLAY, dstport: VXLAN_PORT, learning: false, ageing: 300 },
        // LinkSetMTU after the device exists (the request has none).
        mtu: model.subnet.mtu - CALICO_OVERHEAD.vxlan,
        // HardwareAddr: the VTEP MAC.
        mac: model.vtepMAC,
        // txqueuelen: not in the request (NewLinkAttrs), vxlan_setup's 1000.
        operstate: 'UNKNOWN',
        multicast: ethernetMulticast(model.vtepMAC),
        origin: VXLAN_CALICO_ORIGIN,
      });
      if (model.calico?.tunnelAddress !== undefined) node.addAddress(VXLAN_DEVICE, model.calico.tunnelAddress, 32, { broadcast: false });
    },
    ownRoutes: (model) => blackholes(model, RTPROT.calicoFelix),
    peerEntries(viewer) {
      const out: PeerEntries = { routes: [], neighbours: [], fdb: [] };
      for (const remote of cluster.nodes) {
        if (remote === viewer) continue;
        const vtep = vteps[remote.index];
        if (vtep) {
          out.neighbours.push(vtep.neighbour);
          out.fdb.push(vtep.fdb);
        }
        out.routes.push(...routes(remote, cni.crossSubnet && sameSubnet(viewer, remote) ? 'direct' : 'tunnel'));
      }
      return out;
    },
  };
}
