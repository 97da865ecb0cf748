/** flannel: flanneld on every node plus the flannel CNI plugin delegating to bridge + host-local. */
import type { NetnsBuilder } from '../../kernel/builder.js';
import type { Cluster, Node, Pod } from '../../model/types.js';
import type { FlannelCni } from '../../topology/types.js';
import { addPodToBridge } from '../bridge-plugin.js';
import type { CniPlugin } from '../types.js';
import { ENCAP_OVERHEAD, hostGwBackend, udpBackend, vxlanBackend, type FlannelBackendImpl } from './backends.js';
import { programFlannelIptables } from './iptables.js';
import { subnetEnv } from './subnet-env.js';

export function flannelPlugin(cluster: Cluster, cni: FlannelCni): CniPlugin {
  const backend: FlannelBackendImpl =
    cni.backend === 'vxlan' ? vxlanBackend(cluster, cni) : cni.backend === 'host-gw' ? hostGwBackend(cluster) : udpBackend(cluster);
  const podMtu = (model: Node): number => model.subnet.mtu - ENCAP_OVERHEAD[cni.backend];

  return {
    warnings: backend.warnings,
    podMtu,
    setupNode(node: NetnsBuilder, model: Node) {
      backend.setupDevice(node, model);
      // Per peer, in flannel's order: ARP entry, FDB entry, then the route.
      const peers = backend.peerEntries(model);
      node.addSharedNeighbours(peers.neighbours);
      node.addSharedFdb(peers.fdb);
      node.addSharedRoutes(peers.routes);
      node.setSysctl('net.ipv4.ip_forward', '1');
      node.setSysctl('net.bridge.bridge-nf-call-iptables', '1');
      programFlannelIptables(node, cluster.podCIDR, model.podCIDR);
      node.writeFile('/run/flannel/subnet.env', subnetEnv(cluster.podCIDR, model.podCIDR, podMtu(model), true));
    },
    setupPod(node: NetnsBuilder, pod: NetnsBuilder, model: Pod) {
      addPodToBridge(node, pod, model, { mtu: podMtu(model.node), range: model.node.podCIDR, routes: [cluster.podCIDR] });
    },
  };
}
