/**
 * kube-proxy's view of the services (its svcPortMap and endpointsMap): one
 * entry per port of every service that has a cluster IP (headless services
 * are skipped, as ServiceChangeTracker skips them), with the facts its sync
 * loop asks about (BaseServicePortInfo), and the endpoints in kube-proxy's
 * order. Built once per cluster and shared by every node and every mode;
 * the KUBE-SVC chain names (a sha256 each) are computed on first use, so
 * the other modes do not pay for them. The KUBE-SEP names are computed with
 * the endpoint list: iptables mode reads them in its hottest loop, where a
 * getter per endpoint measured slower.
 */
import type { IPv4 } from '../../net/ipv4.js';
import type { Target } from '../../kernel/netfilter/rule.js';
import type { Cidr } from '../../net/cidr.js';
import type { Cluster, Service, ServiceEndpoint, ServicePortModel } from '../../model/types.js';
import { endpointChain, servicePortChains, type ServicePortChains } from './chain-names.js';

export type IptProtocol = 'tcp' | 'udp' | 'sctp';

export interface EndpointInfo {
  readonly endpoint: ServiceEndpoint;
  /** KUBE-SEP-*. */
  readonly chain: string;
  /** `-j KUBE-SEP-*`, one object for every rule that jumps there. */
  readonly jump: Target;
}

export interface ServicePortInfo {
  readonly service: Service;
  readonly port: ServicePortModel;
  /** ServicePortName.String(): `namespace/name:port`, or `namespace/name` for an unnamed port. */
  readonly name: string;
  readonly protocol: IptProtocol;
  readonly chains: ServicePortChains;
  readonly clusterIP: IPv4;
  /** 0 when the service has none (as in the API). */
  readonly nodePort: number;
  readonly healthCheckNodePort: number;
  readonly externalIPs: readonly IPv4[];
  readonly loadBalancerVIPs: readonly IPv4[];
  readonly loadBalancerSourceRanges: readonly Cidr[];
  readonly internalPolicyLocal: boolean;
  readonly externalPolicyLocal: boolean;
  /** A node port, an external IP or a load balancer address. */
  readonly externallyAccessible: boolean;
  readonly usesClusterEndpoints: boolean;
  readonly usesLocalEndpoints: boolean;
  readonly clientIPAffinity: boolean;
  readonly stickyMaxAgeSeconds: number;
  /** Every endpoint (ready or not), sorted by `ip:port`. */
  endpoints(): readonly EndpointInfo[];
}

class PortInfo implements ServicePortInfo {
  readonly name: string;
  readonly protocol: IptProtocol;
  readonly clusterIP: IPv4;
  readonly nodePort: number;
  readonly healthCheckNodePort: number;
  readonly externalIPs: readonly IPv4[];
  readonly loadBalancerVIPs: readonly IPv4[];
  readonly loadBalancerSourceRanges: readonly Cidr[];
  readonly internalPolicyLocal: boolean;
  readonly externalPolicyLocal: boolean;
  readonly externallyAccessible: boolean;
  readonly usesClusterEndpoints: boolean;
  readonly usesLocalEndpoints: boolean;
  readonly clientIPAffinity: boolean;
  readonly stickyMaxAgeSeconds: number;
  private chainNames?: ServicePortChains;
  private cached?: readonly EndpointInfo[];

  constructor(
    readonly service: Service,
    readonly port: ServicePortModel,
  ) {
    this.name = port.name === '' ? service.key : `${service.key}:${port.name}`;
    this.protocol = port.protocol.toLowerCase() as IptProtocol;
    this.clusterIP = service.clusterIP!;
    this.nodePort = port.nodePort ?? 0;
    this.healthCheckNodePort = service.healthCheckNodePort ?? 0;
    this.externalIPs = service.externalIPs;
    this.loadBalancerVIPs = service.loadBalancerIPs;
    this.loadBalancerSourceRanges = service.loadBalancerSourceRanges;
    this.internalPolicyLocal = service.internalTrafficPolicy === 'Local';
    // apiservice.ExternalPolicyLocal: only where the type makes the service externally reachable.
    const typeExternal = service.type === 'NodePort' || service.type === 'LoadBalancer' || service.externalIPs.length > 0;
    this.externalPolicyLocal = typeExternal && service.externalTrafficPolicy === 'Local';
    this.externallyAccessible = this.nodePort !== 0 || this.loadBalancerVIPs.length > 0 || this.externalIPs.length > 0;
    this.usesClusterEndpoints = !this.internalPolicyLocal || (this.externallyAccessible && !this.externalPolicyLocal);
    this.usesLocalEndpoints = this.internalPolicyLocal || (this.externallyAccessible && this.externalPolicyLocal);
    this.clientIPAffinity = service.sessionAffinity === 'ClientIP';
    this.stickyMaxAgeSeconds = service.sessionAffinityTimeoutSeconds;
  }

  get chains(): ServicePortChains {
    return (this.chainNames ??= servicePortChains(this.name, this.protocol));
  }

  endpoints(): readonly EndpointInfo[] {
    return (this.cached ??= this.service.endpoints(this.port).map((endpoint) => {
      const chain = endpointChain(this.name, this.protocol, endpoint.key);
      return { endpoint, chain, jump: { kind: 'jump', chain } };
    }));
  }
}

export interface ServicePortMap {
  /** In a stable order: by `namespace/name` (byte order), then the service's port order. */
  readonly ports: readonly ServicePortInfo[];
  /** Endpoints of every service port, ready or not: above 1,000 kube-proxy drops per-endpoint comments. */
  totalEndpoints(): number;
}

/**
 * Can one node's rules for this service port differ from another's? Yes
 * when it uses the node's own endpoints (a Local traffic policy), or has a
 * loadBalancerSourceRanges firewall, whose allow list depends on the node's
 * address. The others are built once per cluster and shared (iptables and
 * nftables modes).
 */
export function isNodeSpecific(info: ServicePortInfo): boolean {
  return info.usesLocalEndpoints || (info.loadBalancerVIPs.length > 0 && info.loadBalancerSourceRanges.length > 0);
}

const cache = new WeakMap<Cluster, ServicePortMap>();

export function servicePortMap(cluster: Cluster): ServicePortMap {
  let map = cache.get(cluster);
  if (map === undefined) {
    const services = cluster.services.filter((s) => !s.headless && s.clusterIP !== undefined);
    const sorted = [...services].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const ports = sorted.flatMap((s) => s.ports.map((p) => new PortInfo(s, p)));
    let total: number | undefined;
    map = {
      ports,
      totalEndpoints: () => (total ??= ports.reduce((sum, p) => sum + p.service.endpoints(p.port).length, 0)),
    };
    cache.set(cluster, map);
  }
  return map;
}

/** largeClusterEndpointsThreshold: above it kube-proxy leaves out the per-endpoint comments. */
export const LARGE_CLUSTER_ENDPOINTS = 1000;
