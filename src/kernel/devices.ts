/**
 * Kernel defaults per device kind, as this machine's profile shows them
 * (kernel 6.x, 2 CPUs, default_qdisc pfifo_fast): the values `ip -d link`
 * prints that no CNI sets explicitly. What a creator's request does carry
 * is said where the device is made (the CNI and runtime builders, each
 * with a LinkOrigin).
 */
import { solicitedNodeMulticastMac, type Mac } from '../net/mac.js';
import type { BridgeInfo, LinkKind, NewLink } from './link.js';

const IPV6_ALL_NODES = '33:33:00:00:00:01';
const IPV4_ALL_HOSTS = '01:00:5e:00:00:01';
/** Multicast router discovery groups (224.0.0.106, ff02::6a) a bridge joins. */
const IPV4_MRD = '01:00:5e:00:00:6a';
const IPV6_MRD = '33:33:00:00:00:6a';

/**
 * The link-layer multicast list of an up Ethernet-like device with IPv6:
 * IPv6 all-nodes (joined at registration), IPv4 all-hosts (joined when the
 * device comes up), then the solicited-node group of its link-local address.
 */
export function ethernetMulticast(mac: Mac): Mac[] {
  return [IPV6_ALL_NODES, IPV4_ALL_HOSTS, solicitedNodeMulticastMac(mac)];
}

export function bridgeMulticast(mac: Mac): Mac[] {
  return [IPV6_ALL_NODES, IPV4_MRD, IPV6_MRD, IPV4_ALL_HOSTS, solicitedNodeMulticastMac(mac)];
}

/**
 * What `ip link add NAME type bridge` gives without options (STP off,
 * forward delay 15 s, hello 2 s, max age 20 s, ageing 300 s, in centiseconds
 * as `ip -d link` prints them): the CNI bridge plugin and dockerd set none.
 */
export const BRIDGE_DEFAULTS: BridgeInfo = {
  kind: 'bridge',
  stpState: 0,
  priority: 32768,
  vlanFiltering: false,
  forwardDelay: 1500,
  helloTime: 200,
  maxAge: 2000,
  ageingTime: 30000,
};

/** veth queues default to the number of possible CPUs. */
export const VETH_QUEUES = 2;

/**
 * tx_queue_len of a new device whose creation request carries no
 * IFLA_TXQLEN: what the kind's setup function leaves, as checked here
 * with requests that carry only a name (test/golden/probes/netlink-attributes.txt).
 * ether_setup sets DEFAULT_TX_QUEUE_LEN (1000) and veth_setup,
 * br_dev_setup, vxlan_setup and dummy_setup call it; tun_setup sets
 * TUN_READQ_SIZE (500); lo and ipip's setups leave 0, which
 * alloc_netdev_mqs turns into 1000. A request that carries IFLA_TXQLEN sets
 * it, 0 included (rtnl_create_link): vishvananda/netlink sends the
 * attribute whenever LinkAttrs.TxQLen >= 0, and a LinkAttrs literal leaves
 * it 0 (only netlink.NewLinkAttrs() sets -1, "not sent").
 * The queueing discipline does not follow: devices whose setup marks them
 * IFF_NO_QUEUE (all of these but the TUN) get noqueue when they come up,
 * whatever their tx_queue_len; a TUN gets the default qdisc.
 */
export const KERNEL_TXQUEUELEN: Readonly<Record<LinkKind, number>> = {
  loopback: 1000,
  ether: 1000,
  veth: 1000,
  bridge: 1000,
  vxlan: 1000,
  tun: 500,
  ipip: 1000,
  dummy: 1000,
};

/**
 * TX/RX queues of a new device whose request carries no
 * IFLA_NUM_TX_QUEUES / IFLA_NUM_RX_QUEUES: one per possible CPU for a veth
 * (veth's get_num_tx_queues; veth_init_queues keeps one of them real), one
 * for the rest. A request that carries them gets that many, all real.
 */
export function kernelQueues(kind: LinkKind): number {
  return kind === 'veth' ? VETH_QUEUES : 1;
}

export function loopback(): NewLink {
  return {
    name: 'lo',
    info: { kind: 'loopback' },
    mtu: 65536,
    mac: '00:00:00:00:00:00',
    operstate: 'UNKNOWN',
    ipv6LinkLocal: false,
    tsoMaxSize: 524280,
  };
}

/** A node's underlay NIC: a virtio_net device like this machine's own eth0. */
export function physicalNic(name: string, mac: Mac, mtu: number): NewLink {
  return { name, info: { kind: 'ether' }, mtu, mac, qdisc: 'pfifo_fast', multicast: ethernetMulticast(mac), tsoMaxSize: 65536 };
}
