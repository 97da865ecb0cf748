/**
 * The normalised topology: what the rest of netlab consumes after loading,
 * schema validation and expansion of the compact forms (node pools,
 * deployments, generated services). Keep in step with
 * schemas/topology.schema.json, which is the contract for the file itself.
 *
 * Everything a real cluster allocates may be pinned here (pod IPs, node
 * podCIDRs, MACs, veth names); what is absent is allocated by src/model,
 * deterministically.
 */
import type { DocPath } from '../diagnostics/diagnostic.js';

export type FlannelBackend = 'vxlan' | 'host-gw' | 'udp';
export type CalicoMode = 'bgp' | 'ipip' | 'vxlan';
export type KubeProxyMode = 'iptables' | 'ipvs' | 'nftables' | 'userspace' | 'none';
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface FlannelCni {
  readonly plugin: 'flannel';
  readonly backend: FlannelBackend;
  /** vxlan only: host-gw style routes to peers on the same L2 subnet. */
  readonly directRouting: boolean;
  /** vxlan VNI (flannel default 1). */
  readonly vni: number;
  /** vxlan UDP port (kernel default 8472) or udp backend port (8285); 0 for host-gw, which has none. */
  readonly port: number;
  /** `calico`: canal, calico's CNI plugin and Felix on top of flannel, enforcing NetworkPolicy. */
  readonly networkPolicy: 'none' | 'calico';
}

export interface CalicoCni {
  readonly plugin: 'calico';
  readonly mode: CalicoMode;
  /** ipip/vxlan: encapsulate only between nodes on different subnets. */
  readonly crossSubnet: boolean;
  readonly blockSize: number;
  /** BGP topology: full node-to-node mesh, or these nodes as route reflectors. */
  readonly routeReflectors: readonly string[];
  readonly asNumber: number;
  /** The underlay router peers with the nodes over BGP and so learns every IPAM block (default: it does not). */
  readonly routerPeering: boolean;
}

export type CniSpec = FlannelCni | CalicoCni;

export interface KubeProxySpec {
  /** `none`: no kube-proxy on the nodes (a replacement, or a bare lab). */
  readonly mode: KubeProxyMode;
  /** ipvs scheduler (rr, lc, sh, ...). */
  readonly scheduler: string;
  /** kube-proxy --cluster-cidr (its "local traffic" detector); network.podCIDR unless written. */
  readonly clusterCIDR: string;
  /** kube-proxy --masquerade-all. */
  readonly masqueradeAll: boolean;
}

export interface DnsSpec {
  /** The coredns deployment and the kube-dns service exist (kubeadm's default). */
  readonly coreDNS: boolean;
}

export interface KubeletSpec {
  /** kubelet --make-iptables-util-chains. */
  readonly makeIPTablesUtilChains: boolean;
}

export interface NetworkSpec {
  readonly podCIDR: string;
  readonly serviceCIDR: string;
  readonly clusterDomain: string;
  /** Size of each node's pod range carved from podCIDR (kube-controller-manager --node-cidr-mask-size). */
  readonly nodeCIDRMaskSize: number;
  /** kube-apiserver --service-node-port-range, `MIN-MAX` as written (parsePortRange reads it). */
  readonly serviceNodePortRange: string;
  /** Where LoadBalancer addresses come from when not pinned. */
  readonly loadBalancerPool: string;
  readonly cni: CniSpec;
  readonly kubeProxy: KubeProxySpec;
  readonly dns: DnsSpec;
  readonly kubelet: KubeletSpec;
}

/** Every normalised entity remembers where it came from, for diagnostics. */
export interface Sourced {
  /** Path of the entity (or of the generator block that produced it) in the document. */
  readonly source: DocPath;
}

export interface SubnetSpec extends Sourced {
  readonly name: string;
  readonly cidr: string;
  /** The underlay router's address on this subnet; absent means no router (an isolated segment). */
  readonly gateway?: string;
  readonly mtu: number;
}

export type NodeRole = 'control-plane' | 'worker';
export type ContainerRuntime = 'containerd' | 'docker';

export interface NodeSpec extends Sourced {
  readonly name: string;
  readonly ip: string;
  readonly subnet: string;
  readonly role: NodeRole;
  readonly runtime: ContainerRuntime;
  readonly podCIDR?: string;
  /**
   * As written, plus what kubeadm and the kubelet add: kubernetes.io/hostname,
   * kubernetes.io/os=linux and, on control-plane nodes,
   * node-role.kubernetes.io/control-plane="" (written labels win).
   */
  readonly labels: Readonly<Record<string, string>>;
  /** Pinned MACs, to mirror a real node. */
  readonly mac?: string;
  readonly bridgeMAC?: string;
  readonly vtepMAC?: string;
  /** calico ipip/vxlan: a pinned tunl0 / vxlan.calico address (the node's IPv4IPIPTunnelAddr or IPv4VXLANTunnelAddr annotation). */
  readonly tunnelAddress?: string;
  /** The node pool the node was generated from, if any. */
  readonly pool?: string;
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: Protocol;
}

export interface ContainerSpec {
  readonly name: string;
  readonly image?: string;
  readonly ports: readonly ContainerPort[];
}

export interface PodSpec extends Sourced {
  readonly name: string;
  readonly namespace: string;
  readonly node: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly containers: readonly ContainerSpec[];
  readonly hostNetwork: boolean;
  readonly ready: boolean;
  readonly terminating: boolean;
  /** Pinned pod IP. */
  readonly ip?: string;
  /** Pinned MAC of the pod's eth0. */
  readonly mac?: string;
  /** Pinned host side of the veth. */
  readonly hostVeth?: { readonly name?: string; readonly mac?: string };
  /**
   * The pod's controller: written (a mirrored pod keeps its owner), or, for
   * pods generated from a deployment, its ReplicaSet
   * (`<deployment>-<pod-template-hash>`) and the deployment.
   */
  readonly owner?: PodOwner;
}

export type PodOwnerKind = 'ReplicaSet' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'Node';

/** The ownerReference with controller: true, as kubectl shows it. */
export interface PodOwner {
  readonly kind: PodOwnerKind;
  readonly name: string;
  /** kind ReplicaSet: the Deployment that owns the ReplicaSet. */
  readonly deployment?: string;
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer';

export interface ServicePort {
  readonly name?: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** A number, or the name of a container port. Defaults to `port`. */
  readonly targetPort: number | string;
  readonly nodePort?: number;
}

export interface ServiceSpec extends Sourced {
  readonly name: string;
  readonly namespace: string;
  readonly type: ServiceType;
  readonly selector?: Readonly<Record<string, string>>;
  readonly ports: readonly ServicePort[];
  /** A pinned address, or 'None' for a headless service. */
  readonly clusterIP?: string;
  readonly externalIPs: readonly string[];
  readonly loadBalancerIP?: string;
  /** LoadBalancer only: allowed client ranges (kube-proxy's KUBE-FW chain). */
  readonly loadBalancerSourceRanges: readonly string[];
  /** A pinned health check node port (LoadBalancer, externalTrafficPolicy Local). */
  readonly healthCheckNodePort?: number;
  readonly sessionAffinity: 'None' | 'ClientIP';
  readonly sessionAffinityTimeoutSeconds: number;
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
  readonly internalTrafficPolicy: 'Cluster' | 'Local';
}

export interface NamespaceSpec extends Sourced {
  readonly name: string;
  /** As written, plus kubernetes.io/metadata.name=<name>, as the API server adds it. */
  readonly labels: Readonly<Record<string, string>>;
}

/*
 * The NetworkPolicy spec as the topology file writes it (the Kubernetes
 * shape): normalisation carries it unchanged, and src/model/policy.ts gives
 * it its typed model.
 */

/** A Kubernetes label selector ({} selects everything). */
export interface DocumentLabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    readonly values?: readonly string[];
  }[];
}

export interface DocumentIpBlock {
  readonly cidr: string;
  readonly except?: readonly string[];
}

export interface DocumentPolicyPeer {
  readonly podSelector?: DocumentLabelSelector;
  readonly namespaceSelector?: DocumentLabelSelector;
  readonly ipBlock?: DocumentIpBlock;
}

export interface DocumentPolicyPort {
  readonly protocol?: Protocol;
  readonly port?: number | string;
  readonly endPort?: number;
}

/** An ingress rule has `from`, an egress rule `to`. */
export interface DocumentPolicyRule {
  readonly from?: readonly DocumentPolicyPeer[];
  readonly to?: readonly DocumentPolicyPeer[];
  readonly ports?: readonly DocumentPolicyPort[];
}

/** The NetworkPolicy spec as in Kubernetes (networking.k8s.io/v1). */
export interface DocumentPolicySpec {
  readonly podSelector: DocumentLabelSelector;
  readonly policyTypes?: readonly ('Ingress' | 'Egress')[];
  readonly ingress?: readonly DocumentPolicyRule[];
  readonly egress?: readonly DocumentPolicyRule[];
}

/** The spec as written; src/model/policy.ts gives it its typed model. */
export interface NetworkPolicySpec extends Sourced {
  readonly name: string;
  readonly namespace: string;
  readonly spec: DocumentPolicySpec;
}

/** The kinds of what-if fault (src/whatif/faults.ts gives them meaning). */
export type FaultKind = 'fail' | 'linkDown' | 'routeDel' | 'ruleDel' | 'notReady';

/** A fault as written in the file: its kind and its text (`node-02:eth0`), parsed by src/whatif. */
export interface FaultSpec extends Sourced {
  readonly kind: FaultKind;
  readonly value: string;
}

export interface Topology {
  readonly apiVersion: 'netlab/v1';
  readonly kind: 'Cluster';
  readonly metadata: { readonly name: string; readonly description?: string };
  readonly network: NetworkSpec;
  readonly subnets: readonly SubnetSpec[];
  readonly nodes: readonly NodeSpec[];
  readonly namespaces: readonly NamespaceSpec[];
  readonly pods: readonly PodSpec[];
  readonly services: readonly ServiceSpec[];
  readonly networkPolicies: readonly NetworkPolicySpec[];
  /** What-if faults written in the file (source points at the fault's key). */
  readonly faults: readonly FaultSpec[];
}
