/**
 * The CNI `bridge` plugin with `host-local` IPAM, as flannel's CNI plugin
 * delegates to it (kernel-facts §1): a cni0 bridge created on the first pod,
 * its gateway address added after the first veth joins, one veth pair per
 * pod with hairpin on, and in the pod the /24 address plus routes to the
 * cluster network and the default route via the gateway.
 *
 * The devices carry what the plugin's netlink requests carry, read in
 * containernetworking/plugins v1.9.1 with vishvananda/netlink v1.3.1 (see
 * each LinkOrigin below): only the host end of the veth pair gets a queue
 * length of its own, 0.
 */
import { BRIDGE_DEFAULTS, bridgeMulticast, ethernetMulticast } from '../kernel/devices.js';
import type { NetnsBuilder } from '../kernel/builder.js';
import type { LinkOrigin } from '../kernel/link.js';
import { RT_TABLE, RTPROT } from '../kernel/route.js';
import { nth, type Cidr } from '../net/cidr.js';
import type { Pod } from '../model/types.js';
import { podNetnsName } from '../model/names.js';

export const BRIDGE_NAME = 'cni0';

export interface BridgeConf {
  readonly mtu: number;
  /** The node's pod range (host-local's subnet). */
  readonly range: Cidr;
  /** Routes host-local returns besides the default (flannel: the cluster network). */
  readonly routes: readonly Cidr[];
}

const PLUGINS = 'containernetworking/plugins v1.9.1';

/** cni0, as ensureBridge makes it on the first ADD. */
export const BRIDGE_ORIGIN: LinkOrigin = {
  creator: `the CNI bridge plugin: plugins/main/bridge/bridge.go ensureBridge (${PLUGINS})`,
  attributes: [
    ['mtu', "the network config's mtu (flannel's CNI plugin passes FLANNEL_MTU from subnet.env)"],
    ['txqueuelen: not sent', 'netlink.NewLinkAttrs() leaves TxQLen -1: br_dev_setup gives 1000'],
    ['address: not sent', 'random at creation; ensureAddr then sets the bridge to that same MAC, so that ports joining do not change it'],
    ['bridge options: none', "no vlan_filtering (flannel asks for none), promiscMode off: the kernel's bridge defaults"],
    ['net.ipv6.conf.cni0.accept_ra 0', 'ensureBridge, before LinkSetUp'],
  ],
};

/** The pod end of the pair: the device of the LinkAdd request, made in the pod's netns. */
export const POD_VETH_ORIGIN: LinkOrigin = {
  creator: `the CNI bridge plugin: pkg/ip/link_linux.go makeVethPair, called by SetupVeth in the pod's netns (${PLUGINS}, vishvananda/netlink v1.3.1)`,
  attributes: [
    ['name eth0', 'CNI_IFNAME from the runtime'],
    ['mtu', "the network config's mtu"],
    ['txqueuelen: not sent', 'netlink.NewLinkAttrs() leaves TxQLen -1: veth_setup gives 1000'],
    ['numtxqueues, numrxqueues: not sent', 'one queue per possible CPU, one of them real (veth)'],
    ['address: not sent', 'random (netlab pins one)'],
    ['net.ipv6.conf.eth0.accept_dad 0, net.ipv4.conf.eth0.arp_notify 1', 'bridge.go cmdAdd, then up before its address'],
  ],
};

/** The host end: the peer of that request, placed straight in the node's netns. */
export const HOST_VETH_ORIGIN: LinkOrigin = {
  creator: `the CNI bridge plugin: pkg/ip/link_linux.go makeVethPair (the peer, IFLA_NET_NS_FD of the host netns) and SetupVethWithName (${PLUGINS}, vishvananda/netlink v1.3.1)`,
  attributes: [
    ['name veth<8 hex>', 'RandomVethName'],
    ['mtu', "the network config's mtu, copied to the peer by vishvananda/netlink"],
    [
      'txqueuelen 0',
      "the netlink.Veth literal leaves PeerTxQLen 0, which netlink v1.3.1 sends as the peer's IFLA_TXQLEN (plugins v1.6-v1.7, before PeerTxQLen existed: 1000; v1.5 and older: 0 on both ends)",
    ],
    ['numtxqueues, numrxqueues: not sent', 'one queue per possible CPU, one of them real (veth)'],
    ['address: not sent', 'random (netlab pins one)'],
    ['net.ipv6.conf.<veth>.accept_ra 0', 'SetupVethWithName, after LinkSetUp'],
    [
      'master cni0, hairpin on, isolated off',
      'bridge.go setupVeth: LinkSetMaster, LinkSetHairpin(hairpinMode), LinkSetIsolated(portIsolation)',
    ],
  ],
};

/** CNI ADD for one pod: `node` is the node's netns, `podNs` the pod's (with lo already created). */
export function addPodToBridge(node: NetnsBuilder, podNs: NetnsBuilder, pod: Pod, conf: BridgeConf): void {
  const hostVeth = pod.hostVeth!;
  const gateway = nth(conf.range, 1);
  const firstPod = !node.hasLink(BRIDGE_NAME);
  if (firstPod) {
    node.addLink({
      name: BRIDGE_NAME,
      // No IFLA_INFO_DATA options (ensureBridge: no vlan filtering asked): the kernel's bridge defaults.
      info: BRIDGE_DEFAULTS,
      // IFLA_MTU from the config (ensureBridge).
      mtu: conf.mtu,
      // Random at creation, then pinned to itself by ensureAddr; netlab's stand-in for that MAC.
      mac: pod.node.bridgeMAC,
      // txqueuelen: not in the request (NewLinkAttrs), br_dev_setup's 1000.
      multicast: bridgeMulticast(pod.node.bridgeMAC),
      origin: BRIDGE_ORIGIN,
    });
    node.setSysctl('net.ipv6.conf.cni0.accept_ra', '0');
  }
  const portNo = node.currentLinks().filter((l) => l.bridgePort?.bridge === BRIDGE_NAME).length + 1;

  // Both ends are created by one netlink request; each gets the next index of its own netns.
  const podEnd = podNs.peekIfindex();
  const hostEnd = node.peekIfindex();
  node.addLink({
    name: hostVeth.name,
    info: {
      kind: 'veth',
      peer: { netns: podNs.id, ifindex: podEnd, name: 'eth0', linkNetns: { name: podNetnsName(pod.namespace, pod.name) } },
    },
    // The device's MTU, copied to the peer by vishvananda/netlink (makeVethPair).
    mtu: conf.mtu,
    mac: hostVeth.mac,
    multicast: ethernetMulticast(hostVeth.mac),
    // The peer's IFLA_TXQLEN 0: makeVethPair's netlink.Veth literal leaves PeerTxQLen 0 (netlink v1.3.1).
    txqueuelen: 0,
    // Queue counts: not in the request, one per possible CPU (the builder's veth default).
    origin: HOST_VETH_ORIGIN,
  });
  // A bridge port is put in promiscuous and allmulti mode by the bridge.
  node.updateLink(hostVeth.name, (l) => ({
    ...l,
    promiscuity: 1,
    allmulti: 1,
    bridgePort: { bridge: BRIDGE_NAME, portNo, hairpin: true, learning: true, flood: true, priority: 32, cost: 2, state: 'forwarding' },
  }));
  node.setSysctl(`net.ipv6.conf.${hostVeth.name}.accept_ra`, '0');
  podNs.addLink({
    name: 'eth0',
    info: { kind: 'veth', peer: { netns: node.id, ifindex: hostEnd, name: hostVeth.name, linkNetns: { nsid: 0 } } },
    // IFLA_MTU from the config (makeVethPair).
    mtu: conf.mtu,
    mac: pod.mac!,
    multicast: ethernetMulticast(pod.mac!),
    // txqueuelen and queue counts: not in the request (NewLinkAttrs), the veth defaults (1000, one per CPU).
    origin: POD_VETH_ORIGIN,
  });
  if (firstPod) node.addAddress(BRIDGE_NAME, gateway, conf.range.len);
  // The pod's first frames (IPv6 neighbour and multicast listener messages as
  // its eth0 comes up) teach the bridge its MAC: a learned, ageing entry.
  node.addFdb({ mac: pod.mac!, dev: hostVeth.name, master: BRIDGE_NAME, self: false, permanent: false });

  podNs.addAddress('eth0', pod.ip, conf.range.len);
  const viaGateway = {
    table: RT_TABLE.main,
    type: 'unicast' as const,
    gateway,
    dev: 'eth0',
    protocol: RTPROT.boot,
    scope: 'universe' as const,
  };
  for (const dst of conf.routes) podNs.addRoute({ ...viaGateway, dst });
  podNs.addRoute({ ...viaGateway, dst: { addr: 0, len: 0 } });
  podNs.setSysctl('net.ipv4.conf.eth0.arp_notify', '1');
  podNs.setSysctl('net.ipv6.conf.eth0.accept_dad', '0');
}
