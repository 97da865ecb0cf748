/**
 * calico's CNI plugin, CNI ADD for one pod (cni-plugin
 * pkg/dataplane/linux/dataplane_linux.go), step by step as it talks to the
 * kernel:
 *
 * 1. In the pod's netns it creates the veth pair: the kernel registers the
 *    peer (the future host end, cali<hash>) first, so it takes ifindex 2
 *    (3 when tunl0 exists) and eth0 the next one. Hence a calico pod's
 *    eth0 is not ifindex 2, and the host side prints `caliX@if3`.
 * 2. The host end gets the fixed MAC ee:ee:ee:ee:ee:ee.
 * 3. In the pod: eth0 up, the address as a /32 (no broadcast), then
 *    `169.254.1.1 dev eth0 scope link` and `default via 169.254.1.1 dev eth0`.
 *    Nothing owns 169.254.1.1: the host end answers ARP for it by proxy ARP.
 * 4. The host end moves to the node's netns (a new ifindex there), is set
 *    up, gets its sysctls (proxy_arp=1, neigh proxy_delay=0, forwarding=1,
 *    route_localnet=1; accept_ra=0) and the route `<pod IP> dev caliX scope link`.
 *    No bridge, no IPv4 address on the host end.
 */
import type { NetnsBuilder } from '../../kernel/builder.js';
import { ethernetMulticast, VETH_QUEUES } from '../../kernel/devices.js';
import { RT_TABLE, RTPROT } from '../../kernel/route.js';
import { podNetnsName } from '../../model/names.js';
import type { Pod } from '../../model/types.js';

/** The address nothing has: the pod's gateway, answered by proxy ARP. */
export const CALICO_GATEWAY = 0xa9fe0101; // 169.254.1.1

export function addCalicoWorkload(node: NetnsBuilder, podNs: NetnsBuilder, pod: Pod, mtu: number): void {
  const hostVeth = pod.hostVeth!;
  // The peer is registered first and leaves the pod's netns: its index there stays used.
  podNs.reserveIfindex();
  const hostEnd = node.peekIfindex();
  const podEnd = podNs.peekIfindex();
  podNs.addLink({
    name: 'eth0',
    info: { kind: 'veth', peer: { netns: node.id, ifindex: hostEnd, name: hostVeth.name, linkNetns: { nsid: 0 } } },
    mtu,
    mac: pod.mac!,
    multicast: ethernetMulticast(pod.mac!),
    numTxQueues: VETH_QUEUES,
    numRxQueues: VETH_QUEUES,
  });
  podNs.addAddress('eth0', pod.ip, 32, { broadcast: false });
  const gateway = { addr: CALICO_GATEWAY, len: 32 };
  podNs.addRoute({ table: RT_TABLE.main, type: 'unicast', dst: gateway, dev: 'eth0', protocol: RTPROT.boot, scope: 'link' });
  podNs.addRoute({ table: RT_TABLE.main, type: 'unicast', dst: { addr: 0, len: 0 }, gateway: CALICO_GATEWAY, dev: 'eth0', protocol: RTPROT.boot, scope: 'universe' });

  node.addLink({
    name: hostVeth.name,
    info: { kind: 'veth', peer: { netns: podNs.id, ifindex: podEnd, name: 'eth0', linkNetns: { name: podNetnsName(pod.namespace, pod.name) } } },
    mtu,
    mac: hostVeth.mac,
    multicast: ethernetMulticast(hostVeth.mac),
    numTxQueues: VETH_QUEUES,
    numRxQueues: VETH_QUEUES,
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
  node.addRoute({ table: RT_TABLE.main, type: 'unicast', dst: { addr: pod.ip, len: 32 }, dev: hostVeth.name, protocol: RTPROT.boot, scope: 'link' });
}
