/**
 * Cluster in, kernel state out. Nothing is built until asked for: a node's
 * netns (and its pods') is built the first time a command needs it, from
 * the cluster-wide parts the CNI prepared once. `show routes node-02` on a
 * 5,000-node cluster builds one node, not 5,000.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { NetnsBuilder } from '../kernel/builder.js';
import { loopback, physicalNic } from '../kernel/devices.js';
import type { NetNs } from '../kernel/netns.js';
import { RT_TABLE, RTPROT } from '../kernel/route.js';
import type { Cluster, Node, Pod } from '../model/types.js';
import { cniPlugin } from '../cni/select.js';
import type { CniPlugin } from '../cni/types.js';
import { setupDocker } from '../runtime/docker.js';
import { podResolvConf, renderResolvConf, usesClusterDns } from '../model/dns.js';
import { kubeProxyMode, programKubelet } from '../proxy/index.js';
import type { KubeProxyMode } from '../proxy/types.js';
import { buildExternalNetns } from './external.js';
import { buildUnderlay, type Underlay } from './underlay.js';

export interface Dataplane {
  readonly cluster: Cluster;
  readonly cni: CniPlugin;
  readonly kubeProxy: KubeProxyMode;
  /** Nodes whose NIC is off the underlay (powered off, eth0 down): nothing answers for them there. */
  readonly detachedNodes: ReadonlySet<string>;
  /** Problems the real components would run into (not input errors). */
  readonly warnings: readonly Diagnostic[];
  nodeNetns(node: Node): NetNs;
  /** A pod's netns; a hostNetwork pod shares its node's. */
  podNetns(pod: Pod): NetNs;
  /** The client outside the cluster (`external`), behind the underlay router. */
  externalNetns(): NetNs;
  /**
   * The network between the nodes, built on first use and shared by every walk session: it indexes
   * every node (4 ms at 5,000 nodes, a third of a trace and its answer), and a later detachment is
   * still seen, as it reads detachedNodes when asked.
   */
  underlay(): Underlay;
}

export interface DataplaneResult {
  readonly dataplane?: Dataplane;
  readonly diagnostics: Diagnostic[];
}

/** A node's netns and its pods', as built together. */
export interface BuiltNode {
  readonly node: NetNs;
  readonly pods: ReadonlyMap<Pod, NetNs>;
}

/**
 * The post-build seam: what-if faults (src/whatif/faults.ts) rewrite a
 * node's namespaces after the CNI built them, the way `ip link set down`,
 * `ip route del` or `iptables -D` would on the running node.
 */
export interface BuildTransform {
  /** Nodes built up front, so a fault naming a device or route that does not exist is reported before any command runs. */
  readonly eager: readonly Node[];
  /** Filled in as the transform takes nodes' NICs off the underlay. */
  readonly detachedNodes: ReadonlySet<string>;
  apply(node: Node, built: BuiltNode): { readonly built: BuiltNode; readonly diagnostics: readonly Diagnostic[] };
}

export interface BuildOptions {
  readonly transform?: BuildTransform;
}

export function buildDataplane(cluster: Cluster, options: BuildOptions = {}): DataplaneResult {
  const cni = cluster.topology.network.cni;
  const plugin = cniPlugin(cluster, cni);
  const proxy = kubeProxyMode(cluster);
  const built = new Map<Node, BuiltNode>();
  let external: NetNs | undefined;
  let underlay: Underlay | undefined;
  const transform = options.transform;
  const transformProblems: Diagnostic[] = [];
  const buildOnce = (node: Node): BuiltNode => {
    let entry = built.get(node);
    if (!entry) {
      entry = buildNode(cluster, node, plugin, proxy);
      if (transform) {
        const changed = transform.apply(node, entry);
        transformProblems.push(...changed.diagnostics);
        entry = changed.built;
      }
      built.set(node, entry);
    }
    return entry;
  };
  for (const node of transform?.eager ?? []) buildOnce(node);
  if (transformProblems.some((d) => d.severity === 'error')) return { diagnostics: [...plugin.warnings, ...transformProblems] };
  const detachedNodes = transform?.detachedNodes ?? new Set<string>();
  return {
    diagnostics: [...plugin.warnings, ...transformProblems],
    dataplane: {
      cluster,
      cni: plugin,
      kubeProxy: proxy,
      detachedNodes,
      warnings: plugin.warnings,
      nodeNetns: (node) => buildOnce(node).node,
      podNetns: (pod) => (pod.hostNetwork ? buildOnce(pod.node).node : buildOnce(pod.node).pods.get(pod)!),
      externalNetns: () => (external ??= buildExternalNetns()),
      underlay: () => (underlay ??= buildUnderlay(cluster, detachedNodes)),
    },
  };
}

/**
 * What every new netns starts with: lo up with 127.0.0.1/8 (scope host, no
 * brd), and the per-netns sysctls at their defaults (br_netfilter, loaded on
 * the node, gives every netns bridge-nf-call-iptables=1).
 */
function newNetns(ns: NetnsBuilder): void {
  ns.addLink(loopback());
  ns.addAddress('lo', 0x7f000001, 8, { broadcast: false, scope: 'host' });
  ns.setSysctl('net.ipv4.ip_forward', '0');
  ns.setSysctl('net.ipv4.conf.all.rp_filter', '0');
  ns.setSysctl('net.ipv4.conf.default.rp_filter', '0');
  ns.setSysctl('net.bridge.bridge-nf-call-iptables', '1');
}

/**
 * A node boots, its runtime and the kubelet start, then the CNI daemon and
 * kube-proxy (DaemonSet pods, on the host network), then its pods are set up
 * in order.
 */
function buildNode(cluster: Cluster, model: Node, cni: CniPlugin, kubeProxy: KubeProxyMode): BuiltNode {
  const node = new NetnsBuilder(`node/${model.name}`, 'node', model.name, model.name);
  newNetns(node);
  node.addLink(physicalNic('eth0', model.mac, model.subnet.mtu));
  node.addAddress('eth0', model.ip, model.subnet.cidr.len);
  if (model.subnet.gateway !== undefined) {
    node.addRoute({
      table: RT_TABLE.main,
      type: 'unicast',
      dst: { addr: 0, len: 0 },
      gateway: model.subnet.gateway,
      dev: 'eth0',
      protocol: RTPROT.boot,
      scope: 'universe',
    });
  }
  if (model.spec.runtime === 'docker') setupDocker(node, model);
  programKubelet(node, cluster);
  cni.setupNode(node, model);
  kubeProxy.programNode(node, model);
  cni.finishNode?.(node, model);

  const pods = new Map<Pod, NetNs>();
  const podBuilders: [Pod, NetnsBuilder][] = [];
  for (const pod of model.pods) {
    if (pod.hostNetwork) continue;
    const ns = new NetnsBuilder(`pod/${pod.key}`, 'pod', pod.key, pod.name);
    newNetns(ns);
    cni.setupPod(node, ns, pod);
    // The kubelet's DNS config, written into the sandbox by the runtime.
    if (usesClusterDns(pod)) ns.writeFile('/etc/resolv.conf', renderResolvConf(podResolvConf(cluster, pod.namespace)));
    podBuilders.push([pod, ns]);
  }
  for (const [pod, ns] of podBuilders) pods.set(pod, ns.finish());
  return { node: node.finish(), pods };
}
