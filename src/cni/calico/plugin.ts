/**
 * calico: calico-node on every node (BIRD and Felix) plus calico's CNI
 * plugin with calico IPAM. The cluster-wide parts (routes per remote block,
 * VTEP entries, policy chains and ipsets) are built once here and shared by
 * every node that is built.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { NetnsBuilder } from '../../kernel/builder.js';
import type { IpSet } from '../../kernel/ipset.js';
import type { LinkOrigin } from '../../kernel/link.js';
import type { Cluster, Node, Pod } from '../../model/types.js';
import type { CalicoCni } from '../../topology/types.js';
import { policySteps } from '../policy-trace.js';
import type { CniPlugin } from '../types.js';
import { calicoWarnings } from './warnings.js';
import { buildFelixPolicies } from './felix-policy.js';
import { hookFelix, IPSET, programFelix, type FelixConfig } from './felix-iptables.js';
import { bgpMode, CALICO_OVERHEAD, ipipMode, TUNL0, VXLAN_DEVICE, vxlanMode, type CalicoMode } from './modes.js';
import { addCalicoWorkload } from './workload.js';

/** A pod's tunl0: the ipip module's fallback device, which every new netns gets; nobody configures it. */
const POD_TUNL0_ORIGIN: LinkOrigin = {
  creator: "the ipip module's fallback device (ipip_init_net), made with every new netns once the module is loaded",
  attributes: [
    ['mtu 1480', 'ip_tunnel_bind_dev without a lower device: 1500 less the IPv4 header'],
    ['down, qdisc noop, txqueuelen 1000', 'nobody brings it up; ipip_tunnel_setup sets no queue length (alloc_netdev_mqs: 1000)'],
  ],
};

export function calicoPlugin(cluster: Cluster, cni: CalicoCni): CniPlugin {
  const mode: CalicoMode = cni.mode === 'bgp' ? bgpMode(cluster) : cni.mode === 'ipip' ? ipipMode(cluster, cni) : vxlanMode(cluster, cni);
  const policies = buildFelixPolicies(cluster);
  const felix: FelixConfig = {
    ipip: cni.mode === 'ipip',
    vxlan: cni.mode === 'vxlan',
    ...(cni.mode === 'ipip' ? { tunnelDevice: TUNL0 } : cni.mode === 'vxlan' ? { tunnelDevice: VXLAN_DEVICE } : {}),
    natOutgoing: true,
  };
  const ipsets = poolIpsets(cluster, felix);
  const podMtu = (model: Node): number => model.subnet.mtu - CALICO_OVERHEAD[cni.mode];
  const warnings: Diagnostic[] = calicoWarnings(cluster, cni);

  return {
    warnings,
    podMtu,
    setupNode(node: NetnsBuilder, model: Node) {
      mode.setupDevice(node, model);
      for (const route of mode.ownRoutes(model)) node.addRoute(route);
      const peers = mode.peerEntries(model);
      node.addSharedNeighbours(peers.neighbours);
      node.addSharedFdb(peers.fdb);
      node.addSharedRoutes(peers.routes);
      node.setSysctl('net.ipv4.ip_forward', '1');
      programFelix(
        node,
        felix,
        model.pods.filter((p) => !p.hostNetwork),
        policies,
      );
      for (const set of ipsets) node.addIpset(set);
    },
    finishNode: (node) => hookFelix(node),
    setupPod(node: NetnsBuilder, pod: NetnsBuilder, model: Pod) {
      // With the ipip module loaded, every new netns gets its own fallback tunl0 (down, MTU 1480) right after lo.
      if (cni.mode === 'ipip')
        pod.addLink({
          name: TUNL0,
          info: { kind: 'ipip' },
          mtu: 1480,
          up: false,
          operstate: 'DOWN',
          qdisc: 'noop',
          ipv6LinkLocal: false,
          origin: POD_TUNL0_ORIGIN,
        });
      addCalicoWorkload(node, pod, model, podMtu(model.node));
    },
    policySteps: (ns, hook, packet) => policySteps(cluster, policies.ctx, 'calico', ns, hook, packet),
  };
}

/** The sets Felix's static rules match: the pool, the pools to masquerade, the other hosts. */
function poolIpsets(cluster: Cluster, felix: FelixConfig): IpSet[] {
  const pool = [{ kind: 'net' as const, cidr: cluster.podCIDR }];
  const hosts = cluster.nodes.map((n) => ({ kind: 'net' as const, cidr: { addr: n.ip, len: 32 } }));
  const sets: IpSet[] = [
    { name: IPSET.allPools, type: 'hash:net', members: pool },
    { name: IPSET.masqPools, type: 'hash:net', members: felix.natOutgoing ? pool : [] },
  ];
  if (felix.ipip) sets.push({ name: IPSET.allHosts, type: 'hash:net', members: hosts });
  if (felix.vxlan) sets.push({ name: IPSET.allVxlan, type: 'hash:net', members: hosts });
  return sets;
}
