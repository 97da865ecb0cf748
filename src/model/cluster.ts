/** Topology in, allocated cluster out: pure and deterministic. */
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { nth, parseCidr, type Cidr } from '../net/cidr.js';
import { parseIPv4 } from '../net/ipv4.js';
import { parseMac } from '../net/mac.js';
import type { PodSpec, Topology } from '../topology/types.js';
import { allocateCalicoIpam } from './calico-ipam.js';
import { allocateNodePodCidrs, allocatePodIps } from './ipam.js';
import { hostVethClashes } from './node-devices.js';
import { CALICO_HOST_VETH_MAC, calicoVethName, calicoVtepMac, hostVethName, macs } from './names.js';
import { buildServices } from './services/build.js';
import { coreDnsPods } from './services/defaults.js';
import type { Cluster, Node, Pod, Subnet } from './types.js';

export interface ClusterResult {
  readonly cluster?: Cluster;
  readonly diagnostics: Diagnostic[];
}

/** Parses text the topology checks already validated; a failure here is a bug. */
function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`bug: ${what} passed validation but does not parse`);
  return value;
}

export interface ClusterOptions {
  /** Pods (`namespace/name`) that fail their readiness probe (`--not-ready`): out of their services' endpoints. */
  readonly notReady?: ReadonlySet<string>;
}

export function buildCluster(topology: Topology, options: ClusterOptions = {}): ClusterResult {
  const diagnostics: Diagnostic[] = [];
  const podCIDR = must(parseCidr(topology.network.podCIDR), 'network.podCIDR');
  const serviceCIDR = must(parseCidr(topology.network.serviceCIDR), 'network.serviceCIDR');

  const subnets: Subnet[] = topology.subnets.map((spec) => ({
    spec,
    name: spec.name,
    cidr: must(parseCidr(spec.cidr), `subnet ${spec.name} cidr`),
    ...(spec.gateway !== undefined ? { gateway: must(parseIPv4(spec.gateway), `subnet ${spec.name} gateway`) } : {}),
    mtu: spec.mtu,
  }));
  const subnetByName = new Map(subnets.map((s) => [s.name, s]));

  const cni = topology.network.cni;
  const calico = cni.plugin === 'calico' ? cni : undefined;
  // calico's CNI plugin sets up the pods under calico and under canal (flannel + calico for policy).
  const calicoWorkloads = calico !== undefined || (cni.plugin === 'flannel' && cni.networkPolicy === 'calico');
  const nodeRanges = calico
    ? kubeControllerManagerRanges(podCIDR, topology, diagnostics)
    : allocateNodePodCidrs(podCIDR, topology.network.nodeCIDRMaskSize, topology.nodes, diagnostics);

  const podsByNode = new Map<string, PodSpec[]>();
  const addPod = (pod: PodSpec): void => {
    let list = podsByNode.get(pod.node);
    if (!list) podsByNode.set(pod.node, (list = []));
    list.push(pod);
  };
  const notReady = options.notReady ?? new Set<string>();
  const readiness = (pod: PodSpec): PodSpec => (notReady.has(`${pod.namespace}/${pod.name}`) ? { ...pod, ready: false } : pod);
  for (const pod of topology.pods) addPod(readiness(pod));
  // The cluster's own pods (CoreDNS) come after the written ones on their node.
  for (const pod of coreDnsPods(topology)) addPod(readiness(pod));

  const calicoIpam = calico
    ? allocateCalicoIpam(podCIDR, calico.blockSize, topology.nodes, podsByNode, calico.mode !== 'bgp', diagnostics)
    : undefined;

  const nodes: Node[] = [];
  const pods: Pod[] = [];
  topology.nodes.forEach((spec, index) => {
    const range = nodeRanges[index];
    const subnet = subnetByName.get(spec.subnet);
    if (!range || !subnet) return; // reported already
    const nodePods: Pod[] = [];
    const node: Node = {
      spec,
      name: spec.name,
      index,
      ip: must(parseIPv4(spec.ip), `node ${spec.name} ip`),
      subnet,
      podCIDR: range,
      mac: pinnedMac(spec.mac) ?? macs.nodeNic(spec.name),
      bridgeMAC: pinnedMac(spec.bridgeMAC) ?? macs.nodeBridge(spec.name),
      vtepMAC: pinnedMac(spec.vtepMAC) ?? (calico ? calicoVtepMac(spec.name) : macs.nodeVtep(spec.name)),
      pods: nodePods,
      ...(calicoIpam ? { calico: calicoIpam.nodes[index]! } : {}),
    };
    nodes.push(node);
    const scheduled = podsByNode.get(spec.name) ?? [];
    const networked = scheduled.filter((p) => !p.hostNetwork);
    const ips = calicoIpam ? networked.map((p) => calicoIpam.podIps.get(p)) : allocatePodIps(range, spec.name, networked, diagnostics);
    const ipOf = new Map(networked.map((p, i) => [p, ips[i]]));
    for (const podSpec of scheduled) {
      const ip = podSpec.hostNetwork ? node.ip : ipOf.get(podSpec);
      if (ip === undefined) continue;
      const pod: Pod = new PodModel(podSpec, node, ip, calicoWorkloads);
      nodePods.push(pod);
      pods.push(pod);
    }
  });

  diagnostics.push(...hostVethClashes(topology, new Map(nodes.map((n) => [n.name, n.pods])), new Map(nodes.map((n) => [n.name, n.spec]))));
  if (hasErrors(diagnostics)) return { diagnostics };
  const services = buildServices({ topology, serviceCIDR, nodes, pods }, diagnostics);
  if (hasErrors(diagnostics)) return { diagnostics };
  return {
    diagnostics,
    cluster: {
      topology,
      podCIDR,
      serviceCIDR,
      subnets,
      nodes,
      pods,
      nodeByName: new Map(nodes.map((n) => [n.name, n])),
      subnetByName,
      podByKey: new Map(pods.map((p) => [p.key, p])),
      services,
      serviceByKey: new Map(services.map((s) => [s.key, s])),
      // kubeadm's kubelet clusterDNS: the 10th address of the service network, with or without CoreDNS.
      clusterDNS: nth(serviceCIDR, 10),
    },
  };
}

/**
 * A pod whose MAC and host veth are derived on first use: hashing them for
 * 150,000 pods up front costs seconds, while a command usually builds the
 * namespaces of one or two nodes. A class, so the getters live on the prototype.
 */
class PodModel implements Pod {
  readonly name: string;
  readonly namespace: string;
  readonly key: string;
  readonly hostNetwork: boolean;
  private macCache?: string;
  private hostVethCache?: Pod['hostVeth'];

  constructor(
    readonly spec: PodSpec,
    readonly node: Node,
    readonly ip: number,
    /** calico's CNI plugin names and addresses the host veth (cali<hash>, ee:ee:ee:ee:ee:ee). */
    private readonly calicoVeth: boolean,
  ) {
    this.name = spec.name;
    this.namespace = spec.namespace;
    this.key = `${spec.namespace}/${spec.name}`;
    this.hostNetwork = spec.hostNetwork;
  }

  get containers(): Pod['containers'] {
    return this.spec.containers;
  }

  get labels(): Pod['labels'] {
    return this.spec.labels;
  }

  get mac(): string | undefined {
    if (this.hostNetwork) return undefined;
    return (this.macCache ??= pinnedMac(this.spec.mac) ?? macs.podEth0(this.namespace, this.name));
  }

  get hostVeth(): Pod['hostVeth'] {
    if (this.hostNetwork) return undefined;
    return (this.hostVethCache ??= {
      name:
        this.spec.hostVeth?.name ?? (this.calicoVeth ? calicoVethName(this.namespace, this.name) : hostVethName(this.namespace, this.name)),
      mac: pinnedMac(this.spec.hostVeth?.mac) ?? (this.calicoVeth ? CALICO_HOST_VETH_MAC : macs.podHostVeth(this.namespace, this.name)),
    });
  }
}

function pinnedMac(text: string | undefined): string | undefined {
  return text === undefined ? undefined : parseMac(text);
}

/**
 * kube-controller-manager still gives calico nodes a spec.podCIDR (kubeadm
 * turns --allocate-node-cidrs on), but calico IPAM ignores it: running out
 * of node ranges is a warning here, and such nodes hold 0.0.0.0/32.
 */
function kubeControllerManagerRanges(podCIDR: Cidr, topology: Topology, diagnostics: Diagnostic[]): Cidr[] {
  const own: Diagnostic[] = [];
  const ranges = allocateNodePodCidrs(podCIDR, topology.network.nodeCIDRMaskSize, topology.nodes, own);
  const errors = own.filter((d) => d.severity === 'error');
  diagnostics.push(...own.filter((d) => d.severity !== 'error'));
  if (errors.length > 0) {
    diagnostics.push({
      ...errors[0]!,
      severity: 'warning',
      message: `${errors[0]!.message}${errors.length > 1 ? ` (and ${errors.length - 1} more nodes)` : ''}: kube-controller-manager logs CIDRNotAvailable, and calico IPAM does not need these ranges`,
    });
  }
  return ranges.map((r) => r ?? { addr: 0, len: 32 });
}
