/**
 * The cluster after allocation: every address, name and MAC a real cluster
 * would have, decided deterministically from the topology.
 */
import type { Cidr } from '../net/cidr.js';
import type { IPv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';
import type { ContainerSpec, NodeSpec, PodSpec, SubnetSpec, Topology } from '../topology/types.js';
import type { Service } from './services/types.js';

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
