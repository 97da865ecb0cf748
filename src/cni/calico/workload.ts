/**
 * calico's CNI plugin, CNI ADD for one pod (cni-plugin
 * pkg/dataplane/linux/dataplane_linux.go), step by step as it talks to the
 * kernel:
 *
 * 1. In the pod's netns one request creates the veth pair: eth0 there, and
 *    its peer, the host end cali<hash>, straight in the node's netns
 *    (PeerNamespace, IFLA_NET_NS_FD; since v3.27, which stopped moving the
 *    host end out afterwards). Each end takes the next index of its own
 *    netns: eth0 is 2 (3 after an ipip module's tunl0), and the host side
 *    prints `caliX@if2`. (Up to v3.26 the host end was made in the pod's
 *    netns and moved, which left eth0 at 3 and `caliX@if3`.)
 * 2. The host end gets the fixed MAC ee:ee:ee:ee:ee:ee, its sysctls
 *    (proxy_arp=1, neigh proxy_delay=0, forwarding=1, route_localnet=1;
 *    accept_ra=0) and is set up; then eth0 is set up.
 * 3. In the pod: `169.254.1.1 dev eth0 scope link`, `default via 169.254.1.1
 *    dev eth0`, then the address as a /32 (no broadcast). Nothing owns
 *    169.254.1.1: the host end answers ARP for it by proxy ARP.
 * 4. On the node, the route `<pod IP> dev caliX scope link`. No bridge, no
 *    IPv4 address on the host end.
 *
 * Both ends carry what the plugin's netlink request carries (v3.30, with
 * vishvananda/netlink 62fb240): one TX and one RX queue each (the plugin's
 * num_queues, 1 unless configured) and no queue length (the kernel's 1000).
 */
import type { NetnsBuilder } from '../../kernel/builder.js';
import { ethernetMulticast } from '../../kernel/devices.js';
import type { LinkOrigin } from '../../kernel/link.js';
import { RT_TABLE, RTPROT } from '../../kernel/route.js';
import { podNetnsName } from '../../model/names.js';
import type { Pod } from '../../model/types.js';

/** The address nothing has: the pod's gateway, answered by proxy ARP. */
export const CALICO_GATEWAY = 0xa9fe0101; // 169.254.1.1

/** The queues calico's plugin asks for on both ends: NumQueues, 1 when the CNI config sets none (plugin.go). */
export const CALICO_VETH_QUEUES = 1;

const PLUGIN =
  "calico's CNI plugin: cni-plugin/pkg/dataplane/linux/dataplane_linux.go DoWorkloadNetnsSetUp, in the pod's netns (v3.30, vishvananda/netlink 62fb240)";

const QUEUES: readonly [string, string] = [
  `numtxqueues ${CALICO_VETH_QUEUES}, numrxqueues ${CALICO_VETH_QUEUES}`,
  'LinkAttrs.NumTxQueues/NumRxQueues = num_queues (cni-plugin/pkg/plugin/plugin.go: 1 when unset); netlink sends them for the peer too',
];

/** The pod's eth0: the device of the LinkAdd request, made in the pod's netns. */
export const CALICO_POD_VETH_ORIGIN: LinkOrigin = {
  creator: PLUGIN,
  attributes: [
    ['name eth0', 'CNI_IFNAME from the runtime'],
    ['mtu', "the CNI config's mtu (Felix's auto-detected MTU: the host's, less the encapsulation)"],
    ['txqueuelen: not sent', 'netlink.NewLinkAttrs() leaves TxQLen -1: veth_setup gives 1000'],
    QUEUES,
    ['address: not sent', 'random, unless the pod asks for one (cni.projectcalico.org/hwAddr)'],
  ],
};

/** The host end cali<hash>: the peer of that request, placed in the node's netns. */
export const CALICO_HOST_VETH_ORIGIN: LinkOrigin = {
  creator: PLUGIN,
  attributes: [
    ['name cali<11 hex>', 'VethNameForWorkload: sha1 of <namespace>.<pod>'],
    ["netns: the node's", 'PeerNamespace: IFLA_NET_NS_FD of the host netns, in the same request (v3.27 and later)'],
    ['mtu', 'copied to the peer by vishvananda/netlink'],
    [
      'txqueuelen: not sent',
      "the peer follows LinkAttrs.TxQLen -1 in this netlink version: 1000 (v3.31+, with netlink v1.3.1, send the literal's PeerTxQLen 0)",
    ],
    QUEUES,
    ['address ee:ee:ee:ee:ee:ee', 'LinkSetHardwareAddr right after LinkAdd'],
    ['proxy_arp 1, neigh proxy_delay 0, forwarding 1, route_localnet 1, accept_ra 0, rp_filter 1', 'configureSysctls (rp_filter: Felix)'],
  ],
};

export function addCalicoWorkload(node: NetnsBuilder, podNs: NetnsBuilder, pod: Pod, mtu: number): void {
  const hostVeth = pod.hostVeth!;
  // One request makes both ends, each in its own netns (the peer straight in the node's): each takes its netns's next index.
  const hostEnd = node.peekIfindex();
  const podEnd = podNs.peekIfindex();
  podNs.addLink({
    name: 'eth0',
    info: { kind: 'veth', peer: { netns: node.id, ifindex: hostEnd, name: hostVeth.name, linkNetns: { nsid: 0 } } },
    // IFLA_MTU from the config.
    mtu,
    mac: pod.mac!,
    multicast: ethernetMulticast(pod.mac!),
    // IFLA_NUM_TX_QUEUES / IFLA_NUM_RX_QUEUES: num_queues (1). No IFLA_TXQLEN: veth_setup's 1000.
    numTxQueues: CALICO_VETH_QUEUES,
    numRxQueues: CALICO_VETH_QUEUES,
    origin: CALICO_POD_VETH_ORIGIN,
  });
  podNs.addAddress('eth0', pod.ip, 32, { broadcast: false });
  const gateway = { addr: CALICO_GATEWAY, len: 32 };
  podNs.addRoute({ table: RT_TABLE.main, type: 'unicast', dst: gateway, dev: 'eth0', protocol: RTPROT.boot, scope: 'link' });
  podNs.addRoute({
    table: RT_TABLE.main,
    type: 'unicast',
    dst: { addr: 0, len: 0 },
    gateway: CALICO_GATEWAY,
    dev: 'eth0',
    protocol: RTPROT.boot,
    scope: 'universe',
  });

  node.addLink({
    name: hostVeth.name,
    info: {
      kind: 'veth',
      peer: { netns: podNs.id, ifindex: podEnd, name: 'eth0', linkNetns: { name: podNetnsName(pod.namespace, pod.name) } },
    },
    // The peer gets the device's MTU and queue counts (vishvananda/netlink); no IFLA_TXQLEN: 1000.
    mtu,
    // ee:ee:ee:ee:ee:ee, set by LinkSetHardwareAddr after the pair exists.
    mac: hostVeth.mac,
    multicast: ethernetMulticast(hostVeth.mac),
    numTxQueues: CALICO_VETH_QUEUES,
    numRxQueues: CALICO_VETH_QUEUES,
    origin: CALICO_HOST_VETH_ORIGIN,
  });
  for (const [key, value] of [
    ['route_localnet', '1'],
    ['proxy_arp', '1'],
    ['forwarding', '1'],
  ] as const) {
    node.setSysctl(`net.ipv4.conf.${hostVeth.name}.${key}`, value);
  }
  // Answer proxy ARP at once, not after the default random delay (a neigh parameter, not a conf one).
  node.setSysctl(`net.ipv4.neigh.${hostVeth.name}.proxy_delay`, '0');
  node.setSysctl(`net.ipv6.conf.${hostVeth.name}.accept_ra`, '0');
  // Felix checks the source of packets from a workload (strict reverse path filtering).
  node.setSysctl(`net.ipv4.conf.${hostVeth.name}.rp_filter`, '1');
  node.addRoute({
    table: RT_TABLE.main,
    type: 'unicast',
    dst: { addr: pod.ip, len: 32 },
    dev: hostVeth.name,
    protocol: RTPROT.boot,
    scope: 'link',
  });
}
