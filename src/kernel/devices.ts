/**
 * Kernel defaults per device kind, as this machine's profile shows them
 * (kernel 6.x, 2 CPUs, default_qdisc pfifo_fast): the values `ip -d link`
 * prints that no CNI sets explicitly.
 */
import { solicitedNodeMulticastMac, type Mac } from '../net/mac.js';
import type { NewLink } from './builder.js';
import type { BridgeInfo } from './link.js';

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
export const BRIDGE_DEFAULTS: BridgeInfo = { kind: 'bridge', stpState: 0, priority: 32768, vlanFiltering: false, forwardDelay: 1500, helloTime: 200, maxAge: 2000, ageingTime: 30000 };

/** veth queues default to the number of possible CPUs. */
export const VETH_QUEUES = 2;

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
