/**
 * Names and MACs a real cluster picks at random, picked here from stable
 * hashes so the same topology always gives the same bytes. The shapes are
 * the real ones: `veth` + 8 hex (containernetworking/plugins), `cni-<uuid>`
 * netns names (containerd), locally administered unicast MACs.
 */
import { sha1Hex, stableHex } from '../net/digest.js';
import { stableMac, type Mac } from '../net/mac.js';

export function hostVethName(namespace: string, pod: string): string {
  return `veth${stableHex(`veth/${namespace}/${pod}`, 8)}`;
}

/** The pod's network namespace name as containerd creates it under /var/run/netns. */
export function podNetnsName(namespace: string, pod: string): string {
  const h = stableHex(`netns/${namespace}/${pod}`, 32);
  return `cni-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export const macs = {
  nodeNic: (node: string): Mac => stableMac(`node/${node}/eth0`),
  nodeBridge: (node: string): Mac => stableMac(`node/${node}/cni0`),
  nodeVtep: (node: string): Mac => stableMac(`node/${node}/vtep`),
  podEth0: (namespace: string, pod: string): Mac => stableMac(`pod/${namespace}/${pod}/eth0`),
  podHostVeth: (namespace: string, pod: string): Mac => stableMac(`pod/${namespace}/${pod}/veth`),
};

/**
 * Calico's host-side veth name (libcalico-go VethNameForWorkload): `cali` +
 * the first 11 hex digits of sha1("<namespace>.<pod>"), 15 characters
 * (IFNAMSIZ - 1). default.pod-a gives cali5e1c4d6c68c.
 */
export function calicoVethName(namespace: string, pod: string): string {
  return `cali${sha1Hex(`${namespace}.${pod}`).slice(0, 11)}`;
}

/** The MAC calico's CNI plugin gives every host-side veth (dataplane_linux.go hostSideMAC). */
export const CALICO_HOST_VETH_MAC: Mac = 'ee:ee:ee:ee:ee:ee';

/**
 * Felix's VXLAN tunnel MAC when the node has no projectcalico.org/VXLANTunnelMACAddr
 * annotation (vtepMACForHost): 0x66 ('f') then the first 5 bytes of sha1(nodename).
 * node-1 gives 66:b3:68:28:39:8e.
 */
export function calicoVtepMac(node: string): Mac {
  const h = sha1Hex(node);
  return ['66', h.slice(0, 2), h.slice(2, 4), h.slice(4, 6), h.slice(6, 8), h.slice(8, 10)].join(':');
}
