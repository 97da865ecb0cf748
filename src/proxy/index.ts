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

export function programKubelet(ns: NetnsBuilder, cluster: Cluster): void {
  if (cluster.topology.network.kubelet.makeIPTablesUtilChains) programKubeletIptables(ns);
}

/**
 * iptables mode is modelled; `none` leaves the node without kube-proxy. The
 * other modes (ipvs, nftables, userspace) program nothing here yet.
 */
export function programKubeProxy(ns: NetnsBuilder, cluster: Cluster, node: Node): void {
  if (cluster.topology.network.kubeProxy.mode === 'iptables') programKubeProxyIptables(ns, cluster, node);
}
