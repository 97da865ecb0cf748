/**
 * The cluster after allocation: nodes, pods and services with every
 * address, name and MAC a real cluster would have, decided
 * deterministically from the topology.
 */
import type { Cidr } from '../net/cidr.js';
import type { IPv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';
import type { ContainerSpec, NodeSpec, PodSpec, Protocol, ServiceSpec, ServiceType, SubnetSpec, Topology } from '../topology/types.js';

export interface Subnet {
  readonly spec: SubnetSpec;
  readonly name: string;
  readonly cidr: Cidr;
  readonly gateway?: IPv4;
  readonly mtu: number;
}

export interface Node {
  readonly spec: NodeSpec;
  readonly name: string;
  /** Position in the topology's node list. */
  readonly index: number;
  readonly ip: IPv4;
  readonly subnet: Subnet;
  /**
   * The node's pod range (spec.podCIDR, flannel's lease), as
   * kube-controller-manager allocates it. calico IPAM does not use it (see
   * `calico`); a calico node kube-controller-manager had no range left for
   * holds 0.0.0.0/32.
   */
  readonly podCIDR: Cidr;
  /** MAC of the underlay NIC eth0. */
  readonly mac: Mac;
  /** MAC of cni0 (pinned by the bridge plugin to its creation-time random MAC). */
  readonly bridgeMAC: Mac;
  /** MAC of the tunnel device (flannel.1's VtepMAC). */
  readonly vtepMAC: Mac;
  /** Pods scheduled here, in topology order (hostNetwork pods included). */
  readonly pods: readonly Pod[];
  /** calico only: what calico IPAM gave the node (its pods' addresses come from these blocks). */
  readonly calico?: CalicoNodeIpam;
}

/** A node's share of calico IPAM (src/model/calico-ipam.ts). */
export interface CalicoNodeIpam {
  /** Blocks affine to the node, in the order it claimed them. */
  readonly blocks: readonly Cidr[];
  /** The tunl0 / vxlan.calico address (IPIP or VXLAN), usually ordinal 0 of the first block. */
  readonly tunnelAddress?: IPv4;
}

export interface Pod {
  readonly spec: PodSpec;
  readonly name: string;
  readonly namespace: string;
  /** `namespace/name`. */
  readonly key: string;
  readonly node: Node;
  readonly ip: IPv4;
  readonly hostNetwork: boolean;
  readonly containers: readonly ContainerSpec[];
  readonly labels: Readonly<Record<string, string>>;
  /** The pod's eth0 MAC (absent for hostNetwork pods). */
  readonly mac?: Mac;
  /** Host end of the veth (absent for hostNetwork pods). */
  readonly hostVeth?: { readonly name: string; readonly mac: Mac };
}

export interface Cluster {
  readonly topology: Topology;
  readonly podCIDR: Cidr;
  readonly serviceCIDR: Cidr;
  readonly subnets: readonly Subnet[];
  readonly nodes: readonly Node[];
  readonly pods: readonly Pod[];
  readonly nodeByName: ReadonlyMap<string, Node>;
  readonly subnetByName: ReadonlyMap<string, Subnet>;
  /** By `namespace/name`. */
  readonly podByKey: ReadonlyMap<string, Pod>;
  /**
   * Every service: the written ones in topology order, then the cluster's
   * own that were not written (`default/kubernetes`, `kube-system/kube-dns`).
   * See src/model/services/.
   */
  readonly services: readonly Service[];
  /** By `namespace/name`. */
  readonly serviceByKey: ReadonlyMap<string, Service>;
  /** The nameserver in pods' resolv.conf (the kubelet's clusterDNS, kube-dns's address). */
  readonly clusterDNS: IPv4;
}

/*
 * Services and their endpoints after allocation, as the API server and the
 * EndpointSlice controller would have them: every address and port a real
 * cluster allocates, and the endpoints kube-proxy reads, in kube-proxy's
 * order. buildCluster (src/model/cluster.ts) builds them with
 * src/model/services/; endpoints are computed on first use, since a command
 * usually needs a few services, not 10,000.
 */

/** The objects every cluster has without being told: the API server's own service, and kubeadm's cluster DNS. */
export type BuiltInService = 'kubernetes' | 'kube-dns';

export interface ServicePortModel {
  /** Position in the service's port list. */
  readonly index: number;
  /** '' for an unnamed port (kube-proxy's ServicePortName then prints no `:name`). */
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** A number, or a container port name looked up in each pod. */
  readonly targetPort: number | string;
  /** NodePort and LoadBalancer services: allocated or pinned. */
  readonly nodePort?: number;
}

/**
 * One endpoint of one service port, as an EndpointSlice endpoint plus the
 * slice's port: what kube-proxy turns into a KUBE-SEP chain.
 */
export interface ServiceEndpoint {
  readonly ip: IPv4;
  readonly port: number;
  /** kube-proxy's endpoint string, `ip:port` (its sort key and part of the KUBE-SEP hash). */
  readonly key: string;
  /** Ready and not terminating (EndpointSlice conditions.ready). */
  readonly ready: boolean;
  /** Ready, whether terminating or not (conditions.serving). */
  readonly serving: boolean;
  readonly terminating: boolean;
  /** The node the pod runs on; absent for the kubernetes service (the API server sets none). */
  readonly nodeName?: string;
  /** The backing pod; absent for the kubernetes service, whose endpoints are the API servers. */
  readonly pod?: Pod;
}

/** An address behind a service, port-independent (what DNS gives for a headless service). */
export interface ServiceAddress {
  readonly ip: IPv4;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly nodeName?: string;
  readonly pod?: Pod;
}

export interface Service {
  readonly spec: ServiceSpec;
  readonly name: string;
  readonly namespace: string;
  /** `namespace/name`. */
  readonly key: string;
  readonly type: ServiceType;
  /** Set for the cluster's own services (the apiserver's `kubernetes`, kubeadm's `kube-dns`). */
  readonly builtIn?: BuiltInService;
  readonly selector?: Readonly<Record<string, string>>;
  /** `clusterIP: None`: no virtual IP, no kube-proxy rules; DNS answers with the pods. */
  readonly headless: boolean;
  /** Absent only for headless services. */
  readonly clusterIP?: IPv4;
  readonly ports: readonly ServicePortModel[];
  readonly externalIPs: readonly IPv4[];
  /** The load balancer's addresses (status.loadBalancer.ingress): LoadBalancer services only. */
  readonly loadBalancerIPs: readonly IPv4[];
  readonly loadBalancerSourceRanges: readonly Cidr[];
  /** LoadBalancer services with externalTrafficPolicy Local. */
  readonly healthCheckNodePort?: number;
  readonly sessionAffinity: 'None' | 'ClientIP';
  readonly sessionAffinityTimeoutSeconds: number;
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
  readonly internalTrafficPolicy: 'Cluster' | 'Local';
  /**
   * The endpoints of one port, in kube-proxy's order (sorted by `ip:port` as
   * strings, duplicates dropped), ready or not: kube-proxy filters by
   * readiness itself. Empty for a service without selector (other than the
   * kubernetes service) and for a port no selected pod has.
   */
  endpoints(port: ServicePortModel): readonly ServiceEndpoint[];
  /** Every pod address behind the service, sorted by address (port-independent, for DNS). */
  addresses(): readonly ServiceAddress[];
}
