/**
 * Names and MACs a real cluster picks at random, picked here from stable
 * hashes so the same topology always gives the same bytes. The shapes are
 * the real ones: `veth` + 8 hex (containernetworking/plugins), `cni-<uuid>`
 * netns names (containerd), locally administered unicast MACs.
 */
import { stableHex } from '../net/hash.js';
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
