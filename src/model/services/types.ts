/**
 * Services and their endpoints after allocation, as the API server and the
 * EndpointSlice controller would have them: every address and port a real
 * cluster allocates, and the endpoints kube-proxy reads, in kube-proxy's
 * order. Built by buildCluster (src/model/cluster.ts); endpoints are
 * computed on first use, since a command usually needs a few services, not
 * 10,000.
 */
import type { Cidr } from '../../net/cidr.js';
import type { IPv4 } from '../../net/ipv4.js';
import type { Protocol, ServiceSpec, ServiceType } from '../../topology/types.js';
import type { Pod } from '../types.js';

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
