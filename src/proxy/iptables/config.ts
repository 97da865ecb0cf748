/**
 * The kube-proxy settings and host facts that change the iptables rules it
 * writes. The defaults are a kubeadm node's: masquerade bit 14 (mark
 * 0x4000), --cluster-cidr the pod network, localhost node ports on,
 * --nodeport-addresses unset (every local address), and a host whose
 * iptables supports --random-fully and whose kernel has nfacct (kube-proxy
 * then counts dropped INVALID packets and localhost node port connections).
 * upstream's unit tests use a fake host without --random-fully; the golden
 * tests set that here.
 */
import { parseCidr, type Cidr } from '../../net/cidr.js';
import type { Cluster } from '../../model/types.js';

export interface KubeProxyIptablesConfig {
  /** 1 << masqueradeBit; kube-proxy prints it with %#08x (0x004000), iptables reads it back as 0x4000. */
  readonly masqueradeMark: number;
  readonly masqueradeAll: boolean;
  /** The "local traffic" detector (detect-local-mode ClusterCIDR); absent: not implemented, no masquerade rule. */
  readonly clusterCIDR?: Cidr;
  /** --iptables-localhost-nodeports (IPv4): node ports on 127.0.0.1, and the KUBE-FIREWALL martian rule. */
  readonly localhostNodePorts: boolean;
  /** --nodeport-addresses as prefixes; absent: every local address (-m addrtype --dst-type LOCAL). */
  readonly nodePortAddresses?: readonly Cidr[];
  /** nf_conntrack_tcp_be_liberal set: no DROP of INVALID packets in KUBE-FORWARD. */
  readonly conntrackTCPLiberal: boolean;
  /** The iptables binary supports MASQUERADE --random-fully (iptables >= 1.6.2). */
  readonly randomFully: boolean;
  /** The kernel has nfacct (nfnetlink_acct), so kube-proxy's counters exist and its rules use them. */
  readonly nfacct: boolean;
}

/** kube-proxy's nfacct counter names (pkg/proxy/metrics). */
export const NFACCT_CT_INVALID = 'ct_state_invalid_dropped_pkts';
export const NFACCT_LOCALHOST_NODEPORTS = 'localhost_nps_accepted_pkts';

export function kubeProxyConfig(cluster: Cluster): KubeProxyIptablesConfig {
  const spec = cluster.topology.network.kubeProxy;
  const clusterCIDR = parseCidr(spec.clusterCIDR);
  return {
    masqueradeMark: 0x4000,
    masqueradeAll: spec.masqueradeAll,
    ...(clusterCIDR !== undefined ? { clusterCIDR } : {}),
    localhostNodePorts: true,
    conntrackTCPLiberal: false,
    randomFully: true,
    nfacct: true,
  };
}
