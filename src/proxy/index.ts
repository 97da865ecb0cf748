/**
 * kube-proxy, one folder per mode, each behind the KubeProxyMode interface
 * (./types.ts): the topology's mode is selected here, as cni/select.ts
 * selects the CNI plugin. The node build calls the mode's programNode at
 * the point kube-proxy starts on a node (after the CNI daemon). The
 * kubelet's own iptables chains are programmed by programKubelet, before
 * the CNI daemon, as the kubelet starts first.
 */
import type { NetnsBuilder } from '../kernel/builder.js';
import type { Cluster } from '../model/types.js';
import { programKubeletIptables } from './iptables/kubelet.js';
import { iptablesMode } from './iptables/mode.js';
import { ipvsMode } from './ipvs/mode.js';
import { nftablesMode } from './nftables/mode.js';
import type { KubeProxyMode } from './types.js';
import { userspaceMode } from './userspace/mode.js';

export function programKubelet(ns: NetnsBuilder, cluster: Cluster): void {
  if (cluster.topology.network.kubelet.makeIPTablesUtilChains) programKubeletIptables(ns);
}

/** The mode the topology asks for; `none` leaves the nodes without kube-proxy. */
export function kubeProxyMode(cluster: Cluster): KubeProxyMode {
  switch (cluster.topology.network.kubeProxy.mode) {
    case 'iptables':
      return iptablesMode(cluster);
    case 'ipvs':
      return ipvsMode(cluster);
    case 'nftables':
      return nftablesMode(cluster);
    case 'userspace':
      return userspaceMode(cluster);
    case 'none':
      return { name: 'none', programNode: () => {} };
  }
}
