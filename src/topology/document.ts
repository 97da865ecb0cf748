/**
 * The topology file as written, after schema validation: the shape of
 * schemas/topology.schema.json in TypeScript (optional where the schema has a
 * default). Normalisation turns it into the Topology of types.ts, which
 * also holds the words both share and the NetworkPolicy spec (carried
 * as written). Keep the three in step.
 */
import type { ContainerRuntime, DocumentPolicySpec, FaultKind, NodeRole, PodOwnerKind, Protocol, ServiceType } from './types.js';

export type Labels = Readonly<Record<string, string>>;

export interface DocumentFlannelCni {
  readonly plugin?: 'flannel';
  readonly backend?: 'vxlan' | 'host-gw' | 'udp';
  readonly directRouting?: boolean;
  readonly vni?: number;
  readonly port?: number;
  readonly networkPolicy?: 'none' | 'calico';
}

export interface DocumentCalicoCni {
  readonly plugin: 'calico';
  readonly mode?: 'bgp' | 'ipip' | 'vxlan';
  readonly crossSubnet?: boolean;
  readonly blockSize?: number;
  readonly routeReflectors?: readonly string[];
  readonly asNumber?: number;
  readonly routerPeering?: boolean;
}

export interface DocumentNetwork {
  readonly podCIDR?: string;
  readonly serviceCIDR?: string;
  readonly clusterDomain?: string;
  readonly nodeCIDRMaskSize?: number;
  readonly cni?: DocumentFlannelCni | DocumentCalicoCni;
  readonly serviceNodePortRange?: string;
  readonly loadBalancerPool?: string;
  readonly kubeProxy?: {
    readonly mode?: 'iptables' | 'ipvs' | 'nftables' | 'userspace' | 'none';
    readonly scheduler?: string;
    readonly clusterCIDR?: string;
    readonly masqueradeAll?: boolean;
  };
  readonly dns?: { readonly coreDNS?: boolean };
  readonly kubelet?: { readonly makeIPTablesUtilChains?: boolean };
}

export interface DocumentSubnet {
  readonly name: string;
  readonly cidr: string;
  readonly gateway?: string;
  readonly mtu?: number;
}

export interface DocumentNode {
  readonly name: string;
  readonly ip: string;
  readonly subnet: string;
  readonly role?: NodeRole;
  readonly runtime?: ContainerRuntime;
  readonly podCIDR?: string;
  readonly labels?: Labels;
  readonly mac?: string;
  readonly bridgeMAC?: string;
  readonly vtepMAC?: string;
  readonly tunnelAddress?: string;
}

export interface DocumentNodePool {
  readonly name: string;
  readonly count: number;
  readonly namePattern?: string;
  readonly startIndex?: number;
  readonly subnet: string;
  readonly firstIP?: string;
  readonly role?: NodeRole;
  readonly runtime?: ContainerRuntime;
  readonly labels?: Labels;
}

export interface DocumentNamespace {
  readonly name: string;
  readonly labels?: Labels;
}

export interface DocumentContainer {
  readonly name: string;
  readonly image?: string;
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number; readonly protocol?: Protocol }[];
}

export interface DocumentPod {
  readonly name: string;
  readonly namespace?: string;
  readonly node: string;
  readonly labels?: Labels;
  readonly containers?: readonly DocumentContainer[];
  readonly hostNetwork?: boolean;
  readonly ready?: boolean;
  readonly terminating?: boolean;
  readonly ip?: string;
  readonly mac?: string;
  readonly hostVeth?: { readonly name?: string; readonly mac?: string };
  readonly owner?: { readonly kind: PodOwnerKind; readonly name: string; readonly deployment?: string };
}

/** What deployments and deployment sets share: the pod template and placement. */
export interface DocumentPodTemplate {
  readonly namespace?: string;
  readonly replicas?: number;
  readonly labels?: Labels;
  readonly containers?: readonly DocumentContainer[];
  readonly hostNetwork?: boolean;
  readonly nodeSelector?: Labels;
  readonly tolerateControlPlane?: boolean;
}

export interface DocumentDeployment extends DocumentPodTemplate {
  readonly name: string;
}

export interface DocumentDeploymentSet extends DocumentPodTemplate {
  readonly namePattern: string;
  readonly count: number;
  readonly startIndex?: number;
}

export interface DocumentServicePort {
  readonly name?: string;
  readonly protocol?: Protocol;
  readonly port: number;
  readonly targetPort?: number | string;
  readonly nodePort?: number;
}

/** What services and service sets share. */
export interface DocumentServiceCommon {
  readonly namespace?: string;
  readonly type?: ServiceType;
  readonly selector?: Labels;
  readonly ports?: readonly DocumentServicePort[];
  readonly sessionAffinity?: 'None' | 'ClientIP';
  readonly sessionAffinityConfig?: { readonly clientIP?: { readonly timeoutSeconds?: number } };
  readonly externalTrafficPolicy?: 'Cluster' | 'Local';
  readonly internalTrafficPolicy?: 'Cluster' | 'Local';
}

export interface DocumentService extends DocumentServiceCommon {
  readonly name: string;
  readonly clusterIP?: string;
  readonly externalIPs?: readonly string[];
  readonly loadBalancerIP?: string;
  readonly loadBalancerSourceRanges?: readonly string[];
  readonly healthCheckNodePort?: number;
}

export interface DocumentServiceSet extends DocumentServiceCommon {
  readonly namePattern: string;
  readonly count: number;
  readonly startIndex?: number;
}

export interface DocumentNetworkPolicy {
  readonly name: string;
  readonly namespace?: string;
  readonly spec: DocumentPolicySpec;
}

/** One what-if fault, in the syntax of its command-line option (docs/whatif.md): one key per fault kind. */
export type DocumentFault = { readonly [K in FaultKind]?: string };

export interface TopologyDocument {
  readonly apiVersion: 'netlab/v1';
  readonly kind: 'Cluster';
  readonly metadata: { readonly name: string; readonly description?: string };
  readonly network?: DocumentNetwork;
  readonly subnets?: readonly DocumentSubnet[];
  readonly nodes?: readonly DocumentNode[];
  readonly nodePools?: readonly DocumentNodePool[];
  readonly namespaces?: readonly DocumentNamespace[];
  readonly pods?: readonly DocumentPod[];
  readonly deployments?: readonly DocumentDeployment[];
  readonly deploymentSets?: readonly DocumentDeploymentSet[];
  readonly services?: readonly DocumentService[];
  readonly serviceSets?: readonly DocumentServiceSet[];
  readonly networkPolicies?: readonly DocumentNetworkPolicy[];
  readonly faults?: readonly DocumentFault[];
}
