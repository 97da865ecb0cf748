/**
 * The CNI `bridge` plugin with `host-local` IPAM, as flannel's CNI plugin
 * delegates to it (kernel-facts §1): a cni0 bridge created on the first pod,
 * its gateway address added after the first veth joins, one veth pair per
 * pod with hairpin on, and in the pod the /24 address plus routes to the
 * cluster network and the default route via the gateway.
 */
import { BRIDGE_DEFAULTS, bridgeMulticast, ethernetMulticast, VETH_QUEUES } from '../kernel/devices.js';
import type { NetnsBuilder } from '../kernel/builder.js';
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

/** CNI ADD for one pod: `node` is the node's netns, `podNs` the pod's (with lo already created). */
export function addPodToBridge(node: NetnsBuilder, podNs: NetnsBuilder, pod: Pod, conf: BridgeConf): void {
  const hostVeth = pod.hostVeth!;
  const gateway = nth(conf.range, 1);
  const firstPod = !node.hasLink(BRIDGE_NAME);
  if (firstPod) {
    node.addLink({
      name: BRIDGE_NAME,
      info: BRIDGE_DEFAULTS,
      mtu: conf.mtu,
      mac: pod.node.bridgeMAC,
      multicast: bridgeMulticast(pod.node.bridgeMAC),
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
    mtu: conf.mtu,
    mac: hostVeth.mac,
    multicast: ethernetMulticast(hostVeth.mac),
    numTxQueues: VETH_QUEUES,
    numRxQueues: VETH_QUEUES,
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
    mtu: conf.mtu,
    mac: pod.mac!,
    multicast: ethernetMulticast(pod.mac!),
    numTxQueues: VETH_QUEUES,
    numRxQueues: VETH_QUEUES,
  });
  if (firstPod) node.addAddress(BRIDGE_NAME, gateway, conf.range.len);
  // The pod's first frames (IPv6 neighbour and multicast listener messages as
  // its eth0 comes up) teach the bridge its MAC: a learned, ageing entry.
  node.addFdb({ mac: pod.mac!, dev: hostVeth.name, master: BRIDGE_NAME, self: false, permanent: false });

  podNs.addAddress('eth0', pod.ip, conf.range.len);
  const viaGateway = { table: RT_TABLE.main, type: 'unicast' as const, gateway, dev: 'eth0', protocol: RTPROT.boot, scope: 'universe' as const };
  for (const dst of conf.routes) podNs.addRoute({ ...viaGateway, dst });
  podNs.addRoute({ ...viaGateway, dst: { addr: 0, len: 0 } });
  podNs.setSysctl('net.ipv4.conf.eth0.arp_notify', '1');
  podNs.setSysctl('net.ipv6.conf.eth0.accept_dad', '0');
}
