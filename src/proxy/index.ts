/**
 * kube-proxy, one folder per mode. The node build calls programKubeProxy at
 * the point kube-proxy starts on a node (after the CNI daemon). The
 * kubelet's own iptables chains are programmed by programKubelet, before
 * the CNI daemon, as the kubelet starts first.
 */
import type { NetnsBuilder } from '../kernel/builder.js';
import type { Cluster, Node } from '../model/types.js';
import { programKubeletIptables } from './iptables/kubelet.js';
import { programKubeProxyIptables } from './iptables/program.js';
import { programKubeProxyIpvs } from './ipvs/program.js';
import { programKubeProxyUserspace } from './userspace/program.js';
import { programKubeProxyNftables } from './nftables/program.js';

export function programKubelet(ns: NetnsBuilder, cluster: Cluster): void {
  if (cluster.topology.network.kubelet.makeIPTablesUtilChains) programKubeletIptables(ns);
}

/** One program per mode; `none` leaves the node without kube-proxy. */
export function programKubeProxy(ns: NetnsBuilder, cluster: Cluster, node: Node): void {
  switch (cluster.topology.network.kubeProxy.mode) {
    case 'iptables':
      return programKubeProxyIptables(ns, cluster, node);
    case 'ipvs':
      return programKubeProxyIpvs(ns, cluster, node);
    case 'userspace':
      return programKubeProxyUserspace(ns, cluster, node);
    case 'nftables':
      return programKubeProxyNftables(ns, cluster, node);
    default:
      return;
  }
}
