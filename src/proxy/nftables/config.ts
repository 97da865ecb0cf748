/**
 * The kube-proxy settings that change what its nftables mode writes. The
 * defaults are a kubeadm node's: masquerade bit 14 (mark 0x4000),
 * --cluster-cidr the pod network (the "local traffic" detector), and
 * --nodeport-addresses unset, which nftables mode turns into `primary`
 * (the node's own IP only, unlike iptables mode's every local address:
 * pkg/proxy/nftables Backend.Init / cmd/kube-proxy platformApplyDefaults).
 * The service CIDRs are the cluster's ServiceCIDR objects (v1.33 watches
 * them: MultiCIDRServiceAllocator is GA); a cluster made by kubeadm has one,
 * its --service-cluster-ip-range.
 */
import { parseCidr, type Cidr } from '../../net/cidr.js';
import type { Cluster } from '../../model/types.js';

export interface KubeProxyNftablesConfig {
  /** 1 << masqueradeBit. */
  readonly masqueradeMark: number;
  readonly masqueradeAll: boolean;
  /** The "local traffic" detector (detect-local-mode ClusterCIDR); absent: not implemented. */
  readonly clusterCIDR?: Cidr;
  /**
   * --nodeport-addresses: `primary` (the node IP), or prefixes. A prefix
   * list containing 0.0.0.0/0 matches every address (MatchAll): no
   * nodeport-ips set, `fib daddr type local` instead.
   */
  readonly nodePortAddresses: 'primary' | readonly Cidr[];
  /** The ServiceCIDRs of the cluster: traffic to an unallocated address in them is dropped. */
  readonly serviceCIDRs: readonly Cidr[];
}

export function kubeProxyNftablesConfig(cluster: Cluster): KubeProxyNftablesConfig {
  const network = cluster.topology.network;
  const clusterCIDR = parseCidr(network.kubeProxy.clusterCIDR);
  const serviceCIDR = parseCidr(network.serviceCIDR);
  return {
    masqueradeMark: 0x4000,
    masqueradeAll: network.kubeProxy.masqueradeAll,
    ...(clusterCIDR !== undefined ? { clusterCIDR } : {}),
    nodePortAddresses: 'primary',
    serviceCIDRs: serviceCIDR !== undefined ? [serviceCIDR] : [],
  };
}

/** NodePortAddresses.MatchAll(): node ports on every local address. */
export function nodePortsOnAllAddresses(config: KubeProxyNftablesConfig): boolean {
  return config.nodePortAddresses !== 'primary' && config.nodePortAddresses.some((c) => c.len === 0);
}
