/**
 * flannel: flanneld on every node plus the flannel CNI plugin delegating to
 * bridge + host-local. With networkPolicy: calico it is canal: calico's CNI
 * plugin sets the pods up (cali* veths, proxy ARP, host-local addresses
 * from the node's lease) and Felix enforces NetworkPolicy, while flannel's
 * backend still carries traffic between nodes.
 */
import type { NetnsBuilder } from '../../kernel/builder.js';
import type { Cluster, Node, Pod } from '../../model/types.js';
import type { FlannelCni } from '../../topology/types.js';
import { addPodToBridge } from '../bridge-plugin.js';
import { buildFelixPolicies, type FelixPolicies } from '../calico/felix-policy.js';
import { hookFelix, programFelix } from '../calico/felix-iptables.js';
import { addCalicoWorkload } from '../calico/workload.js';
import { policyContext, type PolicyContext } from '../../model/policy.js';
import { policySteps } from '../policy-trace.js';
import type { CniPlugin } from '../types.js';
import { ENCAP_OVERHEAD, hostGwBackend, udpBackend, vxlanBackend, type FlannelBackendImpl } from './backends.js';
import { programFlannelIptables } from './iptables.js';
import { subnetEnv } from './subnet-env.js';

export function flannelPlugin(cluster: Cluster, cni: FlannelCni): CniPlugin {
  const backend: FlannelBackendImpl =
    cni.backend === 'vxlan' ? vxlanBackend(cluster, cni) : cni.backend === 'host-gw' ? hostGwBackend(cluster) : udpBackend(cluster);
  const podMtu = (model: Node): number => model.subnet.mtu - ENCAP_OVERHEAD[cni.backend];
  const canal = cni.networkPolicy === 'calico';
  const felix: FelixPolicies | undefined = canal ? buildFelixPolicies(cluster) : undefined;
  // flannel alone enforces nothing; the trace still says what calico would have decided.
  let unenforced: PolicyContext | undefined;

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
      // canal's Felix: no IPIP/VXLAN of its own (flannel encapsulates), no calico pool to NAT.
      if (felix)
        programFelix(
          node,
          { ipip: false, vxlan: false, natOutgoing: false },
          model.pods.filter((p) => !p.hostNetwork),
          felix,
        );
      node.writeFile('/run/flannel/subnet.env', subnetEnv(cluster.podCIDR, model.podCIDR, podMtu(model), true));
    },
    finishNode(node) {
      if (felix) hookFelix(node);
    },
    setupPod(node: NetnsBuilder, pod: NetnsBuilder, model: Pod) {
      if (canal) addCalicoWorkload(node, pod, model, podMtu(model.node));
      else addPodToBridge(node, pod, model, { mtu: podMtu(model.node), range: model.node.podCIDR, routes: [cluster.podCIDR] });
    },
    policySteps: (ns, hook, packet) =>
      felix
        ? policySteps(cluster, felix.ctx, 'calico', ns, hook, packet)
        : policySteps(cluster, (unenforced ??= policyContext(cluster)), 'none', ns, hook, packet),
  };
}
