/**
 * pkg/proxy/topology.go CategorizeEndpoints (v1.33) without topology hints
 * (netlab has no zones): which endpoints a node uses for Cluster and for
 * Local traffic policy. Ready endpoints first; if there are none, serving
 * endpoints that are terminating (independently for Cluster and Local).
 * Also what the iptables and nftables proxiers derive from it: whether this
 * node has usable endpoints for internal (cluster IP) and for external
 * traffic, given each traffic policy.
 */
import type { EndpointInfo, ServicePortInfo } from './service-ports.js';

export interface Categorized {
  /** Usable with Cluster traffic policy (empty when the service never uses it). */
  readonly cluster: readonly EndpointInfo[];
  /** This node's usable endpoints, for Local traffic policy (empty when unused). */
  readonly local: readonly EndpointInfo[];
  /** The union: the endpoints this node gets a KUBE-SEP chain for. */
  readonly allReachable: readonly EndpointInfo[];
  /** Usable endpoints exist somewhere in the cluster (even when this node has none). */
  readonly hasAny: boolean;
  /** Cluster IP traffic has an endpoint to go to from this node (with Local internal policy: a local one). */
  readonly hasInternalEndpoints: boolean;
  /** Node port, external IP and load balancer traffic has one (with Local external policy: a local one). */
  readonly hasExternalEndpoints: boolean;
}

type Usable = Omit<Categorized, 'hasInternalEndpoints' | 'hasExternalEndpoints'>;

const NONE: readonly EndpointInfo[] = Object.freeze([]);

export function categorizeEndpoints(info: ServicePortInfo, nodeName: string): Categorized {
  const { cluster, local, allReachable, hasAny } = usableEndpoints(info, nodeName);
  return {
    cluster,
    local,
    allReachable,
    hasAny,
    // Local policy without a local endpoint: none from this node (other nodes may have some).
    hasInternalEndpoints: hasAny && !(info.internalPolicyLocal && local.length === 0),
    hasExternalEndpoints: hasAny && !(info.externalPolicyLocal && local.length === 0),
  };
}

function usableEndpoints(info: ServicePortInfo, nodeName: string): Usable {
  const endpoints = info.endpoints();
  let cluster: readonly EndpointInfo[] = NONE;
  let hasAny = false;
  if (info.usesClusterEndpoints) {
    cluster = endpoints.filter((e) => e.endpoint.ready);
    if (cluster.length === 0) cluster = endpoints.filter((e) => e.endpoint.serving && e.endpoint.terminating);
    hasAny = cluster.length > 0;
  }
  if (!info.usesLocalEndpoints) return { cluster, local: NONE, allReachable: cluster, hasAny };

  let localReady = false;
  let localServingTerminating = false;
  for (const { endpoint } of endpoints) {
    const isLocal = endpoint.nodeName === nodeName;
    if (endpoint.ready) {
      hasAny = true;
      if (isLocal) localReady = true;
    } else if (endpoint.serving && endpoint.terminating) {
      hasAny = true;
      if (isLocal) localServingTerminating = true;
    }
  }
  let local: readonly EndpointInfo[] = NONE;
  if (localReady) local = endpoints.filter((e) => e.endpoint.nodeName === nodeName && e.endpoint.ready);
  else if (localServingTerminating)
    local = endpoints.filter((e) => e.endpoint.nodeName === nodeName && e.endpoint.serving && e.endpoint.terminating);

  if (!info.usesClusterEndpoints) return { cluster, local, allReachable: local, hasAny };
  // Ready local endpoints are all in the cluster list already.
  if (!localServingTerminating || localReady) return { cluster, local, allReachable: cluster, hasAny };
  // Local terminating endpoints are not: merge (kube-proxy goes through a map, so its order is
  // random; only the set matters, each becomes a KUBE-SEP chain).
  const seen = new Set(cluster.map((e) => e.endpoint.key));
  return { cluster, local, allReachable: [...cluster, ...local.filter((e) => !seen.has(e.endpoint.key))], hasAny };
}
