/**
 * flannel's backends: what each programs on a node at start-up, its MTU, and
 * which routes it gives a node towards every other node.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { NetnsBuilder } from '../../kernel/builder.js';
import { ethernetMulticast } from '../../kernel/devices.js';
import type { LinkOrigin } from '../../kernel/link.js';
import { RT_TABLE, RTPROT, type Route } from '../../kernel/route.js';
import { contains } from '../../net/cidr.js';
import { stableHex } from '../../net/digest.js';
import type { Cluster, Node } from '../../model/types.js';
import type { FlannelCni } from '../../topology/types.js';
import { directRoute, vxlanPeer, type VxlanPeer } from './overlay.js';
import type { PeerEntries } from '../types.js';

export const UNDERLAY_DEV = 'eth0';

/** Bytes each backend's encapsulation adds (vxlan: 14 + 8 + 8 + 20; udp: IP 20 + UDP 8). */
export const ENCAP_OVERHEAD = { vxlan: 50, 'host-gw': 0, udp: 28 } as const;

export interface FlannelBackendImpl {
  /** Creates the backend's device on a node (before any pod exists). */
  setupDevice(node: NetnsBuilder, model: Node): void;
  /** Routes (and ARP/FDB entries) a node gets for every other node. */
  peerEntries(viewer: Node): PeerEntries;
  readonly warnings: readonly Diagnostic[];
}

/** flannel's ip.DirectRouting: the peer is on a subnet the node is directly connected to. */
export function onLink(viewer: Node, remote: Node): boolean {
  return contains(viewer.subnet.cidr, remote.ip);
}

export function vxlanDeviceName(cni: FlannelCni): string {
  return `flannel.${cni.vni}`;
}

const FLANNEL = 'flannel v0.28, vishvananda/netlink v1.3.1';

/** flannel.N, as newVXLANDevice asks netlink for it. */
export function vxlanOrigin(cni: FlannelCni): LinkOrigin {
  return {
    creator: `flanneld: pkg/backend/vxlan/device.go newVXLANDevice, from vxlan.go createVXLANDevice (${FLANNEL})`,
    attributes: [
      [`name flannel.${cni.vni}`, 'createVXLANDevice: "flannel.%d" of the VNI'],
      ['mtu', "the backend's MTU (the external interface's by default) minus 50"],
      ['txqueuelen 0', 'the netlink.LinkAttrs literal leaves TxQLen 0, which netlink sends as IFLA_TXQLEN 0'],
      ['address', 'the VTEP MAC stored in the node annotation, else a new random one (mac.NewHardwareAddr)'],
      [`id ${cni.vni}`, 'VxlanId: the VNI of net-conf.json (default 1)'],
      ['local, dev', 'SrcAddr and VtepDevIndex: the external interface (eth0) and its address'],
      [
        `dstport ${cni.port}`,
        cni.port === 8472
          ? 'Port 0: no IFLA_VXLAN_PORT is sent and the kernel uses 8472 (the export names it, to keep iproute2 quiet)'
          : "Port: net-conf.json's port",
      ],
      ['nolearning', 'Learning false, sent as IFLA_VXLAN_LEARNING 0'],
      ['ttl auto, no gbp, udpcsum, ageing 300', 'TTL 0 and GBP false; no UDP_CSUM or AGEING sent: the kernel defaults'],
      [`net.ipv6.conf.flannel.${cni.vni}.accept_ra 0`, 'newVXLANDevice, after LinkAdd'],
    ],
  };
}

/** flannel0: a TUN opened by flanneld itself, configured over netlink. */
export const TUN_ORIGIN: LinkOrigin = {
  creator: `flanneld (udp): pkg/ip/tun.go OpenTun (TUNSETIFF), then pkg/backend/udp/udp_network_amd64.go configureIface (${FLANNEL})`,
  attributes: [
    ['tun, no_pi', 'OpenTun: IFF_TUN|IFF_NO_PI; flanneld keeps the file descriptor, so the device has carrier and is not persistent'],
    ['txqueuelen 500, qdisc pfifo_fast', "not set by flanneld: tun_setup's TUN_READQ_SIZE, and no IFF_NO_QUEUE, so the default qdisc"],
    ['mtu', 'configureIface: LinkSetMTU, the external MTU minus 28'],
    ['no MAC', 'a TUN is ARPHRD_NONE'],
  ],
};

export function vxlanBackend(cluster: Cluster, cni: FlannelCni): FlannelBackendImpl {
  const device = vxlanDeviceName(cni);
  const origin = vxlanOrigin(cni);
  const peers: VxlanPeer[] = cluster.nodes.map((n) => vxlanPeer(n, device));
  const direct: Route[] | undefined = cni.directRouting ? cluster.nodes.map((n) => directRoute(n, UNDERLAY_DEV)) : undefined;
  return {
    warnings: [],
    setupDevice(node, model) {
      const mtu = model.subnet.mtu - ENCAP_OVERHEAD.vxlan;
      node.addLink({
        name: device,
        // newVXLANDevice: VxlanId, SrcAddr, VtepDevIndex, Port (0: the kernel's 8472), Learning false; no ageing sent.
        info: { kind: 'vxlan', id: cni.vni, local: model.ip, dev: UNDERLAY_DEV, dstport: cni.port, learning: false, ageing: 300 },
        // newVXLANDevice: MTU = the backend's MTU - 50.
        mtu,
        // newVXLANDevice: HardwareAddr, the stored VTEP MAC or a new one.
        mac: model.vtepMAC,
        // newVXLANDevice's LinkAttrs literal leaves TxQLen 0: netlink sends IFLA_TXQLEN 0, the kernel keeps it.
        txqueuelen: 0,
        operstate: 'UNKNOWN',
        multicast: ethernetMulticast(model.vtepMAC),
        origin,
      });
      node.setSysctl(`net.ipv6.conf.${device}.accept_ra`, '0');
      // The lease's network address as a /32: no broadcast or connected route,
      // but a source address for node-to-pod traffic over the tunnel.
      node.addAddress(device, model.podCIDR.addr, 32, { broadcast: false });
    },
    peerEntries(viewer) {
      const entries: PeerEntries = { routes: [], neighbours: [], fdb: [] };
      for (const remote of cluster.nodes) {
        if (remote === viewer) continue;
        if (direct && onLink(viewer, remote)) {
          entries.routes.push(direct[remote.index]!);
          continue;
        }
        const peer = peers[remote.index]!;
        entries.neighbours.push(peer.neighbour);
        entries.fdb.push(peer.fdb);
        entries.routes.push(peer.route);
      }
      return entries;
    },
  };
}

export function hostGwBackend(cluster: Cluster): FlannelBackendImpl {
  const routes = cluster.nodes.map((n) => directRoute(n, UNDERLAY_DEV));
  return {
    warnings: hostGwL2Warnings(cluster),
    setupDevice() {
      // host-gw has no device: the node's own NIC carries pod traffic unencapsulated.
    },
    peerEntries(viewer) {
      // The kernel refuses a gateway that is not on-link ("Nexthop has invalid
      // gateway"); flanneld logs the error and goes on without the route.
      const list = cluster.nodes.filter((r) => r !== viewer && onLink(viewer, r)).map((r) => routes[r.index]!);
      return { routes: list, neighbours: [], fdb: [] };
    },
  };
}

export function udpBackend(cluster: Cluster): FlannelBackendImpl {
  return {
    warnings: [],
    setupDevice(node, model) {
      // flanneld opens a TUN device and relays packets to peers on UDP 8285 itself.
      const mtu = model.subnet.mtu - ENCAP_OVERHEAD.udp;
      node.addLink({
        name: 'flannel0',
        // OpenTun: TUNSETIFF with IFF_TUN|IFF_NO_PI, the fd held by flanneld (not persistent).
        info: { kind: 'tun', type: 'tun', pi: false, vnetHdr: false, persist: false },
        // configureIface: LinkSetMTU.
        mtu,
        operstate: 'UNKNOWN',
        // No IFF_NO_QUEUE on a TUN: the default qdisc when it comes up. Its tx_queue_len is tun_setup's 500.
        qdisc: 'pfifo_fast',
        // With no MAC to derive it from, the kernel gives a TUN a random
        // (stable-privacy) link-local once it has carrier; netlab's is a stable stand-in.
        ipv6LinkLocal: true,
        ipv6LinkLocalAddress: stableLinkLocal(`${model.name}/flannel0`),
        tsoMaxSize: 65536,
        origin: TUN_ORIGIN,
      });
      node.addAddress('flannel0', model.podCIDR.addr, 32, { broadcast: false });
      node.addRoute({
        table: RT_TABLE.main,
        type: 'unicast',
        dst: cluster.podCIDR,
        dev: 'flannel0',
        protocol: RTPROT.boot,
        scope: 'universe',
      });
    },
    peerEntries() {
      return { routes: [], neighbours: [], fdb: [] };
    },
  };
}

/**
 * host-gw needs every pair of nodes on one L2 segment. One warning per pair
 * of subnets (not per node pair, which would be millions at scale), naming
 * an example pair and the count.
 */
function hostGwL2Warnings(cluster: Cluster): Diagnostic[] {
  const bySubnet = new Map<string, Node[]>();
  for (const node of cluster.nodes) {
    let list = bySubnet.get(node.subnet.name);
    if (!list) bySubnet.set(node.subnet.name, (list = []));
    list.push(node);
  }
  const groups = [...bySubnet.values()];
  const warnings: Diagnostic[] = [];
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      const a = groups[i]!;
      const b = groups[j]!;
      const pairs = a.length * b.length;
      warnings.push({
        code: 'NL-HOSTGW-NOT-L2',
        severity: 'warning',
        message:
          `flannel host-gw needs nodes on one L2 segment, but ${a[0]!.name} (${a[0]!.subnet.name}) and ${b[0]!.name} (${b[0]!.subnet.name}) are not` +
          (pairs > 1 ? ` (nor the other ${pairs - 1} node pair${pairs > 2 ? 's' : ''} across these subnets)` : '') +
          ': the kernel refuses their routes ("Error: Nexthop has invalid gateway."), so their pods cannot reach each other',
        path: ['network', 'cni', 'backend'],
        hint: 'use backend vxlan with directRouting: true to route directly inside a subnet and tunnel across subnets',
      });
    }
  }
  return warnings;
}

/** fe80:: plus a 64-bit interface id from a stable hash, formatted as inet_ntop would. */
function stableLinkLocal(seed: string): string {
  const hex = stableHex(`ipv6-ll/${seed}`, 16);
  const words = [0, 4, 8, 12].map((i) => parseInt(hex.slice(i, i + 4), 16).toString(16));
  return `fe80::${words.join(':')}`;
}
