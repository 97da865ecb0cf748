/**
 * namespaces, pods, services and network policies as written, with their
 * defaults. The generated ones (deployments, serviceSets) are in
 * deployments.ts and service-sets.ts.
 */
import type {
  DocumentContainer,
  DocumentNamespace,
  DocumentNetworkPolicy,
  DocumentPod,
  DocumentService,
  DocumentServiceCommon,
  DocumentServicePort,
  Labels,
} from '../document.js';
import type { ContainerSpec, NamespaceSpec, NetworkPolicySpec, PodSpec, ServicePort, ServiceSpec } from '../types.js';

export const DEFAULT_NAMESPACE = 'default';

/** Namespaces every cluster has without being told. */
export const IMPLICIT_NAMESPACES = ['default', 'kube-system'] as const;

const EMPTY_LABELS: Labels = Object.freeze({});
const NO_RANGES: readonly string[] = Object.freeze([]);

/**
 * default and kube-system first (with the written labels if they are listed
 * too), then the others in file order. Every namespace gets
 * kubernetes.io/metadata.name, which the API server sets and which
 * namespaceSelector policies commonly match.
 */
export function normaliseNamespaces(namespaces: readonly DocumentNamespace[]): NamespaceSpec[] {
  const written = new Map<string, { namespace: DocumentNamespace; index: number }>();
  namespaces.forEach((namespace, index) => {
    if (!written.has(namespace.name)) written.set(namespace.name, { namespace, index });
  });
  const make = (name: string, labels: Labels | undefined, source: (string | number)[]): NamespaceSpec => ({
    source,
    name,
    labels: { 'kubernetes.io/metadata.name': name, ...labels },
  });
  const out: NamespaceSpec[] = IMPLICIT_NAMESPACES.map((name) => {
    const entry = written.get(name);
    return entry ? make(name, entry.namespace.labels, ['namespaces', entry.index]) : make(name, undefined, []);
  });
  namespaces.forEach((namespace, index) => {
    if (!(IMPLICIT_NAMESPACES as readonly string[]).includes(namespace.name))
      out.push(make(namespace.name, namespace.labels, ['namespaces', index]));
  });
  return out;
}

/** A pod without containers gets one named app: every pod has at least one. */
const DEFAULT_CONTAINERS: readonly ContainerSpec[] = Object.freeze([Object.freeze({ name: 'app', ports: Object.freeze([]) })]);

export function normaliseContainers(containers: readonly DocumentContainer[] | undefined): readonly ContainerSpec[] {
  if (containers === undefined) return DEFAULT_CONTAINERS;
  return containers.map((c) => ({
    name: c.name,
    ...(c.image !== undefined ? { image: c.image } : {}),
    ports: (c.ports ?? []).map((p) => ({
      ...(p.name !== undefined ? { name: p.name } : {}),
      containerPort: p.containerPort,
      protocol: p.protocol ?? 'TCP',
    })),
  }));
}

export function explicitPods(pods: readonly DocumentPod[]): PodSpec[] {
  return pods.map((pod, i) => ({
    source: ['pods', i],
    name: pod.name,
    namespace: pod.namespace ?? DEFAULT_NAMESPACE,
    node: pod.node,
    labels: pod.labels ?? EMPTY_LABELS,
    containers: normaliseContainers(pod.containers),
    hostNetwork: pod.hostNetwork ?? false,
    ready: pod.ready ?? true,
    terminating: pod.terminating ?? false,
    ...(pod.ip !== undefined ? { ip: pod.ip } : {}),
    ...(pod.mac !== undefined ? { mac: pod.mac } : {}),
    ...(pod.hostVeth !== undefined ? { hostVeth: { ...pod.hostVeth } } : {}),
    ...(pod.owner !== undefined ? { owner: { ...pod.owner } } : {}),
  }));
}

export function normaliseServicePorts(ports: readonly DocumentServicePort[] | undefined): ServicePort[] {
  return (ports ?? []).map((p) => ({
    ...(p.name !== undefined ? { name: p.name } : {}),
    protocol: p.protocol ?? 'TCP',
    port: p.port,
    targetPort: p.targetPort ?? p.port,
    ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
  }));
}

/** The fields services and service sets share, with their defaults. */
export function serviceCommon(
  service: DocumentServiceCommon,
): Omit<ServiceSpec, 'source' | 'name' | 'selector' | 'ports' | 'externalIPs' | 'loadBalancerSourceRanges'> {
  return {
    namespace: service.namespace ?? DEFAULT_NAMESPACE,
    type: service.type ?? 'ClusterIP',
    sessionAffinity: service.sessionAffinity ?? 'None',
    sessionAffinityTimeoutSeconds: service.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800,
    externalTrafficPolicy: service.externalTrafficPolicy ?? 'Cluster',
    internalTrafficPolicy: service.internalTrafficPolicy ?? 'Cluster',
  };
}

export function explicitServices(services: readonly DocumentService[]): ServiceSpec[] {
  return services.map((service, i) => ({
    source: ['services', i],
    name: service.name,
    ...serviceCommon(service),
    ...(service.selector !== undefined ? { selector: service.selector } : {}),
    ports: normaliseServicePorts(service.ports),
    ...(service.clusterIP !== undefined ? { clusterIP: service.clusterIP } : {}),
    externalIPs: service.externalIPs ?? [],
    ...(service.loadBalancerIP !== undefined ? { loadBalancerIP: service.loadBalancerIP } : {}),
    loadBalancerSourceRanges: service.loadBalancerSourceRanges ?? NO_RANGES,
    ...(service.healthCheckNodePort !== undefined ? { healthCheckNodePort: service.healthCheckNodePort } : {}),
  }));
}

export function normalisePolicies(policies: readonly DocumentNetworkPolicy[]): NetworkPolicySpec[] {
  return policies.map((policy, i) => ({
    source: ['networkPolicies', i],
    name: policy.name,
    namespace: policy.namespace ?? DEFAULT_NAMESPACE,
    spec: policy.spec,
  }));
}
