/**
 * The devices a node has besides its pods' host veths, by configuration, and
 * the check that a pinned host veth name (`hostVeth: {name: eth0}`) takes
 * none of them, nor another pod's host veth on the same node: the kernel
 * would refuse the second device of one name (RTNETLINK answers: File
 * exists), so the cluster does not build. Reported where the name is
 * written, when the cluster is built (so `netlab validate` reports it too).
 *
 * The list follows what src/cni, src/proxy and src/runtime create; a test
 * builds every configuration and compares.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { Code } from '../topology/codes.js';
import type { NodeSpec, Topology } from '../topology/types.js';
import type { Pod } from './types.js';

/** Device name -> what it is, in words. */
export function nodeDevices(topology: Topology, node: NodeSpec): ReadonlyMap<string, string> {
  const devices = new Map<string, string>([
    ['lo', 'the loopback device'],
    ['eth0', "the node's NIC"],
  ]);
  const cni = topology.network.cni;
  if (cni.plugin === 'flannel') {
    // canal: calico's CNI plugin wires the pods (cali veths, no bridge).
    if (cni.networkPolicy !== 'calico') devices.set('cni0', 'the CNI bridge');
    if (cni.backend === 'vxlan') devices.set(`flannel.${cni.vni}`, "flannel's VXLAN device");
    if (cni.backend === 'udp') devices.set('flannel0', "flanneld's TUN device");
  } else {
    if (cni.mode === 'ipip') devices.set('tunl0', "calico's IPIP tunnel device");
    if (cni.mode === 'vxlan') devices.set('vxlan.calico', "calico's VXLAN device");
  }
  if (topology.network.kubeProxy.mode === 'ipvs') devices.set('kube-ipvs0', "kube-proxy's IPVS dummy device");
  if (node.runtime === 'docker') devices.set('docker0', "dockerd's bridge");
  return devices;
}

/**
 * Pinned host veth names that clash on their node. Derived names are
 * computed only on nodes with a pinned one (hashing 150,000 pods' names up
 * front would cost seconds).
 */
export function hostVethClashes(
  topology: Topology,
  podsByNode: ReadonlyMap<string, readonly Pod[]>,
  nodeSpecs: ReadonlyMap<string, NodeSpec>,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const [nodeName, pods] of podsByNode) {
    const pinned = pods.filter((p) => !p.hostNetwork && p.spec.hostVeth?.name !== undefined);
    if (pinned.length === 0) continue;
    const devices = nodeDevices(topology, nodeSpecs.get(nodeName)!);
    const owners = new Map<string, Pod>();
    // Derived names first: a pinned name that takes another pod's derived one is the pinned pod's mistake.
    for (const pod of pods) if (!pod.hostNetwork && pod.spec.hostVeth?.name === undefined) owners.set(pod.hostVeth!.name, pod);
    for (const pod of pinned) {
      const name = pod.hostVeth!.name;
      const device = devices.get(name);
      const other = owners.get(name);
      const taken = device ?? (other !== undefined ? `the host veth of pod ${other.key}` : undefined);
      if (taken === undefined) {
        owners.set(name, pod);
        continue;
      }
      diagnostics.push({
        code: Code.HostVethName,
        severity: 'error',
        message: `pod ${pod.key}'s host veth cannot be named ${name} on node ${nodeName}: that is ${taken}`,
        path: [...pod.spec.source, 'hostVeth', 'name'],
        hint: `pick a name no device of node ${nodeName} has (its own: ${[...devices.keys()].join(', ')}), or leave the name out to have one derived`,
      });
    }
  }
  return diagnostics;
}
